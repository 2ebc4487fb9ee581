"""Write results: Gradescope's ``results.json`` per student, ``grades.csv`` per run.

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
from pathlib import Path

from autograder.results import SubmissionResult


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


def _round(x: float) -> float:
    return round(x, 4)


def summary_text(result: SubmissionResult) -> str:
    """The top-level ``output``: the score per cell and general notes."""
    if result.load_error:
        return f"Your submission could not be graded: {result.load_error}"
    lines = [f"{result.assignment}: {_round(result.score):g} / {_round(result.max_score):g} points."]
    for grade_id, score in result.cell_scores().items():
        lines.append(f"  {grade_id}: {_round(score):g} / {_round(result.cells[grade_id]):g}")
    lines.extend(result.notes)
    return "\n".join(lines)


def results_json(result: SubmissionResult) -> dict:
    """Gradescope's autograder results format."""
    tests = [
        {
            "name": f"{check.grade_id}: {check.name}",
            "score": _round(check.score),
            "max_score": _round(check.max_score),
            "status": "passed" if check.passed else "failed",
            "output": check.message,
            "visibility": "visible",
            "extra_data": {"grade_id": check.grade_id, "check": check.name,
                           **({"mistake": check.mistake} if check.mistake else {})},
        }
        for check in result.checks
    ]
    return {
        "score": _round(result.score),
        "max_score": _round(result.max_score),
        "output": summary_text(result),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "execution_time": _round(result.seconds),
        "tests": tests,
        "extra_data": {"student_id": result.student_id, "assignment": result.assignment,
                       "cells": {k: _round(v) for k, v in result.cell_scores().items()},
                       "load_error": result.load_error, "isolation": result.isolation, "key": result.key},
    }


def write_results(out_dir: Path, result: SubmissionResult) -> Path:
    path = out_dir / result.student_id / "results.json"
    write_atomic(path, json.dumps(results_json(result), indent=2, ensure_ascii=False) + "\n")
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
             f"<h1>{esc(result.assignment)}: {_round(result.score):g} / {_round(result.max_score):g} points</h1>",
             f"<p>Student: {esc(result.student_id)}</p>"]
    if result.load_error:
        parts.append(f"<p class='fail'>Your submission could not be graded: {esc(result.load_error)}</p>")
    for note in result.notes:
        parts.append(f"<p>{esc(note)}</p>")
    scores = result.cell_scores()
    for grade_id, points in result.cells.items():
        checks = [c for c in result.checks if c.grade_id == grade_id]
        parts.append(f"<h2>{esc(grade_id)} <span class='score'>{_round(scores[grade_id]):g} / "
                     f"{_round(points):g}</span></h2><ul>")
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


def grades_csv(rows: list[dict], cells: list[str]) -> str:
    """``student_id, assignment, score, max_score`` then one column per test cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", "assignment", "score", "max_score", *cells])
    for row in sorted(rows, key=lambda r: r["student_id"]):
        writer.writerow([row["student_id"], row["assignment"], f"{row['score']:g}", f"{row['max_score']:g}",
                         *(f"{row['cells'].get(c, 0.0):g}" for c in cells)])
    return buffer.getvalue()


def row_from_results(data: dict) -> dict:
    """The ``grades.csv`` row of a ``results.json`` written by :func:`results_json`."""
    extra = data["extra_data"]
    return {"student_id": extra["student_id"], "assignment": extra["assignment"],
            "score": float(data["score"]), "max_score": float(data["max_score"]),
            "cells": {k: float(v) for k, v in extra["cells"].items()}, "load_error": extra.get("load_error"),
            "seconds": float(data.get("execution_time", 0.0)), "isolation": extra.get("isolation", "unknown")}


def csv_row(result: SubmissionResult) -> dict:
    """The small summary of a result kept for ``grades.csv``."""
    return {"student_id": result.student_id, "assignment": result.assignment,
            "score": _round(result.score), "max_score": _round(result.max_score),
            "cells": {k: _round(v) for k, v in result.cell_scores().items()},
            "load_error": result.load_error, "seconds": result.seconds, "isolation": result.isolation}
