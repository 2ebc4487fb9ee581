"""A test cell's points have one home, its checks: the notebook's metadata is written
from them, and grading refuses to start when the two disagree."""

import json
import subprocess
import sys

import pytest

from autograder import assignments, course, harness
from tests import support


def test_points_problem_names_each_cell_that_disagrees():
    assert assignments.points_problem({"test_a": 2, "test_b": 1}, {"test_a": 2, "test_b": 1}) is None
    problem = assignments.points_problem({"test_a": 2, "test_c": 1}, {"test_a": 3, "test_b": 1})
    assert "test_a: its checks give 2, the notebook 3" in problem
    assert "test_b: its checks give 0, the notebook 1" in problem
    assert "test_c: its checks give 1, the notebook 0" in problem
    assert "make notebooks" in problem


@pytest.mark.parametrize("name", assignments.NAMES)
def test_every_notebooks_points_are_its_checks(name):
    assignment = assignments.get(name)
    assert assignment.check_points() == support.cell_max(name)


def test_collection_fails_when_the_collected_checks_do_not_add_up():
    """The harness's own check, at pytest's collection: nothing runs, every job is left unfinished."""
    assignment = assignments.get("training_slope")
    cells = dict(support.cell_max("training_slope"), test_forward=3)
    started = []
    jobs = [harness.Job("ada", lambda: started.append("ada"))]
    run = harness.run_checks(assignment.checks_file, jobs, lambda *args: started.append(args), cells)
    assert run.unfinished == {"ada"} and not started
    assert int(run.code) == pytest.ExitCode.USAGE_ERROR
    right = harness.run_checks(assignment.checks_file, [], lambda *args: None, support.cell_max("training_slope"))
    assert int(right.code) in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)


def test_grade_refuses_a_notebook_whose_points_are_not_its_checks(tmp_path):
    root = tmp_path / "course"
    course.init(root)
    path = root / "source" / "training_slope" / "training_slope.ipynb"
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_forward")
    cell["metadata"]["nbgrader"]["points"] = 5
    path.write_text(json.dumps(nb))
    support.write(tmp_path / "submitted", "ada", "training_slope", support.source_notebook("training_slope"))
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "training_slope", str(tmp_path / "submitted"),
                           "--out", str(tmp_path / "out"), "--course", str(root)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "test_forward: its checks give 2, the notebook 5" in done.stderr
    assert not (tmp_path / "out" / "ada").exists()


@pytest.mark.parametrize("name", assignments.NAMES)
def test_the_points_read_from_the_checks_text_are_the_imported_checks_marks(name):
    """check_points reads the checks without importing them; pytest's marks say the same."""
    marked: dict[str, float] = {}
    for fn in vars(assignments.get(name).checks()).values():
        for mark in getattr(fn, "pytestmark", []):
            if mark.name == "cell":
                grade_id = mark.kwargs["grade_id"]
                marked[grade_id] = marked.get(grade_id, 0) + mark.kwargs.get("points", 1)
    assert assignments.get(name).check_points() == marked
