"""The check author's API (``autograder.checkapi``): every name it documents
exists, every checks and probes module keeps to it, and no module or function
of the grader outgrows the size limits. Fast: no subprocess, no sandbox."""

from __future__ import annotations

import ast
import inspect
import pkgutil
from pathlib import Path

import pytest

import autograder
from autograder import assignments, checkapi, harness, taint
from autograder.sandbox import scope

PACKAGE = Path(autograder.__file__).resolve().parent
CHECKS = sorted((PACKAGE / "checks").rglob("*.py"))
PROBES = sorted((PACKAGE / "probes").glob("*.py"))
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50
#: Modules still over the limits (none): each must still be over, so that it leaves this list once fixed.
NOT_YET: dict[str, dict[str, int]] = {}


def test_every_documented_name_exists():
    for name in checkapi.__all__:
        assert getattr(checkapi, name) is not None, name


def test_the_probe_scope_is_the_sandboxes_own_definition():
    assert checkapi.PROBE_SCOPE is scope.NAMES
    assert checkapi.StudentNamespace is scope.StudentNamespace
    assert set(scope.probe_globals({})) - {"__builtins__"} == set(checkapi.PROBE_SCOPE)


def test_the_notebook_protocol_matches_the_harness():
    for name, member in vars(checkapi.Notebook).items():
        if inspect.isfunction(member) and not name.startswith("_"):
            mine = list(inspect.signature(member).parameters)
            theirs = list(inspect.signature(getattr(harness.Notebook, name)).parameters)
            assert [p for p in theirs if not p.startswith("_")] == mine, name
    assert "student_id" in checkapi.Notebook.__annotations__


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
    return found


def _lab(path: Path) -> str:
    """``best_practices`` for ``checks/best_practices.py`` and ``checks/best_practices_cells/fit.py``."""
    relative = path.relative_to(PACKAGE / "checks")
    return relative.parts[0].removesuffix(".py").removesuffix("_cells")


@pytest.mark.parametrize("path", CHECKS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_checks_module_imports_only_the_api_its_probes_and_its_reference(path):
    lab = _lab(path)
    allowed = {"autograder.checkapi", f"autograder.checks.{lab}_cells", "autograder.probes", "solutions",
               "math", "numpy", "torch"}
    if lab == "steps":  # the shared checks: their probes, and no lab's reference
        allowed -= {"solutions"}
    for module in _imports(path):
        assert any(module == a or module.startswith(a + ".") for a in allowed), (path.name, module)
        if module.startswith(("autograder.probes.", "solutions.")):
            assert module.rsplit(".", 1)[1] in (lab, "steps"), (path.name, module)
    source = path.read_text()
    for name in ("autograder.probes", "solutions"):
        for line in source.splitlines():
            if line.startswith(f"from {name} import "):
                imported = {part.split(" as ")[0].strip() for part in line.split(" import ")[1].split(",")}
                assert imported <= {lab, "steps", "bind"}, (path.name, line)


@pytest.mark.parametrize("path", PROBES, ids=lambda p: p.name)
def test_a_probes_module_imports_only_what_the_probe_scope_holds(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                assert bound in checkapi.PROBE_SCOPE, (path.name, bound)


def test_no_lab_imports_another_labs_checks():
    for path in CHECKS:
        for module in _imports(path):
            if module.startswith("autograder.checks."):
                assert module.removeprefix("autograder.checks.").split(".")[0] == f"{_lab(path)}_cells", \
                    (path.name, module)


@pytest.mark.parametrize("name", assignments.NAMES)
def test_check_modules_are_the_entry_file_its_parts_and_the_shared_steps(name):
    assignment = assignments.get(name)
    modules = assignment.check_modules()
    assert modules[0] is assignment.checks()
    names = {m.__name__ for m in modules[1:]}
    parts = {f"autograder.checks.{name}_cells.{m.name}"
             for m in pkgutil.iter_modules([str(PACKAGE / "checks" / f"{name}_cells")])}
    assert names - {"autograder.checks.steps"} == parts
    # every check the entry file gathers is defined in one of them, and its strings count for taint
    for fn in vars(assignment.checks()).values():
        if inspect.isfunction(fn) and fn.__name__.startswith("test_"):
            assert fn.__module__ in {m.__name__ for m in modules}
    words = taint.vocabulary(assignment.checks())
    for module in modules:
        assert _short_strings(module) <= words


def _short_strings(module) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(inspect.getsource(module)))
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) <= 40}


def test_an_entry_file_gathers_its_checks_in_the_order_of_its_parts():
    """The order of results.json is the order of the entry file's namespace: one part after another."""
    for name in assignments.NAMES:
        checks = [fn for key, fn in vars(assignments.get(name).checks()).items() if key.startswith("test_")]
        order = [fn.__module__ for fn in checks]
        assert order == sorted(order, key=order.index), name  # each part's checks together
        for module in set(order):
            mine = [fn for fn in checks if fn.__module__ == module]
            assert mine == sorted(mine, key=lambda fn: fn.__code__.co_firstlineno), module


def _sizes(path: Path):
    text = path.read_text()
    yield "module", len(text.splitlines())
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            yield node.name, node.end_lineno - first + 1


def test_no_module_or_function_is_over_the_size_limits():
    over = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for what, size in _sizes(path):
            limit = MAX_MODULE_LINES if what == "module" else MAX_FUNCTION_LINES
            if size > limit:
                over.setdefault(str(path.relative_to(PACKAGE)), {})[what] = size
    for name, known in NOT_YET.items():
        assert name in over, f"{name} is within the limits now: remove it from NOT_YET"
        assert over[name].keys() <= known.keys(), (name, over[name])
        del over[name]
    assert not over, over
