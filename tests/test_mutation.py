"""A fixed sample of the mutation suite (the whole suite is ``make mutants``).

Every tenth mutant of each assignment's reference answer cells, by name, is
judged by the oracle on SPEC's domain and graded through the command line:
each one that behaves differently must lose points in its own cell (and
elsewhere only where its cell trains), each equivalent one must keep full
marks, and a visible test that fails must mean a hidden loss.
"""

import pytest

from autograder import assignments
from tests.mutation import suite

EVERY = 10


@pytest.mark.parametrize("name", assignments.NAMES)
def test_a_fixed_sample_of_generated_mistakes_is_graded_fairly(name):
    report = suite.run(name, every=EVERY)
    assert report.differing, f"the sample of {name} holds no mutant that behaves differently"
    assert not report.failures, report.text()
