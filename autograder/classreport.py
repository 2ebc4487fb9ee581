"""``python -m autograder report OUT``: one self-contained HTML page per class.

Reads every ``OUT/<student>/results.json`` and writes ``OUT/report.html``
with the score distribution, every check ranked by pass rate (so the most
common mistakes stand out), the time spent per submission and a table of
students. Charts are PNG images embedded in the page: it opens in a browser
with no server and no network.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.report import write_atomic
from autograder.results import GradeRow, SubmissionResult


@dataclass
class ClassResults:
    """What the report is drawn from."""

    assignment: str = ""
    students: list[GradeRow] = field(default_factory=list)
    """One row per readable results.json."""
    checks: dict[tuple[str, str], list[bool]] = field(default_factory=dict)
    """(grade_id, check name) → passed, one entry per graded submission."""
    messages: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    """(grade_id, check name) → failure message → how many students got it."""
    mistakes: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    """(grade_id, diagnosed mistake) → the students it was diagnosed in: what to reteach."""


def collect(out_dir: Path) -> ClassResults:
    data = ClassResults()
    for path in sorted(out_dir.glob("*/results.json")):
        try:
            result = SubmissionResult.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        data.assignment = data.assignment or result.assignment
        data.students.append(GradeRow.of(result))
        for check in result.checks:
            key = (check.grade_id, check.name)
            data.checks.setdefault(key, []).append(check.passed)
            if not check.passed:
                first_line = check.message.splitlines()[0] if check.message else ""
                counts = data.messages.setdefault(key, {})
                counts[first_line] = counts.get(first_line, 0) + 1
                if check.mistake:
                    data.mistakes.setdefault((key[0], check.mistake), set()).add(result.student_id)
    return data


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _charts(data: ClassResults) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts = {}
    scores = [s.score for s in data.students]
    maximum = max((s.max_score for s in data.students), default=1) or 1
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.hist(scores, bins=min(20, max(5, int(maximum) + 1)), range=(0, maximum), color="#3b6ea5", edgecolor="white")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    charts["scores"] = _png(fig)

    ranked = sorted(data.checks.items(), key=lambda kv: sum(kv[1]) / len(kv[1]))
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(ranked) + 1))
    labels = [f"{g.removeprefix('test_')}: {c.removeprefix('test_')}"[:70] for (g, c), _ in ranked]
    rates = [100 * sum(v) / len(v) for _, v in ranked]
    ax.barh(range(len(ranked)), rates, color=["#a3261b" if r < 50 else "#3b6ea5" for r in rates])
    ax.set_yticks(range(len(ranked)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded submissions passing")
    ax.set_title("Checks, hardest first")
    charts["checks"] = _png(fig)

    fig, ax = plt.subplots(figsize=(7, 3))
    ax.hist([s.seconds for s in data.students], bins=20, color="#6a8f3b", edgecolor="white")
    ax.set_xlabel("seconds to grade")
    ax.set_ylabel("submissions")
    ax.set_title("Time per submission")
    charts["times"] = _png(fig)
    return charts


def render(data: ClassResults) -> str:
    esc = html.escape
    charts = _charts(data) if data.students else {}
    graded = [s for s in data.students if not s.load_error]
    mean = sum(s.score for s in data.students) / len(data.students) if data.students else 0.0
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{esc(data.assignment)} class report</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}"
        "img{max-width:100%}.bad{color:#a3261b}",
        "</style></head><body>",
        f"<h1>{esc(data.assignment)}: class report</h1>",
        f"<p>{len(data.students)} submissions, {len(graded)} graded, "
        f"{len(data.students) - len(graded)} could not be loaded; mean score {mean:.2f}.</p>",
    ]
    for key, title in (("scores", "Scores"), ("checks", "Most common mistakes"), ("times", "Grading time")):
        if key in charts:
            parts.append(f"<h2>{title}</h2><img alt='{title}' src='{charts[key]}'>")
    parts.append("<h2>Diagnosed mistakes</h2><p>Each known mistake the checks recognised, and how many "
                 "students made it: what to go over again.</p><table id='mistakes'><tr><th>cell</th>"
                 "<th>mistake</th><th>students</th></tr>")
    for (grade_id, mistake), students in sorted(data.mistakes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        parts.append(f"<tr><td>{esc(grade_id)}</td><td>{esc(mistake)}</td><td>{len(students)}</td></tr>")
    parts.append("</table>")
    parts.append("<h2>Checks ranked by pass rate</h2><table id='checks'><tr><th>cell</th><th>check</th>"
                 "<th>pass rate</th><th>most frequent messages</th></tr>")
    for (grade_id, check), passed in sorted(data.checks.items(), key=lambda kv: sum(kv[1]) / len(kv[1])):
        messages = data.messages.get((grade_id, check), {})
        top = sorted(messages.items(), key=lambda kv: -kv[1])[:3]
        shown = "<br>".join(f"{count}× {esc(text)}" for text, count in top)
        parts.append(f"<tr><td>{esc(grade_id)}</td><td>{esc(check)}</td>"
                     f"<td>{100 * sum(passed) / len(passed):.0f}%</td><td>{shown}</td></tr>")
    parts.append("</table><h2>Students</h2><table id='students'><tr><th>student</th><th>score</th>"
                 "<th>seconds</th><th>note</th></tr>")
    for s in sorted(data.students, key=lambda s: s.student_id):
        note = f"<span class='bad'>{esc(s.load_error)}</span>" if s.load_error else ""
        parts.append(f"<tr><td>{esc(s.student_id)}</td><td>{s.score:g} / {s.max_score:g}</td>"
                     f"<td>{s.seconds:.1f}</td><td>{note}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


def write_report(out_dir: Path) -> Path:
    path = out_dir / "report.html"
    write_atomic(path, render(collect(out_dir)))
    return path
