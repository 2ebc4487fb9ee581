"""The assignments of the module and where each one's files live."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Every assignment of SPEC §1, in teaching order.
NAMES = ("prediction", "gradient_descent", "training_slope", "training_slope_bias", "best_practices")


class UnknownAssignment(LookupError):
    """An assignment name that is not one of :data:`NAMES` (or not built yet)."""


@dataclass(frozen=True)
class Assignment:
    """One assignment: its notebooks, its reference solution and its checks."""

    name: str
    root: Path = PROJECT_ROOT

    @property
    def source_notebook(self) -> Path:
        return self.root / "source" / self.name / f"{self.name}.ipynb"

    @property
    def release_notebook(self) -> Path:
        return self.root / "release" / self.name / f"{self.name}.ipynb"

    @property
    def checks_file(self) -> Path:
        return Path(__file__).resolve().parent / "checks" / f"{self.name}.py"

    def solutions(self):
        """The reference implementation module, ``solutions.<name>``."""
        return importlib.import_module(f"solutions.{self.name}")

    def checks(self):
        """The hidden checks module, ``autograder.checks.<name>``."""
        return importlib.import_module(f"autograder.checks.{self.name}")

    def check_modules(self) -> list:
        """The modules its checks are made of (``checkapi.check_modules``): the entry
        file, its parts and the checks it shares with other labs."""
        from autograder.checkapi import check_modules

        return check_modules(self.checks())

    def probe_modules(self) -> list:
        """The public probe modules its checks send into the student's process."""
        found = []
        for checks in self.check_modules():
            found += [m for m in vars(checks).values() if isinstance(m, type(checks))
                      and m.__name__.startswith("autograder.probes.") and m not in found]
        return found

    @property
    def available(self) -> bool:
        return self.source_notebook.exists() and self.checks_file.exists()


def get(name: str) -> Assignment:
    assignment = Assignment(name)
    if name not in NAMES or not assignment.available:
        built = ", ".join(n for n in NAMES if Assignment(n).available) or "none"
        raise UnknownAssignment(f"unknown assignment {name!r}; the assignments are: {built}")
    return assignment


def available() -> list[Assignment]:
    return [Assignment(n) for n in NAMES if Assignment(n).available]
