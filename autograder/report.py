"""Render and write results: every file the grader makes is one :class:`Writer` in :data:`WRITERS`.

Files are written atomically (a temporary file renamed into place), so a
grader killed at any moment never leaves a half-written file behind.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from autograder.results import GradeRow, SubmissionResult, round_points


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def results_json(result: SubmissionResult) -> dict:
    """Gradescope's autograder results format (:meth:`SubmissionResult.to_json`)."""
    return result.to_json()


def results_text(result: SubmissionResult) -> str:
    """The bytes of ``results.json`` (also Gradescope's ``/autograder/results/results.json``)."""
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def write_results(out_dir: Path, result: SubmissionResult) -> Path:
    path = out_dir / result.student_id / "results.json"
    write_atomic(path, results_text(result))
    return path


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
.pass { color: #17692e; } .fail { color: #a3261b; }
.score { float: right; font-weight: bold; }
pre { background: #f6f6f6; padding: .6rem; white-space: pre-wrap; }
li { margin: .3rem 0; }
"""


def feedback_html(result: SubmissionResult) -> str:
    """A student's feedback page: per test cell, points and messages (never
    the hidden checks' source)."""
    esc = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(result.assignment)} feedback"
             f"</title><style>{_STYLE}</style></head><body>",
             f"<h1>{esc(result.assignment)}: {round_points(result.score):g} / {round_points(result.max_score):g} points</h1>",
             f"<p>Student: {esc(result.student_id)}</p>"]
    if result.load_error:
        parts.append(f"<p class='fail'>Your submission could not be graded: {esc(result.load_error)}</p>")
    for note in result.notes:
        parts.append(f"<p>{esc(note)}</p>")
    scores = result.cell_scores()
    for grade_id, points in result.cells.items():
        checks = [c for c in result.checks if c.grade_id == grade_id]
        parts.append(f"<h2>{esc(grade_id)} <span class='score'>{round_points(scores[grade_id]):g} / "
                     f"{round_points(points):g}</span></h2><ul>")
        shown: set[str] = set()
        for check in checks:
            mark = "pass" if check.passed else "fail"
            label = check.name.removeprefix("test_").replace("_", " ")
            parts.append(f"<li class='{mark}'>{'✔' if check.passed else '✘'} {esc(label)}")
            # One cause failing several checks of a cell is shown once.
            if check.message and check.message not in shown:
                parts.append(f"<pre>{esc(check.message)}</pre>")
                shown.add(check.message)
            elif check.message:
                parts.append("<span class='same'>(for the same reason as above)</span>")
            parts.append("</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_feedback(out_dir: Path, result: SubmissionResult) -> Path:
    path = out_dir / result.student_id / "feedback.html"
    write_atomic(path, feedback_html(result))
    return path


def grades_csv(rows: list[GradeRow], cells: list[str]) -> str:
    """``student_id, assignment, score, max_score`` then one column per test cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", "assignment", "score", "max_score", *cells])
    for row in sorted(rows, key=lambda r: r.student_id):
        writer.writerow([row.student_id, row.assignment, f"{row.score:g}", f"{row.max_score:g}",
                         *(f"{row.cells.get(c, 0.0):g}" for c in cells)])
    return buffer.getvalue()


def cell_feedback(result: SubmissionResult, grade_id: str, points: float) -> str:
    """What test cell ``grade_id`` shows in nbgrader's autograded notebook (``--gradebook``):
    its score out of ``points``, then what each failed check said (or why nothing could be checked)."""
    score = round_points(result.cell_scores().get(grade_id, 0.0))
    lines = [f"{grade_id}: {score:g} / {points:g} points"]
    if result.load_error:
        return "\n".join(lines + [f"- Your submission could not be graded: {result.load_error}"]) + "\n"
    said = [check.message for check in result.checks if check.message and check.grade_id == grade_id]
    return "\n".join(lines + ([f"- {message}" for message in said] or ["All hidden checks passed."])) + "\n"


def coursera_feedback(result: SubmissionResult) -> str:
    """Coursera's ``feedback.json``: the fraction of the points, and the feedback page."""
    maximum = round_points(result.max_score) or 1.0
    feedback = {
        "fractionalScore": round(min(1.0, max(0.0, round_points(result.score) / maximum)), 4),
        "feedback": feedback_html(result),
        "feedbackType": "HTML",
    }
    return json.dumps(feedback, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Writer:
    """One output file the grader makes, and the function that renders it."""

    file: str
    """Its name, as SPEC and the platforms fix it."""
    scope: str
    """``student`` (one per student, in ``OUT/<student>/``), ``run`` (one per grading run,
    from every student's :class:`GradeRow`), ``gradebook`` (under each test cell of nbgrader's
    autograded notebook) or ``coursera`` (the Coursera grader's one output)."""
    render: Callable
    """``SubmissionResult -> str``; ``grades.csv``'s takes ``(rows, cells)``, the gradebook's
    ``(result, grade_id, points)`` (one test cell)."""


#: Every file the grader writes, in one place. ``grade`` writes the ``student`` ones for each
#: student, in this order (``results.json`` last: it is what marks a result complete), and
#: ``grades.csv`` at the end of a run; ``gradebook`` and ``platforms`` use theirs.
WRITERS = [
    Writer("feedback.html", "student", feedback_html),
    Writer("results.json", "student", results_text),
    Writer("grades.csv", "run", grades_csv),
    Writer("gradebook", "gradebook", cell_feedback),
    Writer("feedback.json", "coursera", coursera_feedback),
]


def write_student_files(out_dir: Path, result: SubmissionResult) -> GradeRow:
    """Write every ``student`` writer's file for ``result`` into ``out_dir/<student>/``;
    return its row for ``grades.csv``."""
    for writer in (w for w in WRITERS if w.scope == "student"):
        write_atomic(out_dir / result.student_id / writer.file, writer.render(result))
    return GradeRow.of(result)
