"""Generate the student notebooks in ``release/`` from ``source/`` with nbgrader."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import assignments
from autograder.course import Course


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment."""


@contextlib.contextmanager
def scratch_course(name: str, course: Course):
    """A scratch nbgrader course holding ``name``'s source notebook and the
    course's config, and the options that point nbgrader at it with nbgrader's
    default layout (whatever the course's own is), so that nbgrader's commands
    touch none of the course's files."""
    with tempfile.TemporaryDirectory(prefix="autograder-nbgrader-") as scratch:
        root = Path(scratch)
        shutil.copytree(course.source / name, root / "source" / name)
        shutil.copy(course.root / "nbgrader_config.py", root / "nbgrader_config.py")
        yield root, [f"--CourseDirectory.root={root}", "--CourseDirectory.source_directory=source",
                     "--CourseDirectory.release_directory=release"]


def generate(name: str, course: Course, release_dir: Path) -> Path:
    """Run ``nbgrader generate_assignment`` for ``name`` on the source notebook
    of ``course`` and put the student version under ``release_dir``.
    nbgrader runs in a scratch course directory, so the course's gradebook and
    files are not touched. Returns the generated notebook's path."""
    source = course.source / name
    if not source.is_dir():
        raise ReleaseError(f"no source notebook for {name!r} in {course.source}")
    with scratch_course(name, course) as (root, where):
        command = [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--no-db", "--force",
                   "--log-level=WARN", *where]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True)
        generated = root / "release" / name
        if done.returncode != 0 or not generated.is_dir():
            raise ReleaseError(f"nbgrader generate_assignment {name} failed:\n{done.stdout}{done.stderr}")
        target = release_dir / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(generated, target)
    return target / f"{name}.ipynb"


def release(names: list[str] | None = None, course_dir: Path | None = None) -> list[Path]:
    """Regenerate the course's release folder for ``names`` (all built assignments by
    default); the course is the one the command runs in unless ``course_dir`` is given."""
    root = Path(course_dir) if course_dir is not None else assignments.default_course_root()
    chosen = [assignments.get(n, root) for n in names] if names else assignments.available(root)
    return [generate(a.name, a.course, a.course.release) for a in chosen]
