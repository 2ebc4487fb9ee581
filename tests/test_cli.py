"""The student-facing commands: `check`, feedback pages, `nbgrader validate`."""

import shutil
import subprocess
import sys

import pytest

from autograder.gradebook import nbgrader_env
from tests import support

A = "training_slope"
EXAMPLES = support.ROOT / "examples" / A


def run(*args, cwd=support.ROOT):
    env = nbgrader_env()
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def test_check_summarises_one_notebook_in_the_courses_terms():
    done = run("-m", "autograder", "check", str(EXAMPLES / "dev_rebinds_p" / A / f"{A}.ipynb"))
    assert done.returncode == 0, done.stderr
    assert "12 / 15 points" in done.stdout
    assert "only rebinds the loop variable" in done.stdout
    assert "edited the locked" not in done.stdout


def test_check_refuses_a_missing_file_clearly(tmp_path):
    done = run("-m", "autograder", "check", str(tmp_path / "nope.ipynb"))
    assert done.returncode == 2 and "does not exist" in done.stderr


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("feedback")
    submitted = root / "submitted"
    for student in ("ada_perfect", "chloe_sum_not_mean", "ben_untouched"):
        shutil.copytree(EXAMPLES / student, submitted / student)
    done = support.grade(A, submitted, root / "out")
    assert done.returncode == 0, done.stderr
    return root / "out"


def test_feedback_page_shows_every_cell_its_points_and_the_messages(graded):
    page = (graded / "chloe_sum_not_mean" / "feedback.html").read_text()
    for cell in support.cell_max(A):
        assert cell in page
    score = support.EXAMPLE_SCORES["chloe_sum_not_mean"]
    assert "sum instead of mean" in page and f"{score} / 15" in page
    for student, score in support.EXAMPLE_SCORES.items():
        assert support.results(graded, student)["score"] == score


def test_feedback_never_shows_the_hidden_checks_source(graded):
    for student in ("ada_perfect", "chloe_sum_not_mean", "ben_untouched"):
        page = (graded / student / "feedback.html").read_text()
        result = (graded / student / "results.json").read_text()
        for secret in ("_probe_", "nb.probe", "def test_", "expect_close", "solutions."):
            assert secret not in page and secret not in result


def test_nbgrader_validate_passes_a_finished_notebook_and_flags_stubs():
    finished = run("-m", "nbgrader", "validate", str(EXAMPLES / "ada_perfect" / A / f"{A}.ipynb"))
    assert "Success! Your notebook passes all the tests." in finished.stdout, finished.stdout + finished.stderr
    stubs = run("-m", "nbgrader", "validate", str(support.ROOT / "release" / A / f"{A}.ipynb"))
    assert "NotImplementedError" in stubs.stdout and "Success" not in stubs.stdout
