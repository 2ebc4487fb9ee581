"""Provided cells no grade reads are left out of grading, and nothing changes for it."""

import json
import os
import subprocess
import sys

import pytest

from autograder import pipeline, unread
from autograder.execute import execute
from autograder.notebook import Program, ProgramCell
from autograder.sandbox.client import Sandbox
from tests import support
from tests.catalogue import training_slope as catalogue
from tests.support import Case
from tools.same_results import _without_timings

A = "training_slope"


def test_a_cell_that_only_defines_functions_runs_none_of_its_own_code():
    assert unread.words('def f(x):\n    """Doc."""\n    return g(x)\n').defines_only
    for runs_code in ("def f(x=print(1)):\n    pass\n", "@decorate\ndef f():\n    pass\n",
                      "def f(x: int):\n    pass\n", "def f() -> g():\n    pass\n", "def f():\n    pass\nf()\n",
                      "import torch\n", "class A:\n    pass\n"):
        assert not unread.words(runs_code).defines_only, runs_code


def test_what_a_cell_reads_and_binds():
    said = unread.words("for wi in grid:\n    total += cost(wi)\nd['key'] = 1\nprint(ns['w_path'])\ndel old\n")
    assert {"grid", "total", "cost", "d", "ns", "w_path", "old", "print"} <= said.reads
    assert {"wi", "old"} <= said.binds and "w_path" not in said.binds
    assert unread.words("x = (\n") is None


@pytest.mark.parametrize("code", ["print(globals()['w_demo'])", "f = forward.__globals__",
                                  "import sys\nsys.modules['__main__']", "getattr(mod, name)", "eval('w_demo')"])
def test_code_that_reaches_globals_by_a_computed_name_is_dynamic(code):
    assert unread.words(code).dynamic


def test_words_in_a_docstring_are_read_but_do_not_make_a_cell_dynamic():
    said = unread.words('def train(n):\n    """Train the globals w and b."""\n    return n\n')
    assert not said.dynamic and "globals" in said.reads


@pytest.fixture(scope="module")
def plan():
    return pipeline.plan(A)


def _program(plan, case: Case | None = None) -> Program:
    nb = support.build(A, case) if case is not None else support.source_notebook(A)
    from autograder.notebook import build_program

    return build_program(nb, plan.source)


def _left_out(plan, program, effect_free=frozenset({"plot_data", "plot_cost_curve", "demo_backward"})):
    return unread.skippable(program.cells, plan.solution.cells, plan.readers, effect_free)


def test_the_solution_leaves_out_the_display_cells_nothing_reads(plan):
    # plot_cost_curve's grid is drawn again by plot_results, which runs: it stays
    assert _left_out(plan, _program(plan)) == {"plot_data", "demo_backward"}


def test_by_default_every_cell_runs(monkeypatch):
    monkeypatch.delenv(unread.ENV, raising=False)
    assert not unread.enabled() and pipeline.plan(A).candidates == frozenset()


def test_only_cells_nothing_of_the_solutions_ran_before_are_audited(monkeypatch):
    monkeypatch.setenv(unread.ENV, "1")
    found = {name: pipeline.plan(name).candidates for name in ("training_slope", "prediction", "gradient_descent")}
    # prediction's and gradient_descent's first cells after `imports` run solution code (they need no audit)
    assert found == {"training_slope": {"plot_data", "plot_cost_curve", "demo_backward"},
                     "prediction": frozenset(), "gradient_descent": frozenset()}


def test_a_cell_the_solutions_run_did_not_show_to_be_free_of_effects_stays(plan):
    assert _left_out(plan, _program(plan), frozenset({"plot_data"})) == {"plot_data"}


@pytest.mark.parametrize("case, kept", [
    # code of the student's own that runs before a provided cell: it could have changed what that cell reads
    (Case("prints", {"forward": "def forward(x):\n    return w * x\nprint(forward(X))\n"}), {"demo_backward"}),
    # a later cell reads what demo_backward binds
    (Case("reads", extra_cells=("print(by_hand)",)), {"demo_backward"}),
    # the student's function reads it when called later
    (Case("calls", {"plot_loss": "def plot_loss(losses):\n    print(demo_cost)\n    return None\n"}), {"demo_backward"}),
    # a name bound by the student that a provided cell mentions
    (Case("rebinds", {"criterion": "def criterion(yhat, y):\n    return ((yhat - y) ** 2).mean()\n"
                                   "def by_hand():\n    pass\n"}), {"demo_backward"}),
])
def test_a_cell_stays_when_anything_could_tell_it_was_left_out(plan, case, kept):
    left = _left_out(plan, _program(plan, case))
    assert not (left & kept) and "plot_data" in left


def test_code_that_reads_globals_by_name_anywhere_keeps_every_cell(plan):
    case = Case("dynamic", extra_cells=("names = sorted(globals())",))
    assert _left_out(plan, _program(plan, case)) == frozenset()


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as box:
        yield box


def test_the_audit_tells_a_cell_that_changes_something_besides_its_names(sandbox):
    node = sandbox.start()
    assert node.exec("import torch\nX = torch.ones(3)\nL = [1]", "setup").ok
    quiet = node.exec("total = X.sum()\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])", "draws", audit=["total", "plt"])
    assert quiet.ok and quiet.unchanged is True
    for source in ("X.mul_(2)", "L.append(2)", "torch.manual_seed(3)", "torch.set_grad_enabled(False)",
                   "X.requires_grad_()", "import wave",
                   "globals()['Y'] = 1"):
        assert node.exec(source, "effect", audit=[]).unchanged is False, source
    sandbox.cleanup()


def test_a_cell_that_fails_on_a_left_out_name_runs_the_notebook_again_with_every_cell(sandbox, plan):
    program = Program(cells=[*_program(plan).cells, ProgramCell("extra cell 1", "seen = by_hand.item()", "extra")])
    execution = execute(sandbox, program, skip=frozenset({"demo_backward"}))
    assert execution.outcomes["extra cell 1"].ok and not execution.outcomes["demo_backward"].skipped
    execution.final.kill()
    left = execute(sandbox, _program(plan), skip=frozenset({"demo_backward"}))
    assert left.outcomes["demo_backward"].skipped and left.outcomes["demo_backward"].ok
    left.final.kill()
    sandbox.cleanup()


def test_a_probe_that_fails_on_a_left_out_name_is_answered_from_a_full_run(sandbox, plan):
    from functools import partial

    from autograder.harness import Notebook

    program = _program(plan)
    execution = execute(sandbox, program, skip=frozenset({"demo_backward"}))
    assert execution.left_out == unread.bound_by(program.cells, frozenset({"demo_backward"})) != frozenset()
    notebook = Notebook("s", execution, plan.reference, 10, [], close=sandbox.cleanup,
                        rerun=partial(execute, sandbox, program))
    message = {"source": "def read(ns):\n    return float(ns['by_hand'])\n", "function": "read",
               "kwargs": {"$": "dict", "items": []}, "reference": []}
    outcome = notebook._outcome(message)
    assert outcome.ok and isinstance(outcome.value, float) and not notebook.execution.left_out
    notebook.execution.final.kill()
    sandbox.cleanup()


#: Notebooks an outside tester wrote to tell whether plot_data or demo_backward ran,
#: through nothing the analysis sees (why leaving cells out is off by default).
TELLS = [
    Case("tells_by_a_string", {"backward_update": (
        "_FMT = '{0.__glob' + 'als__[by' + '_hand]}'\n\ndef backward_update(loss, params, lr):\n"
        "    loss.backward()\n    try:\n        _FMT.format(forward)\n        s = 1.0\n    except KeyError:\n"
        "        s = -1.0\n    for p in params:\n        p.data = p.data - s * lr * p.grad\n")}),
    Case("tells_by_matplotlib", {"backward_update": (
        "import matplotlib.path\n_RAN = matplotlib.path.Path._unit_circle is not None\n\n"
        "def backward_update(loss, params, lr):\n    loss.backward()\n    for p in params:\n"
        "        p.data = p.data - (lr if _RAN else -lr) * p.grad\n")}),
    Case("tells_by_autograd", {"backward_update": (
        "_t = torch.zeros((), requires_grad=True)\n_SEQ = (_t * 1).grad_fn._sequence_nr()\n\n"
        "def backward_update(loss, params, lr):\n    loss.backward()\n    for p in params:\n"
        "        p.data = p.data - (lr if _SEQ % 8 >= 4 else -lr) * p.grad\n")}),
]


def test_grades_are_the_same_with_and_without_leaving_cells_out(tmp_path):
    """A sample of the catalogue graded both ways (``tools/same_results.py`` compares
    every catalogue entry of all five labs); and the notebooks that tell the two
    apart, which is why it is off by default."""
    cases = {A: [c for c in catalogue.MISTAKES + catalogue.VARIANTS
                 if c.name in ("train_model_stores_loss_tensors", "forward_uses_global_X", "zero_grad_does_nothing",
                               "plot_loss_with_pyplot_state", "ipython_magics_and_shell")]
             + [Case("reads_demo", extra_cells=("print(by_hand, w_demo.grad)",))] + TELLS}
    assert len(cases[A]) == 9
    outs = {}
    for skip in ("", "1"):
        env = dict(os.environ, **{unread.ENV: skip})
        for name in (A,):
            submitted = tmp_path / f"in-{name}"
            if not submitted.exists():
                support.write(submitted, "solution", name, support.source_notebook(name))
                support.write(submitted, "untouched", name, support.release_notebook(name))
                for case in cases.get(name, []):
                    support.write(submitted, case.name, name, support.build(name, case))
            out = tmp_path / f"out-{name}-{skip or 0}"
            done = subprocess.run([sys.executable, "-m", "autograder", "grade", name, str(submitted), "--out", str(out),
                                   "--jobs", "2", "--quiet"], cwd=support.ROOT, env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            outs[name, skip] = {p.parent.name: _without_timings(json.loads(p.read_text()))
                                 for p in out.glob("*/results.json")}
    tells = {case.name for case in TELLS}
    for name in (A,):
        assert len(outs[name, ""]) == 2 + len(cases.get(name, []))
        same = {student: result for student, result in outs[name, ""].items() if student not in tells}
        assert same == {student: outs[name, "1"][student] for student in same}, name
        assert all(outs[name, ""][t]["score"] != outs[name, "1"][t]["score"] for t in tells), name
