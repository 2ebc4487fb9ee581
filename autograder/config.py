"""Settings from the course's ``nbgrader_config.py`` (section ``Autograder``)."""

from __future__ import annotations

from pathlib import Path

from autograder.sandbox.limits import Limits


def load_limits(course_dir: Path, timeout: float | None = None) -> Limits:
    """The sandbox limits: defaults, then ``c.Autograder.*`` from
    ``nbgrader_config.py``, then ``timeout`` from the command line."""
    values = {}
    path = course_dir / "nbgrader_config.py"
    if path.exists():
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader(path.name, path=str(course_dir)).load_config()
        section = config.get("Autograder", {})
        for name in Limits.__dataclass_fields__:
            if name in section:
                values[name] = type(getattr(Limits(), name))(section[name])
    if timeout is not None:
        values["timeout"] = float(timeout)
    return Limits(**values)
