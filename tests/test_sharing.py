"""One copy for many probes (``autograder/sandbox/sharing.py``): a copy is kept for the
next probe only when the last one left it as a fresh copy would be, and grades are
the same with and without sharing."""

import json
import os
import subprocess
import sys

import pytest

from autograder import codec
from autograder.sandbox.client import Sandbox
from autograder.sandbox.limits import Limits
from autograder.sandbox.sharing import ENV
from tests import support

#: The notebook every copy below is made from: state of each kind a probe could change.
NOTEBOOK = """
import os, signal, threading, warnings
import torch
import matplotlib.pyplot as plt

history = []
def remember(x, seen=[]):
    seen.append(x)
    return len(seen)
def make_counter():
    n = 0
    def counter():
        nonlocal n
        n += 1
        return n
    return counter
counter = make_counter()
X = torch.zeros(3)
class Model:
    pass
model = Model()
model.k = 1
layer = torch.nn.Linear(1, 1)
layer(torch.ones(1, 1)).sum().backward()
fig, ax = plt.subplots()
import io
fig.savefig(io.BytesIO())  # what drawing loads lazily is loaded: a later draw changes only the figure
count = 0
def bump():
    global count
    count += 1
    return count
def run(code):
    exec(code, globals())
"""

ACT = "def act(ns, code):\n    ns['run'](code)\n    return 0\n"
LOOK = ("def look(ns):\n    import os, torch\n"
        "    return {'pid': os.getpid(), 'count': ns['bump'](), 'w': ns.get('w'), 'drawn': torch.rand(2).tolist(),\n"
        "            'history': list(ns['history']), 'X': ns['X'].tolist()}\n")


def _message(source: str, **kwargs) -> dict:
    return {"source": source, "function": source.split("def ", 1)[1].split("(", 1)[0],
            "kwargs": codec.encode(kwargs), "reference": []}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(Limits(timeout=20)) as box:
        yield box


@pytest.fixture
def notebook(sandbox):
    node = sandbox.start()
    assert node.exec(NOTEBOOK, "notebook").ok
    yield node
    node.kill()
    sandbox.cleanup()


def test_a_probe_that_changes_nothing_leaves_its_copy_to_the_next_which_sees_the_notebooks_state(notebook):
    """Its own inputs (set as globals), a global the student's code rebinds and the random
    numbers it draws are all put back: the next probe in the same process sees what a fresh copy would."""
    fresh = notebook.fork().probe(_message(LOOK))
    assert fresh.ok, fresh.error
    copy = notebook.fork(keep=True)
    first = copy.probe(_message("def first(ns):\n    import os, torch\n    ns['w'] = 5\n    ns['bump']()\n"
                                "    return [os.getpid(), ns['bump'](), torch.rand(3).tolist()]\n"), keep=True)
    assert first.ok and first.value[1] == 2, first.error
    assert copy.reusable()
    second = copy.probe(_message(LOOK), keep=True)
    assert second.ok, second.error
    assert second.value["pid"] == first.value[0]  # the same process
    assert {k: v for k, v in second.value.items() if k != "pid"} == {k: v for k, v in fresh.value.items() if k != "pid"}
    assert second.value["count"] == 1 and second.value["w"] is None
    assert copy.reusable()
    copy.kill()


#: Each leaves the copy unlike a fresh one, in a different way: the copy must end.
CHANGES = {
    "a global list grows": "history.append(1)",
    "a mutable default fills up": "remember(1)",
    "a closure's variable changes": "counter()",
    "a global tensor changes in place": "X.add_(1)",
    "a parameter's storage is replaced": "layer.weight.data = torch.ones(1, 1)",
    "a global tensor changes through .data": "X.data -= 1",
    "a parameter's gradient is zeroed through .data": "layer.weight.grad.data.zero_()",
    "a tensor's memory changes through numpy": "X.numpy()[0] = 7",
    "a tensor is given an attribute": "X.note = 1",
    "a hook is put on a parameter": "layer.weight.register_hook(lambda g: 2 * g)",
    "an object's attribute changes": "model.k = 2",
    "a torch switch is left off": "torch.set_grad_enabled(False)",
    "a matplotlib setting changes": "plt.rcParams['lines.linewidth'] = 9",
    "a figure is drawn on": "ax.plot([1, 2])",
    "a figure is rendered": "fig.draw_without_rendering()",
    "a warnings filter is added": "warnings.simplefilter('ignore')",
    "the working directory changes": "os.chdir('/')",
    "a thread is left running": "threading.Thread(target=__import__('time').sleep, args=(30,), daemon=True).start()",
    "a timer is set": "signal.setitimer(signal.ITIMER_REAL, 100)",
    "a signal handler is set": "signal.signal(signal.SIGUSR1, lambda *a: None)",
    "torch is monkeypatched": "torch.mean = torch.sum",
    "a module is imported": "import tabnanny",
    "a process is left running": "import subprocess; subprocess.Popen(['sleep', '30'])",
    "the probe raised": "raise ValueError('no')",
}


@pytest.mark.parametrize("change", [None, *CHANGES], ids=["control", *CHANGES])
def test_a_probe_that_changes_the_copy_ends_it_and_the_next_probe_gets_a_fresh_one(notebook, change):
    code = "y = 1" if change is None else CHANGES[change]  # the control binds a global: put back, so kept
    copy = notebook.fork(keep=True)
    outcome = copy.probe(_message(ACT, code=code), keep=True)
    assert outcome.ok == (change != "the probe raised"), outcome.error
    assert copy.reusable() == (change is None), change
    assert copy.alive == (change is None)
    copy.kill()


#: Run in a fresh Python, as a copy would run it (in a copy, a draw may also show elsewhere).
DRAWING = """
import builtins, json, sys
import matplotlib.pyplot as plt
from autograder.sandbox import guard, sharing
from tests.test_sharing import NOTEBOOK
namespace = {"__name__": "__main__", "__builtins__": builtins}
exec(NOTEBOOK, namespace)
plt.close("all")
snapshots, found = {}, []
sharing.Baseline.take(namespace, snapshots)  # loads what numpy loads lazily (np.random), as the fork server has
for code in sys.argv[1:]:
    guard.restore_trusted_state()  # as a probe starts
    baseline = sharing.Baseline.take(namespace, snapshots)
    namespace["run"](code)
    found.append([baseline.left_as_found(namespace, snapshots), namespace["fig"].stale, "y" in namespace])
print(json.dumps(found))
"""


def test_drawing_a_figure_counts_as_a_change_though_it_leaves_the_figure_not_stale():
    done = subprocess.run([sys.executable, "-c", DRAWING, "y = 1", "fig.draw_without_rendering()"],
                          cwd=support.ROOT, env=dict(os.environ, MPLBACKEND="Agg"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[True, False, False], [False, False, False]]


def test_a_copy_forked_while_another_is_kept_leaves_that_one_running(notebook):
    """A probe with reference code gets a fresh copy of its own; forking it ends what earlier
    copies left running, but not the copy kept for the next probe."""
    kept = notebook.fork(keep=True)
    assert kept.probe(_message(ACT, code="y = 1"), keep=True).ok
    other = notebook.fork(spare=True)
    assert other.probe(_message(ACT, code="y = 2")).ok
    assert kept.reusable() and kept.probe(_message(LOOK), keep=True).ok
    kept.kill()


#: Mistakes that keep state between calls, as students write them by accident: the hidden
#: checks call these functions more than once, so sharing a copy would show if it leaked.
STATEFUL = [
    support.Case("criterion_averages_every_loss_so_far", {"criterion": (
        "seen_losses = []\n\ndef criterion(yhat, y):\n    seen_losses.append(torch.mean((yhat - y) ** 2))\n"
        "    return sum(seen_losses) / len(seen_losses)\n")}),
    support.Case("forward_breaks_after_its_third_call", {"forward": (
        "calls = [0]\n\ndef forward(x):\n    calls[0] += 1\n    return w * x if calls[0] <= 3 else w * x + 1\n")}),
    support.Case("zero_grad_keeps_the_first_parameters_it_saw", {"zero_grad": (
        "def zero_grad(params, _saved=[]):\n    if not _saved:\n        _saved.extend(params)\n"
        "    for p in _saved:\n        p.grad.zero_()\n")}),
]


#: Notebooks that tell a copy an earlier probe ran in from a fresh one, each by a channel no
#: fingerprint reads (an outside tester found 28): forward marks the process, criterion,
#: backward_update and zero_grad are right only in a marked one, and plot_loss (the
#: notebook's last call) unmarks it, so the notebook itself ends as it began.
CHANNELS = {
    "tells_by_sys_argv_changed_in_place": (
        "import sys; sys.argv.append('m')", "__import__('sys').argv[-1:] == ['m']",
        "import sys\n    while sys.argv[-1:] == ['m']:\n        sys.argv.pop()"),
    "tells_by_a_file_named_by_its_pid": (
        "open(f'/tmp/mark-{os.getpid()}', 'w').close()", "os.path.exists(f'/tmp/mark-{os.getpid()}')",
        "if os.path.exists(f'/tmp/mark-{os.getpid()}'):\n        os.remove(f'/tmp/mark-{os.getpid()}')"),
}


def _telling(name: str) -> support.Case:
    mark, marked, reset = CHANNELS[name]
    return support.Case(name, {
        "forward": (f"import os\n\ndef _marked():\n    return {marked}\n\ndef _reset():\n    {reset}\n\n"
                    f"def forward(x):\n    {mark}\n    return w * x\n"),
        "criterion": ("def criterion(yhat, y):\n    if _marked():\n        return torch.mean((yhat - y) ** 2)\n"
                      "    return torch.sum((yhat - y) ** 2)\n"),
        "backward_update": ("def backward_update(loss, params, lr):\n    loss.backward()\n"
                            "    step = lr if _marked() else -lr\n    for p in params:\n"
                            "        p.data = p.data - step * p.grad\n"),
        "zero_grad": ("def zero_grad(params):\n    if _marked():\n        for p in params:\n"
                      "            if p.grad is not None:\n                p.grad.zero_()\n"),
        "plot_loss": ("def plot_loss(losses):\n    _reset()\n    fig, ax = plt.subplots()\n"
                      "    ax.plot(range(len(losses)), losses)\n    ax.set_xlabel('iteration')\n"
                      "    ax.set_ylabel('cost (MSE)')\n    return ax\n"),
    })


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in ("execution_time", "seconds")}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def test_grades_are_the_same_with_and_without_sharing_copies_but_for_notebooks_that_tell(tmp_path):
    """A sample of the catalogue and the stateful mistakes above, graded both ways
    (``tools/same_results.py`` compares every catalogue entry of all five labs); and the
    notebooks that tell the two apart, which is why sharing is off by default."""
    from tests.catalogue import training_slope as catalogue

    name = "training_slope"
    sample = [c for c in catalogue.MISTAKES + catalogue.VARIANTS
              if c.name in ("train_model_stores_loss_tensors", "forward_uses_global_X", "zero_grad_does_nothing",
                            "plot_loss_with_pyplot_state")]
    assert len(sample) == 4
    submitted = tmp_path / "in"
    support.write(submitted, "solution", name, support.source_notebook(name))
    for case in sample + STATEFUL + [_telling(channel) for channel in CHANNELS]:
        support.write(submitted, case.name, name, support.build(name, case))
    outs = {}
    for share in ("0", "1"):
        out = tmp_path / f"out-{share}"
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", name, str(submitted), "--out", str(out),
                               "--jobs", "2", "--quiet"], cwd=support.ROOT, env=dict(os.environ, **{ENV: share}),
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        outs[share] = {p.parent.name: _without_timings(json.loads(p.read_text())) for p in out.glob("*/results.json")}
    assert len(outs["1"]) == 1 + len(sample) + len(STATEFUL) + len(CHANNELS)
    same = {student: result for student, result in outs["1"].items() if student not in CHANNELS}
    assert same == {student: outs["0"][student] for student in same}
    assert {c: (outs["0"][c]["score"], outs["1"][c]["score"]) for c in CHANNELS} == {c: (11.0, 15.0) for c in CHANNELS}
    assert [case.name for case in STATEFUL if outs["1"][case.name]["score"] == outs["1"]["solution"]["score"]] == []
