"""One batch mixing everything a real class submits: every attack, every
resource abuse, every real-world notebook and every broken file of the
focused suites, plus honest students. The grader survives it, and everyone
gets exactly what they get in the focused suites."""

import time

import pytest

from tests import support, test_attacks, test_limits, test_malformed, test_real_world
from tests.catalogue.training_slope import MISTAKES

A = "training_slope"
GROUPS = {"attack-": test_attacks, "limit-": test_limits, "real-": test_real_world, "bad-": test_malformed}
HONEST = {"honest-perfect": support.Case("perfect"), "honest-mistake": MISTAKES[3]}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    submitted, out = root / "submitted", root / "out"
    for prefix, module in GROUPS.items():
        module.write_submissions(submitted, out, prefix=prefix)
    for name, case in HONEST.items():
        support.write(submitted, name, A, support.build(A, case))
    done = support.grade(A, submitted, out, timeout=3)
    assert done.returncode == 0, done.stderr
    time.sleep(5)  # a daemon that escaped would write its fake results now
    return out


EXPECTED = [(prefix + name, want) for prefix, module in GROUPS.items() for name, want in module.EXPECTED.items()]


@pytest.mark.parametrize("student, want", EXPECTED, ids=[s for s, _ in EXPECTED])
def test_everyone_in_a_hostile_batch_gets_their_fair_result(mixed, student, want):
    result = support.results(mixed, student)
    if want == "full":
        support.assert_full_marks(A, result, student)
    elif want == "zero":
        assert result["score"] == 0, student
    elif want == "not graded":
        assert result["score"] == 0 and result["extra_data"]["load_error"], student
    else:
        support.assert_mistake(A, result, want)


def test_honest_students_in_the_same_batch_are_graded_as_usual(mixed):
    support.assert_full_marks(A, support.results(mixed, "honest-perfect"), "honest-perfect")
    support.assert_mistake(A, support.results(mixed, "honest-mistake"), MISTAKES[3])
    rows = (mixed / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(EXPECTED) + len(HONEST)
