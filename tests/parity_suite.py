"""`nbgrader autograde` gives every test cell the score `python -m autograder grade` gives.

The hidden region of each source test cell asks the grader for the cell's
score, so both paths agree. This runs real nbgrader (kernels, gradebook) on a
sample of every assignment's catalogue (the solutions, the untouched release,
mistakes and a correct variant) and compares per-cell scores with the command
line. `make bench` compares more submissions the same way.

Each ``tests/test_parity_<a>.py`` module is ``globals().update(suite("<a>"))``.
"""

import importlib
import os
import shutil
import subprocess
import sys

import pytest

from tests import support


def sample(assignment):
    catalogue = importlib.import_module(f"tests.catalogue.{assignment}")
    return catalogue.MISTAKES[len(catalogue.MISTAKES) // 2:][:1] + catalogue.VARIANTS[-1:]


def nbgrader(course, *args):
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, capture_output=True, text=True, timeout=1800, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _both_paths(a, tmp_path_factory):
    course = tmp_path_factory.mktemp(f"course-{a}")
    shutil.copy(support.ROOT / "nbgrader_config.py", course)
    shutil.copytree(support.ROOT / "source" / a, course / "source" / a)
    for package in ("autograder", "solutions"):
        os.symlink(support.ROOT / package, course / package)
    submitted = course / "submitted"
    support.write(submitted, "solutions", a, support.source_notebook(a))
    support.write(submitted, "untouched", a, support.release_notebook(a))
    students = ["solutions", "untouched"]
    for case in sample(a):
        support.write(submitted, case.name, a, support.build(a, case))
        students.append(case.name)
    nbgrader(course, "generate_assignment", a, "--force")
    nbgrader(course, "autograde", a, "--force")
    out = course / "ours"
    done = support.grade(a, submitted, out)
    assert done.returncode == 0, done.stderr

    os.environ["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"
    from nbgrader.api import Gradebook

    theirs = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            notebook = gb.find_submission_notebook(a, a, student)
            theirs[student] = {g.name: float(g.score) for g in notebook.grades if g.name.startswith("test_")}
    return a, course, out, theirs


def suite(assignment: str) -> dict:
    """The parity tests for one assignment (one module each, so that pytest-xdist
    spreads these slow nbgrader runs over its workers)."""

    @pytest.fixture(scope="module")
    def both_paths(tmp_path_factory):
        return _both_paths(assignment, tmp_path_factory)

    def test_nbgrader_autograde_and_our_grader_agree_on_every_cell(both_paths):
        a, _, out, theirs = both_paths
        for student, scores in theirs.items():
            assert scores == support.cell_scores(support.results(out, student)), (a, student)
        assert any(sum(s.values()) == 0 for s in theirs.values()) and any(
            0 < sum(s.values()) < sum(support.cell_max(a).values()) for s in theirs.values()), "sample lacks variety"

    def test_nbgrader_feedback_and_export_work_on_that_gradebook(both_paths):
        a, course, _, _ = both_paths
        nbgrader(course, "generate_feedback", a, "--force")
        feedback = course / "feedback" / "solutions" / a / f"{a}.html"
        assert feedback.is_file() and "test_" in feedback.read_text()
        nbgrader(course, "export")
        grades = (course / "grades.csv").read_text()
        assert "solutions" in grades and "untouched" in grades

    return {name: value for name, value in locals().items() if name.startswith("test_") or name == "both_paths"}
