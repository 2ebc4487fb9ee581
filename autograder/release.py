"""Generate the student notebooks in ``release/`` from ``source/`` with nbgrader."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import assignments


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment."""


def generate(name: str, course_dir: Path, release_dir: Path) -> Path:
    """Run ``nbgrader generate_assignment`` for ``name`` on the source notebook
    in ``course_dir`` and put the student version under ``release_dir``.
    nbgrader runs in a scratch course directory, so the course's gradebook and
    files are not touched. Returns the generated notebook's path."""
    source = course_dir / "source" / name
    if not source.is_dir():
        raise ReleaseError(f"no source notebook for {name!r} in {course_dir / 'source'}")
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as scratch:
        root = Path(scratch)
        shutil.copytree(source, root / "source" / name)
        shutil.copy(course_dir / "nbgrader_config.py", root / "nbgrader_config.py")
        command = [sys.executable, "-m", "nbgrader", "generate_assignment", name,
                   "--no-db", "--force", f"--CourseDirectory.root={root}", "--log-level=WARN"]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True)
        generated = root / "release" / name
        if done.returncode != 0 or not generated.is_dir():
            raise ReleaseError(f"nbgrader generate_assignment {name} failed:\n{done.stdout}{done.stderr}")
        target = release_dir / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(generated, target)
    return target / f"{name}.ipynb"


def release(names: list[str] | None = None, course_dir: Path = assignments.PROJECT_ROOT) -> list[Path]:
    """Regenerate ``release/`` for ``names`` (all built assignments by default)."""
    chosen = [assignments.get(n).name for n in names] if names else [a.name for a in assignments.available()]
    return [generate(name, course_dir, course_dir / "release") for name in chosen]
