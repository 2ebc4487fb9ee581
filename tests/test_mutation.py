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


def test_the_oracle_never_calls_a_mutant_equivalent_because_the_reference_was_too_slow(monkeypatch):
    """On a loaded machine the reference may time out: that must stop the judging with a
    clear error, not reject every input and so make the mutant look equivalent. A mutant
    that hangs where the reference is quick still behaves differently."""
    from hypothesis import strategies as st

    from tests.mutation import oracle

    monkeypatch.setattr(oracle, "OBSERVE_SECONDS", 1)
    monkeypatch.setattr(oracle, "RETRY_SECONDS", 2, raising=False)
    behaviour = oracle.Behaviour("slope", st.just({"x": 2.0}), lambda ns, case: ns["slope"](case["x"]), examples=3)
    slow = "import time\ndef slope(x):\n    time.sleep(2.5)\n    return 3 * x\n"
    quick = "def slope(x):\n    return 3 * x\n"
    hangs = "def slope(x):\n    while True:\n        pass\n"
    with pytest.raises(oracle.CannotJudge, match="took over 2 s"):
        oracle.compare(behaviour, [], slow, quick)
    verdict = oracle.compare(behaviour, [], quick, hangs)
    assert verdict.differs and "TimeoutError" in verdict.example
    assert not oracle.compare(behaviour, [], quick, "def slope(x):\n    return x * 3\n").differs
