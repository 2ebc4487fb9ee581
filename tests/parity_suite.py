"""`nbgrader autograde` gives every test cell the score `python -m autograder grade` gives.

The hidden region of each source test cell asks the grader for the cell's
score, so both paths agree. This runs real nbgrader (kernels, gradebook) on
the solutions, the untouched release and every mistake and variant of the
assignment's catalogue, and compares per-cell scores with the command line.

nbgrader's kernels run with matplotlib's Agg backend here (``MPLBACKEND``):
drawing the inline PNGs costs about a second per notebook and no score
depends on it.

``tests/test_<a>.py`` adds these tests to the catalogue's (``globals().update(suite("<a>"))``):
they reuse its ``graded`` fixture, the catalogue as graded by ``python -m autograder grade``.
"""

import importlib
import os
import shutil
import subprocess
import sys

import pytest

from autograder.gradebook import nbgrader_env
from tests import support


def catalogue(assignment):
    module = importlib.import_module(f"tests.catalogue.{assignment}")
    return [*module.MISTAKES, *module.VARIANTS]


#: ``make test`` compares a fixed sample: the solution, the untouched release and every
#: sixth catalogue case by name. ``make parity`` (``AUTOGRADER_PARITY=all``) compares every case.
PARITY_EVERY = 1 if os.environ.get("AUTOGRADER_PARITY") == "all" else 6


def parity_students(assignment) -> list[str]:
    names = sorted(case.name for case in catalogue(assignment))
    return ["solutions", "untouched", *names[::PARITY_EVERY]]


def nbgrader(course, *args):
    env = dict(nbgrader_env(), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, capture_output=True, text=True, timeout=1800, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _both_paths(a, graded, tmp_path_factory):
    """nbgrader's scores on the submissions the catalogue tests graded with our command line."""
    course = tmp_path_factory.mktemp(f"course-{a}")
    shutil.copy(support.ROOT / "nbgrader_config.py", course)
    shutil.copytree(support.ROOT / "source" / a, course / "source" / a)
    students = parity_students(a)
    for student in students:
        shutil.copytree(graded.parent / "submitted" / student, course / "submitted" / student)
    for package in ("autograder", "solutions"):
        os.symlink(support.ROOT / package, course / package)
    nbgrader(course, "generate_assignment", a, "--force")
    nbgrader(course, "autograde", a, "--force")
    return a, course, graded, support.nbgrader_scores(course, a, students)


def suite(assignment: str) -> dict:
    """The parity tests for one assignment; the module must also hold the
    catalogue suite, whose ``graded`` fixture they compare against."""

    @pytest.fixture(scope="module")
    def both_paths(graded, tmp_path_factory):
        return _both_paths(assignment, graded, tmp_path_factory)

    def test_nbgrader_autograde_and_our_grader_agree_on_every_cell(both_paths):
        a, _, out, theirs = both_paths
        assert sorted(theirs) == sorted(parity_students(a))
        differ = {student: (scores, support.cell_scores(support.results(out, student)))
                  for student, scores in theirs.items()
                  if scores != support.cell_scores(support.results(out, student))}
        assert not differ, f"{a}: nbgrader's scores, then ours: {differ}"
        top = sum(support.cell_max(a).values())
        assert sum(theirs["solutions"].values()) == top and sum(theirs["untouched"].values()) == 0
        assert any(0 < sum(s.values()) < top for s in theirs.values()), "no partial credit anywhere"

    def test_nbgrader_feedback_and_export_work_on_that_gradebook(both_paths):
        a, course, _, _ = both_paths
        nbgrader(course, "generate_feedback", a, "--student=solutions", "--force")
        feedback = course / "feedback" / "solutions" / a / f"{a}.html"
        assert feedback.is_file() and "test_" in feedback.read_text()
        nbgrader(course, "export")
        grades = (course / "grades.csv").read_text()
        assert "solutions" in grades and "untouched" in grades

    return {name: value for name, value in locals().items() if name.startswith("test_") or name == "both_paths"}
