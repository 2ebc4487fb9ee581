"""`nbgrader autograde` gives every test cell the score `python -m autograder grade` gives.

The hidden region of each source test cell asks the grader for the cell's
score, so both paths agree; this runs real nbgrader (kernels, gradebook) on a
sample of the catalogue and compares per-cell scores with the command line.
"""

import os
import shutil
import subprocess
import sys

import pytest

from tests import support
from tests.catalogue.training_slope import MISTAKES, VARIANTS

A = "training_slope"
SAMPLE = [MISTAKES[3], MISTAKES[8], MISTAKES[13], MISTAKES[15], MISTAKES[19], VARIANTS[0], VARIANTS[4]]


def nbgrader(course, *args):
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, capture_output=True, text=True, timeout=1800, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def both_paths(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(support.ROOT / "nbgrader_config.py", course)
    shutil.copytree(support.ROOT / "source" / A, course / "source" / A)
    for package in ("autograder", "solutions"):
        os.symlink(support.ROOT / package, course / package)
    submitted = course / "submitted"
    support.write(submitted, "solutions", A, support.source_notebook(A))
    support.write(submitted, "untouched", A, support.release_notebook(A))
    for case in SAMPLE:
        support.write(submitted, case.name, A, support.build(A, case))
    nbgrader(course, "generate_assignment", A, "--force")
    nbgrader(course, "autograde", A, "--force")
    out = course / "ours"
    done = support.grade(A, submitted, out)
    assert done.returncode == 0, done.stderr

    from nbgrader.api import Gradebook

    theirs = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ["solutions", "untouched", *(c.name for c in SAMPLE)]:
            notebook = gb.find_submission_notebook(A, A, student)
            theirs[student] = {g.name: float(g.score) for g in notebook.grades if g.cell_type == "code"
                               and g.name.startswith("test_")}
    return course, out, theirs


@pytest.mark.parametrize("student", ["solutions", "untouched", *(c.name for c in SAMPLE)])
def test_nbgrader_autograde_and_our_grader_agree_on_every_cell(both_paths, student):
    _, out, theirs = both_paths
    ours = support.cell_scores(support.results(out, student))
    assert theirs[student] == ours


def test_nbgrader_feedback_and_export_work_on_that_gradebook(both_paths):
    course, _, _ = both_paths
    nbgrader(course, "generate_feedback", A, "--force")
    feedback = course / "feedback" / "solutions" / A / f"{A}.html"
    assert feedback.is_file() and "test_forward" in feedback.read_text()
    nbgrader(course, "export")
    grades = (course / "grades.csv").read_text()
    assert "solutions" in grades and "untouched" in grades
