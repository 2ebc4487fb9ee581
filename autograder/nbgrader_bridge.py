"""Lets ``nbgrader autograde`` give every test cell the score our grader gives.

The hidden region of each test cell in ``source/`` ends with::

    _checks = hidden_score("test_forward", _checks)
    _checks()

Under ``nbgrader autograde`` (the kernel runs in ``autograded/<student>/<a>/``)
``hidden_score`` gets the student's results from ``python -m autograder grade``
(sandboxed, in a subprocess, run over all of ``submitted/`` the first time)
and returns a function whose value is the cell's score: the cell's last
expression, which nbgrader takes as partial credit. Anywhere else (an
instructor running the source notebook) it returns the visible checks.

This path is only as tamper-proof as nbgrader itself, whose kernel also runs
the student's code; ``python -m autograder grade`` is the one that cannot be
fooled.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.results import SubmissionResult, round_points

_CACHE: dict[tuple, SubmissionResult] = {}


def _autograde_layout(cwd: Path) -> tuple[Path, str, str] | None:
    """(course root, student, assignment) when ``cwd`` is nbgrader's
    ``<root>/autograded/<student>/<assignment>``."""
    if len(cwd.parents) < 3 or cwd.parents[1].name != "autograded":
        return None
    root = cwd.parents[2]
    if not (root / "nbgrader_config.py").is_file():
        return None
    return root, cwd.parent.name, cwd.name


def _up_to_date(out: Path, root: Path, student: str, assignment: str) -> SubmissionResult | None:
    """This student's earlier result, if it was made by this grader from the
    notebook now in ``submitted/`` (checked here, without starting the grader)."""
    from autograder import assignments
    from autograder.fingerprint import grader_fingerprint, result_key, stored_result

    try:
        graded = assignments.get(assignment, root)
        notebook = graded.course.submitted / student / assignment / f"{assignment}.ipynb"
        key = result_key(grader_fingerprint(graded), notebook)
    except (OSError, LookupError):
        return None
    return stored_result(out, student, key)


def _grade(root: Path, student: str, assignment: str) -> SubmissionResult:
    """This student's results. The first call grades every submission of the
    assignment in one run (nbgrader then moves on from student to student
    without paying the grader's start-up again); later calls find their
    result up to date and return at once. A changed notebook is regraded."""
    course = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    out = Path(tempfile.gettempdir()) / "autograder-nbgrader" / f"{course}-{assignment}"
    earlier = _up_to_date(out, root, student, assignment)
    if earlier is not None:
        return earlier
    from autograder.course import Course

    subprocess.run(
        [sys.executable, "-m", "autograder", "grade", assignment, str(Course.at(root).submitted),
         "--out", str(out), "--jobs", "2", "--quiet", "--course", str(root)],
        cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        check=True,
    )
    return SubmissionResult.from_json(json.loads((out / student / "results.json").read_text()))


def hidden_score(grade_id: str, visible_checks):
    """The callable the test cell ends with: the visible checks, or under
    ``nbgrader autograde`` one returning this cell's score."""
    layout = _autograde_layout(Path.cwd())
    if layout is None:
        return visible_checks
    if layout not in _CACHE:
        _CACHE[layout] = _grade(*layout)
    score = round_points(_CACHE[layout].cell_scores().get(grade_id, 0.0))
    return lambda: score
