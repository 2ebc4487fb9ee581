"""What every node of a fork server needs to know about the grader, worked out once.

The fork server lists it before it serves (:meth:`Prepared.now`); each node it
forks uses the list instead of reading ``sys.path``, ``sys.modules`` and the
disk again. Reading them in a node would write the reference counts of
thousands of the server's objects, and so copy hundreds of its memory pages,
for every submission (about 15 ms of a node's start).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox import guard, isolation


@dataclass(frozen=True)
class Prepared:
    """The grader's folders, modules and finders, as the fork server found them."""

    grader: tuple[Path, ...]
    """The folders of the grader's packages (``isolation.grader_folders``)."""
    keep: tuple[Path, ...]
    """What the interpreter needs bound back into the node's file system (``isolation.python_paths``)."""
    path: tuple[str, ...]
    """``sys.path`` without the grader's folders: the node's ``sys.path``."""
    forbidden: tuple[str, ...]
    """The grader's own modules the server has loaded (``guard.FORBIDDEN_MODULES``)."""
    modules: int
    """How many modules the server had loaded when ``forbidden`` was listed."""
    finders: tuple
    """The import finders that know where the grader is (``guard.grader_finders``)."""

    @classmethod
    def now(cls) -> Prepared:
        grader = isolation.grader_folders()
        path = [p for p in sys.path if p and not isolation.is_grader_path(Path(os.path.realpath(p)), grader)]
        return cls(tuple(grader), tuple(isolation.python_paths(grader)), tuple(path), _forbidden_loaded(),
                   len(sys.modules), tuple(guard.grader_finders()))

    def drop_forbidden_modules(self) -> None:
        """Take the grader's modules out of ``sys.modules``, so that no import finds them.
        Had anything been imported since they were listed, every name is looked at."""
        for name in self.forbidden if len(sys.modules) == self.modules else _forbidden_loaded():
            sys.modules.pop(name, None)


def _forbidden_loaded() -> tuple[str, ...]:
    """The names in ``sys.modules`` of the grader's own modules (``guard.FORBIDDEN_MODULES``)."""
    return tuple(name for name in list(sys.modules) if name.split(".")[0] in guard.FORBIDDEN_MODULES)
