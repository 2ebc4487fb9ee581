"""The instructor's nbgrader course directory: where its notebooks and folders are.

A course directory is any folder holding an ``nbgrader_config.py`` (nbgrader's
own convention). Its source notebooks, its limits (``c.Autograder.*``) and its
folders (``c.CourseDirectory.*_directory``) come from there. The grader's checks
and reference solutions never do: they are part of the installed package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIG = "nbgrader_config.py"


class CourseNotFound(LookupError):
    """No ``nbgrader_config.py`` where a course directory was looked for."""


@dataclass(frozen=True)
class Course:
    """One nbgrader course directory and its folders (nbgrader's defaults unless configured)."""

    root: Path
    """The folder holding ``nbgrader_config.py``."""
    source: Path
    """``c.CourseDirectory.source_directory``: the instructor's notebooks, with solutions."""
    release: Path
    """``c.CourseDirectory.release_directory``: the student versions."""
    submitted: Path
    """``c.CourseDirectory.submitted_directory``: ``<student>/<assignment>/<assignment>.ipynb``."""

    @classmethod
    def at(cls, root: Path) -> Course:
        """The course whose ``nbgrader_config.py`` is in ``root``."""
        root = Path(root).resolve()
        if not (root / CONFIG).is_file():
            raise CourseNotFound(f"{root} is not an nbgrader course directory: it has no {CONFIG}. "
                                 "Run the command from your course directory, give it with --course DIR, "
                                 "or start one with `python -m autograder init-course DIR`.")
        section = read_config(root).get("CourseDirectory", {})

        def folder(key: str, default: str) -> Path:
            return root / str(section.get(key, default))

        return cls(root, folder("source_directory", "source"), folder("release_directory", "release"),
                   folder("submitted_directory", "submitted"))


def read_config(root: Path) -> dict:
    """The settings of ``root/nbgrader_config.py``, read as nbgrader reads them (traitlets)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(CONFIG, path=str(root)).load_config()


def find(start: Path | None = None) -> Course:
    """The course directory holding ``start`` (default: the working directory),
    found as nbgrader finds its config: ``nbgrader_config.py`` in it or a parent."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG).is_file():
            return Course.at(folder)
    raise CourseNotFound(f"no {CONFIG} in {start} or any folder above it, so this is not inside an nbgrader "
                         "course directory. Run the command from your course directory, give it with "
                         "--course DIR, or start one with `python -m autograder init-course DIR`.")


#: ``nbgrader_config.py`` of a new course (``init-course``); this checkout's own is one (a test keeps them equal).
CONFIG_TEMPLATE = '''\
# Course configuration, read by nbgrader and by `python -m autograder`.
c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "{course_id}"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"

# A student's notebook gets this long per cell when nbgrader executes it.
c.ExecutePreprocessor.timeout = 60
# Stop each notebook's kernel at once when it is done instead of asking it to
# shut down (about half a second per student under `nbgrader autograde`).
c.ExecutePreprocessor.shutdown_kernel = "immediate"

# Limits for student code under `python -m autograder grade`.
c.Autograder.timeout = {timeout:g}          # seconds per cell and per hidden check (--timeout overrides)
c.Autograder.memory_mb = {memory_mb}      # memory a student's process may use on top of torch's own
c.Autograder.cpu_seconds = {cpu_seconds}     # CPU seconds per student process
c.Autograder.file_size_mb = {file_size_mb}     # largest file student code may write
c.Autograder.processes = {processes}       # most processes of one submission (per-worker uid when root)
c.Autograder.tmp_mb = {tmp_mb}          # size of the private /tmp a submission gets (when root)
'''


def config_text(course_id: str) -> str:
    """A new course's ``nbgrader_config.py``, with the grader's default limits."""
    from dataclasses import asdict

    from autograder.sandbox.limits import Limits

    return CONFIG_TEMPLATE.format(course_id=course_id, **asdict(Limits()))


def init(target: Path, course_id: str | None = None) -> list[Path]:
    """Start a course in ``target``: ``nbgrader_config.py`` and every source
    notebook the package ships. Refuses to overwrite a course that is there."""
    from autograder import assignments

    target = Path(target).resolve()
    if (target / CONFIG).exists() or (target / "source").exists():
        raise FileExistsError(f"{target} already holds a course ({CONFIG} or source/): choose a new folder, "
                              "or copy the notebooks you need by hand")
    target.mkdir(parents=True, exist_ok=True)
    written = [target / CONFIG]
    written[0].write_text(config_text(course_id or target.name))
    for name in assignments.NAMES:
        packaged = assignments.Assignment(name, target).packaged_notebook
        copy = target / "source" / name / packaged.name
        copy.parent.mkdir(parents=True)
        copy.write_bytes(packaged.read_bytes())
        written.append(copy)
    return written
