"""Write grades into nbgrader's gradebook (``grade --gradebook``), so that an
instructor who grades with this tool still sees everything in formgrader and
can use ``nbgrader generate_feedback`` / ``nbgrader export``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import assignments


class GradebookError(RuntimeError):
    """The gradebook could not be prepared or written."""


def _db_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def _tools_on_path() -> dict:
    """nbgrader runs ``alembic`` by name: put this interpreter's scripts first on PATH."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    return dict(os.environ)


def ensure_assignment(name: str, db: Path) -> None:
    """Make sure the gradebook knows ``name`` and its cells, by letting
    nbgrader itself record them (``generate_assignment`` with this database)."""
    from nbgrader.api import Gradebook, MissingEntry

    env = _tools_on_path()
    with Gradebook(_db_url(db)) as gb:
        try:
            if gb.find_assignment(name).notebooks:
                return
        except MissingEntry:
            pass
    root = assignments.PROJECT_ROOT
    with tempfile.TemporaryDirectory(prefix="autograder-gradebook-") as scratch:
        course = Path(scratch)
        shutil.copytree(root / "source" / name, course / "source" / name)
        shutil.copy(root / "nbgrader_config.py", course)
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", f"--db={_db_url(db)}",
             f"--CourseDirectory.root={course}", "--log-level=WARN"],
            cwd=course, capture_output=True, text=True, env=env,
        )
        if done.returncode != 0:
            raise GradebookError(f"nbgrader could not add {name} to {db}:\n{done.stdout}{done.stderr}")


def record(name: str, db: Path, rows: list[dict]) -> int:
    """Store every row's per-cell scores as nbgrader auto scores. Returns how many students were written."""
    import warnings

    from nbgrader.api import Gradebook

    ensure_assignment(name, db)
    with Gradebook(_db_url(db)) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy warnings from inside nbgrader's API
        for row in rows:
            gb.update_or_create_student(row["student_id"])
            gb.update_or_create_submission(name, row["student_id"])
            for grade_id, score in row["cells"].items():
                grade = gb.find_grade(grade_id, name, name, row["student_id"])
                grade.auto_score = float(score)
            gb.db.commit()
    return len(rows)
