"""Probes are public: each uses only what a probe's scope defines, and none
holds a solution, a verdict or anything of the hidden checks'."""

import ast
import builtins
import inspect
import pkgutil

import pytest

import autograder.probes
from autograder import assignments
from autograder.sandbox import scope
from tests import support

MODULES = [m.name for m in pkgutil.iter_modules(autograder.probes.__path__)]


def _probes(name):
    module = __import__(f"autograder.probes.{name}", fromlist=["_"])
    return [fn for fn in vars(module).values() if inspect.isfunction(fn) and fn.__module__ == module.__name__]


def _free_names(fn) -> set[str]:
    tree = ast.parse(inspect.getsource(fn))
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))
              for a in n.args.args + n.args.kwonlyargs + ([n.args.vararg] if n.args.vararg else [])
              + ([n.args.kwarg] if n.args.kwarg else [])}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler) and n.name}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return used - bound - set(dir(builtins))


@pytest.mark.parametrize("name", MODULES)
def test_a_probe_uses_only_its_scope(name):
    for fn in _probes(name):
        assert _free_names(fn) <= set(scope.NAMES), (fn.__name__, _free_names(fn) - set(scope.NAMES))


@pytest.mark.parametrize("name", MODULES)
def test_a_probe_module_holds_no_solution_and_imports_nothing_hidden(name):
    source = inspect.getsource(__import__(f"autograder.probes.{name}", fromlist=["_"]))
    for hidden in ("solutions", "autograder"):
        assert f"import {hidden}" not in source and f"from {hidden}" not in source
    solution_lines = {line.strip() for path in (support.ROOT / "solutions").glob("*.py")
                      for line in path.read_text().splitlines() if len(line.strip()) >= 16}
    probe_lines = {line.strip() for line in source.splitlines()}
    assert not (solution_lines & probe_lines) - SHARED_BY_NECESSITY, solution_lines & probe_lines


#: Lines a probe must write the way a solution does: imports and control flow,
#: and the inputs SPEC fixes (``train_step`` is handed SGD and an MSE loss).
SHARED_BY_NECESSITY = {
    "from torch import nn", "with torch.no_grad():", "if mean is None:", "if writer is not None:",
    "loss_fn = nn.MSELoss()", "optimizer = torch.optim.SGD(model.parameters(), lr=lr)",
}


def test_every_probe_a_check_sends_is_a_public_probe():
    for assignment in assignments.available():
        checks = assignment.checks()
        text = inspect.getsource(checks)
        assert "def _probe_" not in text
        for module in assignment.probe_modules():
            assert module.__name__.startswith("autograder.probes.")
