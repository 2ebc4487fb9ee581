"""Load a submitted notebook and turn it into the program the grader runs.

The instructor's source notebook says what each cell is (nbgrader metadata):
answer cells come from the student, provided (locked) cells always come from
the source, test cells are not run (the hidden checks replace them), and cells
the student added run where the student put them.
"""

from __future__ import annotations

import ast
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

#: Submissions larger than this are not read.
MAX_NOTEBOOK_BYTES = 200 * 1024 * 1024
#: Most JSON arrays and objects a submission may hold (each is an object in the grader's memory).
MAX_NOTEBOOK_CONTAINERS = 500_000
#: Most code one cell may hold; a larger cell is not parsed by the grader, and raises when it runs.
MAX_CELL_CHARS = 1_000_000


class LoadError(Exception):
    """The submission cannot be graded at all; the message says why, for the student."""


@dataclass(frozen=True)
class SourceCell:
    """A code cell of the instructor's source notebook."""

    grade_id: str
    """nbgrader's ``grade_id`` of the cell."""
    role: str
    """``answer`` (the student writes it), ``provided`` (locked) or ``test``."""
    source: str
    """The instructor's code (the solution, for answer cells)."""
    points: float = 0.0
    """nbgrader points (test cells only)."""


@dataclass(frozen=True)
class ProgramCell:
    """One cell as the grader executes it."""

    label: str
    """Shown in tracebacks: the ``grade_id``, or ``extra cell N``."""
    source: str
    """Plain Python (IPython syntax already transformed)."""
    origin: str
    """``answer``, ``provided`` or ``extra``."""
    grade_id: str | None = None


@dataclass
class Program:
    """What will run, and what the feedback should mention about it."""

    cells: list[ProgramCell]
    missing_answers: list[str] = field(default_factory=list)
    """Answer ``grade_id``s the submission does not contain."""
    notes: list[str] = field(default_factory=list)
    """Things the student should know (a locked cell was edited, ...)."""


# ------------------------------------------------------------------ reading


def read_source(path: Path) -> list[SourceCell]:
    """The code cells of an instructor's source notebook, with their roles."""
    return list(_read_source(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=16)
def _read_source(path: str, mtime_ns: int) -> tuple[SourceCell, ...]:
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or "grade_id" not in meta:
            continue
        if meta.get("solution"):
            role = "answer"
        elif meta.get("grade"):
            role = "test"
        else:
            role = "provided"
        cells.append(SourceCell(meta["grade_id"], role, cell.source, float(meta.get("points", 0) or 0)))
    return tuple(cells)


def read_submission(path: Path) -> nbformat.NotebookNode:
    """Read a student's file as a notebook, or raise :class:`LoadError` saying
    in plain words what is wrong with it."""
    if not path.exists():
        raise LoadError(f"No notebook was found at {path.name}.")
    size = path.stat().st_size
    if size == 0:
        raise LoadError(f"{path.name} is empty (0 bytes): the notebook was not saved before submitting.")
    if size > MAX_NOTEBOOK_BYTES:
        raise LoadError(f"{path.name} is {size // 2**20} MiB, more than the {MAX_NOTEBOOK_BYTES // 2**20} MiB "
                        "a notebook may be: clear the outputs (Edit > Clear All Outputs) and submit again.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LoadError(f"{path.name} is not a Jupyter notebook: it is not text (is it a PDF or a zip?).") from None
    if text.count("[") + text.count("{") > MAX_NOTEBOOK_CONTAINERS:
        raise LoadError(f"{path.name} is not a Jupyter notebook a person saved: it holds more than "
                        f"{MAX_NOTEBOOK_CONTAINERS} JSON lists and objects.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = "it looks cut off (truncated)" if text.lstrip().startswith("{") else "it is plain text, not JSON"
        raise LoadError(f"{path.name} is not a valid Jupyter notebook: {hint} "
                        f"(JSON error at line {exc.lineno}). Download it again with File > Download "
                        "and resubmit.") from None
    except RecursionError:
        raise LoadError(f"{path.name} is not a Jupyter notebook a person saved: its JSON is nested "
                        "thousands of levels deep.") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise LoadError(f"{path.name} is JSON but not a Jupyter notebook (it has no cells).")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds on broken files
        raise LoadError(f"{path.name} could not be read as a notebook ({type(exc).__name__}: "
                        f"{str(exc)[:300]}).") from None
    if not isinstance(nb.get("cells"), list):
        raise LoadError(f"{path.name} is not a Jupyter notebook: its `cells` is not a list of cells.")
    return nb


# ------------------------------------------------------------ building the run


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    gid = nbg.get("grade_id") if isinstance(nbg, dict) else None
    return gid if isinstance(gid, str) and gid else None


def grade_ids(nb) -> list[str | None]:
    """The nbgrader ``grade_id`` of every cell (``None`` where there is none)."""
    return [_grade_id(c) for c in _cells(nb)]


def _cells(nb) -> list[dict]:
    """The notebook's cells that are cells at all (a hand-edited file may hold anything)."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(str(part) for part in src) if isinstance(src, list) else str(src)


def _defined_names(source: str) -> set[str]:
    """Top-level names a cell defines (functions, classes, assignments)."""
    if len(source) > MAX_CELL_CHARS:
        return set()
    try:
        tree = ast.parse(transform_ipython(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # NUL bytes, nesting, size
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(t.id for t in ast.walk(target) if isinstance(t, ast.Name))
    return names


def _visible(source: str) -> str:
    """A test cell as students receive it: nbgrader's hidden-test regions removed."""
    kept, hidden = [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif marker == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden:
            kept.append(line.rstrip())
    return "\n".join(kept).strip()


@functools.lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def transform_ipython(source: str) -> str:
    """IPython syntax (``%magic``, ``!cmd``, ``x?``) to plain Python, with
    IPython's own transformers. Code they cannot handle is returned unchanged."""
    if not any(mark in source for mark in "%!?"):
        return source  # nothing IPython-specific: skip the transformers (most cells)
    try:
        return _transformer().transform_cell(source)
    except Exception:  # noqa: BLE001 - leave it to the compiler to report
        return source


def _runnable(source: str) -> str:
    """A student's cell as the grader runs it: IPython syntax made plain, and a
    cell too large to be anybody's code replaced by one saying so."""
    if len(source) > MAX_CELL_CHARS:
        return (f"raise SyntaxError('this cell holds {len(source) // 1000} thousand characters of code; "
                f"a cell may hold at most {MAX_CELL_CHARS // 1000} thousand: remove the pasted data')")
    return transform_ipython(source)


def identify_cells(student_cells: list, source: list[SourceCell]) -> list[str | None]:
    """The ``grade_id`` each student code cell stands for.

    Cells keep their nbgrader ``grade_id``. When a notebook lost its nbgrader
    metadata (saved by another tool), an unlabelled cell that defines exactly
    the names an answer cell of the source defines is taken to be that cell.
    """
    known = {c.grade_id for c in source}
    ids = [(_grade_id(c) if _grade_id(c) in known else None) for c in student_cells]
    present = {g for g in ids if g}
    for answer in (c for c in source if c.role == "answer" and c.grade_id not in present):
        wanted = _defined_names(answer.source)
        if not wanted:
            continue
        for index, cell in enumerate(student_cells):
            if ids[index] is None and _defined_names(_source(cell)) >= wanted:
                ids[index] = answer.grade_id
                break
    return ids


def build_program(student: nbformat.NotebookNode, source: list[SourceCell]) -> Program:
    """The cells to execute, in order: the source notebook's order for the
    cells it knows (so moved cells still run in the right place), with the
    student's extra cells after the known cell they followed."""
    code_cells = [c for c in _cells(student) if c.get("cell_type") == "code"]
    ids = identify_cells(code_cells, source)
    by_id: dict[str, list] = {}
    extras_after: dict[str | None, list] = {}
    anchor = None
    for cell, gid in zip(code_cells, ids):
        if gid is None:
            extras_after.setdefault(anchor, []).append(cell)
        else:
            by_id.setdefault(gid, []).append(cell)
            anchor = gid

    program = Program(cells=[])
    extra_count = 0

    def add_extras(key):
        nonlocal extra_count
        for cell in extras_after.pop(key, []):
            extra_count += 1
            program.cells.append(ProgramCell(f"extra cell {extra_count}", _runnable(_source(cell)), "extra"))

    add_extras(None)
    for src in source:
        mine = by_id.get(src.grade_id, [])
        if src.role == "answer":
            if not mine:
                program.missing_answers.append(src.grade_id)
            for cell in mine:
                program.cells.append(ProgramCell(src.grade_id, _runnable(_source(cell)), "answer", src.grade_id))
        elif src.role == "provided":
            program.cells.append(ProgramCell(src.grade_id, transform_ipython(src.source), "provided", src.grade_id))
        if src.role != "answer" and mine and any(_visible(_source(c)) not in (_visible(src.source), src.source.strip())
                                                 for c in mine):
            kind = "test" if src.role == "test" else "provided"
            program.notes.append(f"You edited the locked {kind} cell `{src.grade_id}`; "
                                 "the grader used the original version of it.")
        add_extras(src.grade_id)
    for key in list(extras_after):
        add_extras(key)
    return program


def assignment_of(student: nbformat.NotebookNode, catalogue: dict[str, set[str]]) -> str | None:
    """Which assignment a notebook's answer ``grade_id``s belong to, if it is
    clearly one of them (used to say "this is the wrong notebook")."""
    ids = set(grade_ids(student)) - {None}
    best, best_count = None, 0
    for name, answer_ids in catalogue.items():
        count = len(ids & answer_ids)
        if count > best_count:
            best, best_count = name, count
    return best
