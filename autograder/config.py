"""Settings from the course's ``nbgrader_config.py`` (section ``Autograder``)."""

from __future__ import annotations

from pathlib import Path

from autograder import course
from autograder.sandbox.limits import Limits


def load_limits(course_dir: Path, timeout: float | None = None) -> Limits:
    """The sandbox limits: defaults, then ``c.Autograder.*`` from
    ``nbgrader_config.py``, then ``timeout`` from the command line."""
    values = {}
    if (course_dir / course.CONFIG).exists():
        section = course.read_config(course_dir).get("Autograder", {})
        for name in Limits.__dataclass_fields__:
            if name in section:
                values[name] = type(getattr(Limits(), name))(section[name])
    if timeout is not None:
        values["timeout"] = float(timeout)
    return Limits(**values)
