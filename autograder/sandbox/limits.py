"""The limits student code runs under: one definition, with its defaults.

The course overrides them in ``nbgrader_config.py`` (``c.Autograder.<name>``,
read by :func:`autograder.config.load_limits`); the grader sends them to the
fork server as they are, so no other place holds a default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's student code."""

    timeout: float = 30.0
    """Seconds one cell or one check may run before it is killed."""
    memory_mb: int = 2048
    """Address space a student's process may add on top of torch's."""
    cpu_seconds: int = 600
    """CPU seconds one student process may use in all."""
    file_size_mb: int = 64
    """Largest file a student's code may write."""
    processes: int = 256
    """Most processes one submission may run at once (its own uid's limit when the grader is root)."""
    tmp_mb: int = 256
    """Size of each private scratch folder (/tmp, /var/tmp, /dev/shm) a submission gets (when root)."""
    reply_kb: int = 1024
    """Largest reply one cell, probe or snapshot may send back to the grader."""
    replies_mb: int = 16
    """Most that all replies of one submission may add up to; beyond it, its probes are refused."""

    def to_message(self) -> dict:
        return asdict(self)

    @classmethod
    def from_message(cls, data: dict) -> Limits:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
