"""The pipeline: each step alone (no sandbox), then grade_notebook end to end on
the solution notebook and the untouched release, with the expected scores
computed from the notebooks' own nbgrader metadata."""

import json
import shutil

import nbformat
import pytest

from autograder import pipeline
from autograder.grade import grade, pick_notebook
from autograder.pipeline import Loaded, Submission, grade_notebook, load_step
from autograder.results import SubmissionResult
from tests import support

A = "training_slope"
SOURCE = support.ROOT / "source" / A / f"{A}.ipynb"
RELEASE = support.ROOT / "release" / A / f"{A}.ipynb"


def points(path) -> dict[str, float]:
    """Max points of each test cell, from the notebook's nbgrader metadata."""
    nb = nbformat.read(str(path), as_version=4)
    found = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            found[meta["grade_id"]] = float(meta["points"])
    return found


def answers(path) -> list[str]:
    nb = nbformat.read(str(path), as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]


@pytest.fixture(scope="module")
def plan():
    return pipeline.plan(A)


# ------------------------------------------------------------ steps, no sandbox


def test_the_plan_holds_every_test_cell_and_its_points(plan):
    assert plan.cells == points(SOURCE) and plan.name == A


def test_load_gives_the_program_of_a_notebook(plan):
    loaded = load_step(Submission("kim", RELEASE), plan)
    assert isinstance(loaded, Loaded)
    assert {c.grade_id for c in loaded.program.cells} >= set(answers(SOURCE))
    assert loaded.program.missing_answers == []


def test_a_file_that_is_not_a_notebook_is_a_result_saying_why(plan, tmp_path):
    path = tmp_path / "lab.ipynb"
    path.write_text("not json")
    made = load_step(Submission("kim", path, key="k"), plan)
    assert isinstance(made, SubmissionResult) and made.key == "k"
    assert made.score == 0 and made.max_score == sum(points(SOURCE).values())
    assert made.load_error.startswith("lab.ipynb is not a valid Jupyter notebook")


def test_another_assignments_notebook_is_refused(plan):
    made = load_step(Submission("kim", support.ROOT / "release" / "prediction" / "prediction.ipynb"), plan)
    assert "`prediction` assignment, not `training_slope`" in made.load_error


def test_no_notebook_is_a_result_with_the_problem(plan):
    made = load_step(Submission("kim", None, "No notebook was found: expected x."), plan)
    assert made.load_error == "No notebook was found: expected x."


def test_an_upload_is_chosen_like_a_students_folder(tmp_path):
    a, b = tmp_path / "my_lab.ipynb", tmp_path / f"{A} (1).ipynb"
    assert pick_notebook("s", [[a, b], []], A).path == b
    assert pick_notebook("s", [[a], []], A).path == a
    assert "several notebooks" in pick_notebook("s", [[a, tmp_path / "x.ipynb"], []], A).problem
    assert "No notebook was found" in pick_notebook("s", [[], []], A).problem


def test_internal_failure_is_never_kept():
    made = pipeline.internal_failure(A, {"test_a": 2.0}, "kim", RuntimeError("x"))
    assert made.key == "" and made.max_score == 2.0 and "RuntimeError" in made.load_error


# ---------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def solution():
    return grade_notebook(SOURCE, A, student_id="you")


@pytest.fixture(scope="module")
def release():
    return grade_notebook(RELEASE, A)


def test_the_solution_notebook_gets_every_point(solution):
    expected = points(SOURCE)
    assert solution.cells == expected
    assert solution.cell_scores() == expected
    assert solution.score == sum(expected.values()) and all(c.passed for c in solution.checks)
    assert solution.load_error is None and solution.student_id == "you"


def test_the_untouched_release_gets_nothing_and_is_told_to_write_its_code(release):
    assert release.cells == points(SOURCE) and release.score == 0
    assert set(release.cell_scores().values()) == {0.0}
    for grade_id in answers(SOURCE):
        said = [c.message for c in release.checks if c.grade_id == f"test_{grade_id}"]
        assert said and any("NotImplementedError" in m for m in said), grade_id


def test_results_of_grade_notebook_round_trip(solution, release):
    for made in (solution, release):
        assert SubmissionResult.from_json(made.to_json()).to_json() == made.to_json()


def test_grade_notebook_gives_what_a_batch_gives(release, tmp_path):
    shutil.copytree(support.ROOT / "release" / A, tmp_path / "submitted" / "submission" / A)
    grade(A, tmp_path / "submitted", tmp_path / "out")
    batch = json.loads((tmp_path / "out" / "submission" / "results.json").read_text())
    one = release.to_json()
    for data in (batch, one):
        data.pop("execution_time")
    assert one == batch
