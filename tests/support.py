"""Helpers for the project's tests: build submissions, run the real grader."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

#: What `grade` gives two of examples/training_slope (of 15): chloe's criterion
#: sums instead of averaging, which fails one of test_criterion's two checks and
#: the training it spoils (test_train_model, test_converged). test_cli grades
#: them through the command line; every other route (nbgrader, Gradescope,
#: Coursera, a resumed run) must agree.
EXAMPLE_SCORES = {"ada_perfect": 15, "chloe_sum_not_mean": 12}


@dataclass(frozen=True)
class Case:
    """One catalogued submission: the source notebook with some answer cells rewritten."""

    name: str
    answers: dict[str, str] = field(default_factory=dict)
    """Replacement code for answer cells, by grade_id."""
    loses: frozenset[str] = frozenset()
    """Test cells that must lose points (a mistake's own cell)."""
    may_lose: frozenset[str] = frozenset()
    """Test cells that may lose points too (whole-notebook checks such as test_converged)."""
    message: str = ""
    """Text (case-insensitive) a failed check of the ``loses`` cells must contain."""
    extra_cells: tuple[str, ...] = ()
    """Code cells appended by the student (run after the last cell)."""


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(str(ROOT / "source" / assignment / f"{assignment}.ipynb"), as_version=4)


def release_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(str(ROOT / "release" / assignment / f"{assignment}.ipynb"), as_version=4)


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def build(assignment: str, case: Case) -> nbformat.NotebookNode:
    """The solution notebook with ``case``'s answers swapped in."""
    nb = source_notebook(assignment)
    unknown = set(case.answers) - {grade_id(c) for c in nb.cells}
    assert not unknown, f"case {case.name} rewrites unknown cells {unknown}"
    for cell in nb.cells:
        if grade_id(cell) in case.answers:
            cell.source = case.answers[grade_id(cell)]
    for code in case.extra_cells:
        nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


def write(submitted: Path, student: str, assignment: str, content) -> Path:
    """Put ``content`` (a notebook, text or bytes) where nbgrader's layout expects it."""
    path = submitted / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, nbformat.NotebookNode):
        nbformat.write(content, str(path))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def grade(assignment: str, submitted: Path, out: Path, *, jobs: int = 2, timeout: float = 10,
          extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run the real command line, as an instructor would."""
    command = [sys.executable, "-m", "autograder", "grade", assignment, str(submitted), "--out", str(out),
               "--jobs", str(jobs), "--timeout", str(timeout), "--quiet", *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)


def nbgrader_scores(course: Path, assignment: str, students) -> dict[str, dict[str, float]]:
    """Every test cell's score per student, as ``nbgrader autograde`` left them in ``course``'s gradebook."""
    from autograder.gradebook import nbgrader_env

    nbgrader_env()
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            notebook = gb.find_submission_notebook(assignment, assignment, student)
            scores[student] = {g.name: float(g.score) for g in notebook.grades if g.name.startswith("test_")}
    return scores


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text())


def cell_scores(result: dict) -> dict[str, float]:
    return result["extra_data"]["cells"]


def cell_max(assignment: str) -> dict[str, float]:
    nb = source_notebook(assignment)
    return {grade_id(c): float(c.metadata.nbgrader.get("points", 0)) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader.get("solution")}


def failed_messages(result: dict, cells: set[str] | frozenset[str]) -> list[str]:
    return [t["output"] for t in result["tests"]
            if t["status"] == "failed" and t["extra_data"]["grade_id"] in cells]


def assert_mistake(assignment: str, result: dict, case: Case) -> None:
    """``case`` loses points in its own cells (and only where allowed), with a message naming it."""
    full = cell_max(assignment)
    scores = cell_scores(result)
    for cell in case.loses:
        assert scores[cell] < full[cell], f"{case.name}: expected {cell} to lose points, got {scores}"
    for cell, points in full.items():
        if cell not in case.loses and cell not in case.may_lose:
            assert scores[cell] == points, (
                f"{case.name}: {cell} lost points but should not: {scores}\n"
                + "\n".join(failed_messages(result, {cell})))
    if case.message:
        messages = failed_messages(result, case.loses)
        assert any(case.message.lower() in m.lower() for m in messages), (
            f"{case.name}: no failure message mentions {case.message!r}: {messages}")


def assert_full_marks(assignment: str, result: dict, name: str) -> None:
    full = cell_max(assignment)
    assert cell_scores(result) == full, (
        f"{name}: expected full marks {full}, got {cell_scores(result)}\n"
        + "\n".join(t["output"] for t in result["tests"] if t["status"] == "failed"))
    assert result["score"] == sum(full.values())
    # What the hidden checks accept runs through every locked cell that uses it.
    assert "The provided cell" not in result["output"], f"{name}: {result['output']}"
