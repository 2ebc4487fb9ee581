"""The assignments of the module and where each one's files live.

Two places hold an assignment's files:

* the installed package holds what only the grader may read: the hidden checks
  (``autograder/checks``), the probes and the reference solutions (``solutions``);
* the instructor's course directory (:mod:`autograder.course`) holds the
  notebooks: ``source/`` (with solutions), ``release/``, ``submitted/``.

Run from a development checkout, the checkout is a course directory too.
"""

from __future__ import annotations

import ast
import functools
import importlib
from dataclasses import dataclass, field
from pathlib import Path

from autograder import course

PACKAGE = Path(__file__).resolve().parent
#: The development checkout the grader runs from, if it does (``None`` for an installed wheel).
CHECKOUT = PACKAGE.parent if (PACKAGE.parent / course.CONFIG).is_file() and (PACKAGE.parent / "tools").is_dir() \
    else None
#: Kept for the development tools and tests that work on the checkout itself.
PROJECT_ROOT = CHECKOUT or PACKAGE.parent


def _cell_mark(function: ast.FunctionDef) -> tuple[str, float] | None:
    """``(grade_id, points)`` of a check's ``@cell("test_x", points=...)`` decorator, if it has one."""
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", getattr(decorator.func, "attr", "")) \
                == "cell" and decorator.args:
            points = next((ast.literal_eval(k.value) for k in decorator.keywords if k.arg == "points"),
                          ast.literal_eval(decorator.args[1]) if len(decorator.args) > 1 else 1)
            return ast.literal_eval(decorator.args[0]), points
    return None


def _teaching_order() -> tuple[str, ...]:
    """Every assignment, in teaching order: each checks entry file that declares
    ``TEACHING_ORDER = n`` (read from its text, without importing it). So a new
    assignment is added by its own files alone (``python -m autograder new``)."""
    found = []
    for path in sorted((PACKAGE / "checks").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "TEACHING_ORDER" for t in node.targets):
                found.append((ast.literal_eval(node.value), path.stem))
    return tuple(name for _, name in sorted(found))


#: Every assignment (SPEC §1's five, and any an instructor added), in teaching order.
NAMES = _teaching_order()


class UnknownAssignment(LookupError):
    """An assignment name that is not one of :data:`NAMES` (or not built yet)."""


@dataclass(frozen=True)
class Assignment:
    """One assignment: its notebooks, its reference solution and its checks."""

    name: str
    root: Path = field(default_factory=lambda: default_course_root())
    """The course directory its notebooks are in."""

    @property
    def course(self) -> course.Course:
        return _course_at(self.root)

    @property
    def source_notebook(self) -> Path:
        return self.course.source / self.name / f"{self.name}.ipynb"

    @property
    def release_notebook(self) -> Path:
        return self.course.release / self.name / f"{self.name}.ipynb"

    @property
    def packaged_notebook(self) -> Path:
        """The source notebook the package ships, which ``init-course`` copies into a new course."""
        if CHECKOUT is not None:
            return CHECKOUT / "source" / self.name / f"{self.name}.ipynb"
        shipped = PACKAGE / "course_notebooks" / self.name / f"{self.name}.ipynb"
        if shipped.exists():
            return shipped
        return PACKAGE.parent / "source" / self.name / f"{self.name}.ipynb"  # a platform bundle's copy

    @property
    def checks_file(self) -> Path:
        return Path(__file__).resolve().parent / "checks" / f"{self.name}.py"

    def solutions(self):
        """The reference implementation module, ``solutions.<name>``."""
        return importlib.import_module(f"solutions.{self.name}")

    def checks(self):
        """The hidden checks module, ``autograder.checks.<name>``."""
        return importlib.import_module(f"autograder.checks.{self.name}")

    def check_points(self) -> dict[str, float]:
        """Points of each test cell: the sum of its checks' ``@cell(points=)``, in
        the order the checks are defined. This is where a cell's points are declared;
        the notebook script writes them into the notebook's metadata. Read from the
        checks' text (nothing is imported: no torch in the process that asks), the
        entry file's own checks and those it imports from its parts; the harness
        checks the sums again on what pytest actually collected."""
        entry = ast.parse(self.checks_file.read_text())
        imported = {alias.asname or alias.name for node in entry.body if isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith(f"autograder.checks.{self.name}_cells") for alias in node.names}
        parts = sorted((self.checks_file.parent / f"{self.name}_cells").glob("*.py"))
        found: dict[str, tuple[str, float]] = {}
        for tree, wanted in [(entry, None), *((ast.parse(p.read_text()), imported) for p in parts)]:
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and \
                        (wanted is None or node.name in wanted):
                    marked = _cell_mark(node)
                    if marked is not None:
                        found[node.name] = marked
        order = [n.name for n in entry.body if isinstance(n, ast.FunctionDef)] + \
            [alias.asname or alias.name for n in entry.body if isinstance(n, ast.ImportFrom) for alias in n.names]
        points: dict[str, float] = {}
        for name in sorted(found, key=lambda n: order.index(n) if n in order else len(order)):
            grade_id, worth = found[name]
            points[grade_id] = points.get(grade_id, 0) + worth
        return points

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


@functools.lru_cache(maxsize=None)
def _course_at(root: Path) -> course.Course:
    return course.Course.at(root)


def default_course_root() -> Path:
    """The course directory holding the working directory, else the checkout the
    grader runs from; an installed grader outside any course directory has none."""
    try:
        return course.find().root
    except course.CourseNotFound:
        if CHECKOUT is not None:
            return CHECKOUT
        raise


def get(name: str, root: Path | None = None) -> Assignment:
    """The assignment ``name`` of the course in ``root`` (default: :func:`default_course_root`)."""
    root = Path(root).resolve() if root is not None else default_course_root()
    assignment = Assignment(name, root)
    if name in NAMES and not assignment.source_notebook.exists():
        raise UnknownAssignment(f"the course in {root} has no source notebook for {name!r} (looked for "
                                f"{assignment.source_notebook}): copy it there, or start a course with "
                                "`python -m autograder init-course DIR`")
    if name not in NAMES or not assignment.available:
        built = ", ".join(a.name for a in available(root)) or "none"
        raise UnknownAssignment(f"unknown assignment {name!r}; the assignments are: {built}")
    return assignment


def available(root: Path | None = None) -> list[Assignment]:
    root = Path(root).resolve() if root is not None else default_course_root()
    return [Assignment(n, root) for n in NAMES if Assignment(n, root).available]


def points_problem(checks: dict[str, float], cells: dict[str, float]) -> str | None:
    """What is wrong when the checks' points (by test cell) are not the notebook's."""
    wrong = [f"{g}: its checks give {checks.get(g, 0):g}, the notebook {cells.get(g, 0):g}"
             for g in dict.fromkeys([*cells, *checks]) if checks.get(g, 0) != cells.get(g, 0)]
    if not wrong:
        return None
    return ("the hidden checks do not add up to the notebook's points (" + "; ".join(wrong) + "): "
            "regenerate the source notebook from its script (make notebooks), whose points come from the checks")
