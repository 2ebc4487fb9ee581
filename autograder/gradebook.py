"""Write grades into nbgrader's gradebook (``grade --gradebook``), so that an
instructor who grades with this tool still sees everything in formgrader and
can use ``nbgrader generate_feedback`` / ``nbgrader export``.

Besides the scores this writes what ``nbgrader autograde`` would leave on
disk, in nbgrader's layout next to the gradebook
(``<course>/autograded/<student>/<assignment>/<assignment>.ipynb`` and
``timestamp.txt``): formgrader only lists submissions whose autograded
notebook exists, and ``generate_feedback`` renders those notebooks. The
notebook is the student's, cleared of outputs and with locked cells restored
by nbgrader's own preprocessors; each test cell's output is what our hidden
checks said about it (no kernel runs the student's code here).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder import assignments, report
from autograder.release import scratch_course
from autograder.results import GradeRow, SubmissionResult


class GradebookError(RuntimeError):
    """The gradebook could not be prepared or written."""


def _db_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def nbgrader_env() -> dict:
    """nbgrader runs ``alembic`` by name: put this interpreter's scripts first on
    PATH (here, for nbgrader's API, and in the environment returned for its commands)."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    return dict(os.environ)


def ensure_assignment(name: str, db: Path, root: Path | None = None) -> None:
    """Make sure the gradebook knows ``name`` and its cells, by letting
    nbgrader itself record them (``generate_assignment`` with this database),
    from the source notebook of the course in ``root`` (default: the one the command runs in)."""
    from nbgrader.api import Gradebook, MissingEntry

    env = nbgrader_env()
    with Gradebook(_db_url(db)) as gb:
        try:
            if gb.find_assignment(name).notebooks:
                return
        except MissingEntry:
            pass
    assignment = assignments.get(name, root)
    with scratch_course(name, assignment.course) as (course, where):
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", f"--db={_db_url(db)}",
             "--log-level=WARN", *where],
            cwd=course, capture_output=True, text=True, env=env,
        )
        if done.returncode != 0:
            raise GradebookError(f"nbgrader could not add {name} to {db}:\n{done.stdout}{done.stderr}")


def _timestamp(student_dir: Path | None):
    """When the student submitted, from nbgrader's ``timestamp.txt``, if there is one we can read."""
    from nbgrader.utils import parse_utc

    try:
        return parse_utc((student_dir / "timestamp.txt").read_text().strip())
    except (OSError, TypeError, ValueError, OverflowError):
        return None


def autograded_dir(db: Path) -> Path:
    """Where nbgrader keeps autograded notebooks for the course whose gradebook is ``db``."""
    return db.resolve().parent / "autograded"


def write_autograded(name: str, db: Path, notebook: Path, student: str, result: SubmissionResult) -> Path:
    """Write ``<course>/autograded/<student>/<name>/<name>.ipynb`` as nbgrader autograde lays it
    out, with each test cell showing our checks' messages. ``<course>`` is the gradebook's folder."""
    import nbformat
    from nbgrader.preprocessors import ClearOutput, OverwriteCells, OverwriteKernelspec

    nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    if nb.nbformat != 4:
        nb = nbformat.convert(nb, 4)
    resources = {"nbgrader": {"db_url": _db_url(db), "assignment": name, "notebook": name, "student": student}}
    for step in (ClearOutput(), OverwriteKernelspec(), OverwriteCells()):
        nb, resources = step.preprocess(nb, resources)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            text = report.cell_feedback(result, meta["grade_id"], float(meta.get("points", 0)))
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    folder = autograded_dir(db) / student / name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.ipynb"
    scratch = target.with_name(f".{target.name}.tmp")
    nbformat.write(nb, scratch)
    os.replace(scratch, target)
    stamp = notebook.parent / "timestamp.txt"
    if stamp.is_file():
        shutil.copyfile(stamp, folder / "timestamp.txt")
    return target


def record(name: str, db: Path, rows: list[GradeRow], submitted: Path | None = None,
           out: Path | None = None, root: Path | None = None) -> int:
    """Store every row's per-cell scores as nbgrader auto scores, and, given the
    ``submitted`` and ``out`` folders of the run, each student's autograded
    notebook. Returns how many students were written."""
    import warnings

    from nbgrader.api import Gradebook

    from autograder.grade import find_notebook

    ensure_assignment(name, db, root)
    skipped = []
    with Gradebook(_db_url(db)) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy warnings from inside nbgrader's API
        for row in rows:
            student = row.student_id
            found = find_notebook(submitted / student, name) if submitted is not None else None
            stamp = _timestamp(found.path.parent if found and found.path else None)
            gb.update_or_create_student(student)
            gb.update_or_create_submission(name, student, **({"timestamp": stamp} if stamp else {}))
            for grade_id, score in row.cells.items():
                grade = gb.find_grade(grade_id, name, name, student)
                grade.auto_score = float(score)
            gb.db.commit()
            if found is not None and found.path is not None and out is not None:
                try:
                    result = SubmissionResult.from_json(json.loads((out / student / "results.json").read_text()))
                    write_autograded(name, db, found.path, student, result)
                except Exception as exc:  # a notebook nbformat cannot read still keeps its scores
                    skipped.append(f"{student} ({type(exc).__name__}: {exc})")
    for line in skipped:
        print(f"no autograded notebook for {line}; its scores are in the gradebook", file=sys.stderr)
    return len(rows)
