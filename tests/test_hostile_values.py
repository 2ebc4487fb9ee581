"""No value a student's code returns makes a check crash.

Every hidden check of every assignment is run on answers that start as the
solution's own (its probe, run on the solution notebook in this process, and
sent through the codec as from a sandbox) and are then made hostile: one value
or the whole answer replaced by inf, nan, a number too large for a float, None,
text, an empty or ragged list, a tensor of the wrong shape or dtype, something
that could not be sent, an exception. A check may pass or fail with a message;
anything else (an internal error, the student would be told) fails this test.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder import answers, assignments, codec
from autograder.checking import CheckFailed, StudentProblem
from autograder.harness import _source_of
from autograder.notebook import read_source, transform_ipython
from autograder.sandbox import scope

HOSTILE = [
    None, True, 0, -1, 2 ** 80, -(2 ** 80), 1e308, -1e308, math.inf, -math.inf, math.nan, "text", "", [], {}, (),
    [math.nan, math.inf, -1e308], [[1.0, 2.0], [3.0]], [None] * 3, torch.tensor(math.nan), torch.full((3, 1), math.inf),
    torch.zeros(0), torch.zeros(2, 2, 2), torch.tensor([1, 2], dtype=torch.int64), torch.tensor([True, False]),
    torch.full((4,), 1e30), np.array([1.0, 2.0]), codec.Opaque("generator", "<generator object at 0x0>"),
    codec.Opaque("matplotlib.figure.Figure", "Figure(640x480)"), codec.StudentError("ValueError", "bad", ""),
    list(range(1000)), [[[[[[1.0]]]]]],
]


def _leaves(value, path=()):
    """Paths to every leaf of a decoded answer (lists, tuples and dict values are walked)."""
    if isinstance(value, (list, tuple)) and value:
        for i, item in enumerate(value):
            yield from _leaves(item, path + (i,))
    elif isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    else:
        yield path


def _replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        value = list(value)
        value[head] = _replace(value[head], rest, new)
        return value
    if isinstance(value, tuple):
        items = list(value)
        items[head] = _replace(items[head], rest, new)
        return tuple(items)
    value = dict(value)
    value[head] = _replace(value[head], rest, new)
    return value


def _scale(value, factor):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value * factor
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value * factor
    if isinstance(value, list):
        return [_scale(v, factor) for v in value]
    if isinstance(value, tuple):
        return tuple(_scale(v, factor) for v in value)
    if isinstance(value, dict):
        return {k: _scale(v, factor) for k, v in value.items()}
    return value


class SolutionRun:
    """The solution notebook run once in this process; each probe then runs in a
    fork of it, as a student's would in a copy of their notebook in the sandbox."""

    def __init__(self, name: str):
        import matplotlib

        matplotlib.use("Agg")
        self.assignment = assignments.get(name)
        self._answers: dict[str, object] = {}
        self.namespace, self.snapshots = self._run()

    def _run(self) -> tuple[dict, dict]:
        """The notebook's namespace after its last cell, and its snapshots."""
        import matplotlib.pyplot as plt

        wanted = getattr(self.assignment.checks(), "SNAPSHOT_AFTER", {})
        namespace, snapshots = {"__name__": "__main__"}, {}
        torch.manual_seed(0)
        for cell in read_source(self.assignment.source_notebook):
            if cell.role in ("answer", "provided"):
                exec(compile(transform_ipython(cell.source), cell.grade_id, "exec"), namespace)
                plt.close("all")
            if cell.grade_id in wanted:
                snapshots[cell.grade_id] = {k: copy.deepcopy(namespace[k]) for k in wanted[cell.grade_id]
                                            if k in namespace}
        return namespace, snapshots

    def answer(self, fn, kwargs: dict):
        """What ``fn`` (a probe) returns on the solution, as it would arrive from a sandbox
        (computed once for each probe and its inputs, in a fork of the notebook's final state)."""
        key = json.dumps([fn.__name__, codec.encode(kwargs, torch=torch)], sort_keys=True)
        if key not in self._answers:
            self._answers[key] = self._in_a_fork(fn, kwargs)
        return codec.decode(self._answers[key], torch=torch)

    def _in_a_fork(self, fn, kwargs):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the copy: run the probe, send its encoded answer, and leave without cleanup
            status = 1
            try:
                os.close(read)
                probe_scope = scope.probe_globals(self.snapshots)
                exec(compile(_source_of(fn), "<probe>", "exec"), probe_scope)
                value = probe_scope[fn.__name__](scope.StudentNamespace(self.namespace), **copy.deepcopy(kwargs))
                with os.fdopen(write, "w") as out:
                    json.dump(codec.encode(value, torch=torch), out)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        with os.fdopen(read) as got:
            text = got.read()
        _, status = os.waitpid(pid, 0)
        assert status == 0 and text, f"the probe {fn.__name__} failed on the solution notebook"
        return json.loads(text)


class HostileNotebook:
    """What a check sees of a notebook whose answers were made hostile by ``spoil``."""

    def __init__(self, run: SolutionRun, spoil):
        self.run, self.spoil = run, spoil
        self.student_id, self.timeout, self.missing, self.patched = "hostile", 10.0, [], set()

    def probe(self, fn, /, *, what, cell=None, reference=(), **kwargs):
        encoded = codec.decode(codec.encode(kwargs, torch=torch), torch=torch)
        return answers.guard(fn, self.spoil(self.run.answer(fn, encoded)), what)

    def probe_each(self, fn, /, *, what, cell=None, reference=(), **kwargs):
        return [("", self.probe(fn, what=what, **kwargs)),
                ("another right way of writing an earlier cell", self.probe(fn, what=what, **kwargs))]

    def snapshot(self, grade_id):
        taken = self.run.snapshots.get(grade_id)
        if taken is None:
            return None
        spoiled = self.spoil(codec.decode(codec.encode(taken, torch=torch), torch=torch))
        return answers.guard_values(spoiled, f"the {grade_id} cell's globals")

    def reference_snapshot(self, grade_id):
        return copy.deepcopy(self.run.snapshots.get(grade_id))

    def cell_problem(self, grade_id):
        return None


def _checks(name: str):
    module = assignments.get(name).checks()
    return [fn for _, fn in sorted(vars(module).items())
            if inspect.isfunction(fn) and fn.__name__.startswith("test_") and hasattr(fn, "pytestmark")]


_RUNS: dict[str, SolutionRun] = {}


def _solution_run(name: str) -> SolutionRun:
    """The solution notebook of ``name``, run once for the whole module."""
    if name not in _RUNS:
        _RUNS[name] = SolutionRun(name)
    return _RUNS[name]


def _failure(name: str, check: str, spoil) -> CheckFailed:
    """The failure the check ``check`` of ``name`` gives on the solution's answers spoiled by ``spoil``."""
    fn = getattr(assignments.get(name).checks(), check)
    with pytest.raises(CheckFailed) as failed:
        fn(HostileNotebook(_solution_run(name), spoil), torch.Generator().manual_seed(SEEDS[0]))
    return failed.value
#: The inputs a check draws come from these seeds (so the solution's answers are computed once each).
SEEDS = (11, 2026, 90210)
CASES = [(name, fn.__name__) for name in assignments.NAMES for fn in _checks(name)]


@pytest.mark.parametrize("name, check", CASES, ids=[f"{a}-{c}" for a, c in CASES])
@settings(max_examples=50, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_answer_makes_a_check_crash(name, check, data):
    run = _solution_run(name)
    fn = getattr(assignments.get(name).checks(), check)
    how = data.draw(st.sampled_from(["leaf", "whole", "huge", "negated", "same"]), label="how")
    hostile = data.draw(st.sampled_from(range(len(HOSTILE))), label="value")
    pick = data.draw(st.integers(0, 10 ** 6), label="leaf")

    def spoil(answer):
        if how == "whole":
            return copy.deepcopy(HOSTILE[hostile])
        if how == "huge":
            return _scale(answer, 1e300)
        if how == "negated":
            return _scale(answer, -1)
        if how == "same":
            return answer
        leaves = list(_leaves(answer))
        return _replace(answer, leaves[pick % len(leaves)], copy.deepcopy(HOSTILE[hostile]))

    gen = torch.Generator().manual_seed(data.draw(st.sampled_from(SEEDS), label="seed"))
    try:
        fn(HostileNotebook(run, spoil), gen)
    except (CheckFailed, StudentProblem):
        pass


#: Values drawn rather than listed: nested lists, tuples and dicts of numbers, text, numpy arrays, complex
#: numbers and tensors of every dtype and of any shape (empty ones included).
_DTYPES = [torch.float16, torch.bfloat16, torch.float64, torch.complex64, torch.int8, torch.uint8, torch.int32, torch.bool]
_TENSORS = st.builds(lambda dtype, shape, v: torch.full(shape, v, dtype=torch.complex64 if dtype.is_complex else
                                                       torch.float64).to(dtype),
                     st.sampled_from(_DTYPES), st.lists(st.integers(0, 3), max_size=4).map(tuple),
                     st.floats(-1e6, 1e6) | st.sampled_from([math.nan, math.inf, -math.inf]))
_LEAVES = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | _TENSORS
           | st.lists(st.floats(), max_size=3).map(np.array) | st.complex_numbers(max_magnitude=1e3))
DRAWN = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                     | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=3), max_leaves=8)


@pytest.mark.parametrize("name, check", CASES, ids=[f"{a}-{c}" for a, c in CASES])
@settings(max_examples=25, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_drawn_value_makes_a_check_crash(name, check, data):
    """The whole answer, or one or two of its values, replaced by values Hypothesis builds."""
    fn = getattr(assignments.get(name).checks(), check)
    how = data.draw(st.sampled_from(["whole", "one", "two"]), label="how")
    first, second = data.draw(DRAWN, label="value"), data.draw(DRAWN, label="second value")
    pick = data.draw(st.integers(0, 10 ** 6), label="leaf")

    def spoil(answer):
        if how == "whole":
            return copy.deepcopy(first)
        answer = _replace(answer, _pick(answer, pick), copy.deepcopy(first))
        return answer if how == "one" else _replace(answer, _pick(answer, 7 * pick + 3), copy.deepcopy(second))

    gen = torch.Generator().manual_seed(data.draw(st.sampled_from(SEEDS), label="seed"))
    try:
        fn(HostileNotebook(_solution_run(name), spoil), gen)
    except (CheckFailed, StudentProblem):
        pass


def _pick(answer, index: int) -> tuple:
    leaves = list(_leaves(answer))
    return leaves[index % len(leaves)]


HONEST_SEEDS = range(100, 125)


@pytest.mark.parametrize("name", assignments.NAMES)
def test_the_solution_passes_every_check_on_many_seeds(name):
    """The inputs a check draws never fail a right answer (the solution's, in a fork of its notebook)."""
    run = _solution_run(name)
    failed = []
    for fn in _checks(name):
        for seed in HONEST_SEEDS:
            try:
                fn(HostileNotebook(run, lambda answer: answer), torch.Generator().manual_seed(seed))
            except (CheckFailed, StudentProblem) as failure:
                failed.append(f"{fn.__name__} (seed {seed}): {failure}")
    assert not failed, "\n".join(failed[:10])


def _costs_replaced(entry):
    """A spoil of train_model's answer: every recorded cost replaced by ``entry``."""
    return lambda answer: dict(answer, losses=[copy.deepcopy(entry) for _ in answer["losses"]])


@pytest.mark.parametrize("name, check, spoil, said", [
    ("training_slope", "test_train_model_costs_follow_gradient_descent", _costs_replaced(math.nan),
     "train_model's cost 0 is nan"),
    ("training_slope_bias", "test_train_model_costs_follow_gradient_descent_on_w_and_b",
     _costs_replaced(["float", math.nan]), "train_model's cost 0 is nan"),
    ("training_slope_bias", "test_train_model_costs_follow_gradient_descent_on_w_and_b",
     _costs_replaced(["str", None]), "train_model's costs hold str values, not numbers"),
], ids=["nan", "nan-with-bias", "text-with-bias"])
def test_costs_that_are_not_numbers_are_called_so(name, check, spoil, said):
    """All-nan costs used to be read as a cost that never changed ("w is not being updated")."""
    failed = str(_failure(name, check, spoil))
    assert said in failed and "never changed" not in failed


def test_a_wrong_point_of_the_path_is_named_by_its_parameter_and_epoch():
    def spoil(answer):
        path = [[list(value) for value in point] for point in answer["path"]]  # [[kind, w], [kind, b]] each
        path[2][1][1] += 1.0  # b after two epochs
        return dict(answer, path=path)

    failed = str(_failure("training_slope_bias", "test_train_model_path_follows_the_updates_of_w_and_b", spoil))
    assert "point 2 of train_model's path has b = " in failed
    assert "after 2 epochs of gradient descent b is" in failed


def _finals_replaced(entry):
    """A spoil of lr_sweep's answers: every final loss replaced by ``entry``."""
    return lambda answers: [dict(a, pairs=[[lr, copy.deepcopy(entry)] for lr, _ in a["pairs"]]) for a in answers]


def _event_values_replaced(entry):
    """A spoil of fit's answers: each value read back from a TensorBoard event file replaced by ``entry``."""
    def spoil(answer):
        if "events" in answer and answer["events"]:
            answer = dict(answer, events=[[tag, step, copy.deepcopy(entry)] for tag, step, _ in answer["events"]])
        return answer
    return spoil


def _every_leaf(entry):
    """A spoil: every leaf of the answer replaced by ``entry``."""
    def spoil(answer):
        for path in list(_leaves(answer)):
            answer = _replace(answer, path, copy.deepcopy(entry))
        return answer
    return spoil


#: Answers Hypothesis once drew that made a check crash (each a separate bug, now fixed), and what the student is told.
ONCE_CRASHED = [
    ("gradient_descent", "test_lr_sweep_gives_inf_for_a_diverging_rate", _finals_replaced(torch.full((3, 1), math.inf)),
     "lr_sweep recorded a tensor of shape (3, 1)"),
    ("gradient_descent", "test_lr_sweep_gives_inf_for_a_diverging_rate", _finals_replaced(np.array([1.0, 2.0])),
     "Record math.inf when the final loss is not finite"),
    ("gradient_descent", "test_lr_sweep_picks_the_rate_with_the_lowest_final_loss",
     lambda answers: [dict(a, pairs=[[lr, 1.0] for lr, _ in a["pairs"]], best=torch.tensor([0.1, 0.2]))
                      for a in answers], "lr_sweep returned best = a tensor of shape (2,)"),
    ("training_slope", "test_criterion_is_mean_squared_error", lambda answer: dict(answer, loss=torch.zeros(0)),
     "criterion should return a single number (a 0-dim tensor), but returned a tensor of shape (0,)"),
    ("training_slope_bias", "test_criterion_is_mean_squared_error", lambda answer: dict(answer, loss=torch.zeros(0)),
     "criterion should return a single number (a 0-dim tensor)"),
    ("gradient_descent", "test_cost_is_the_mean_squared_error", lambda answer: dict(answer, value=torch.zeros(0)),
     "cost returned a tensor of shape (0,) [], no value at all"),
    ("gradient_descent", "test_total_cost_is_the_sum_of_squared_errors",
     lambda answer: dict(answer, value=torch.zeros(0)), "total_cost returned a tensor of shape (0,) [], no value at all"),
    ("prediction", "test_forward_computes_w_times_x_plus_b", _every_leaf((torch.tensor(1 + 1j),)), "1+1j"),
    ("best_practices", "test_to_original_units_gives_the_slope_and_bias_in_the_datas_units",
     _every_leaf(torch.tensor(1 + 1j)), "is tensor(1+1j), expected a number"),
    ("training_slope", "test_plot_loss_returns_the_axes_with_the_cost_per_iteration",
     lambda answer: dict(answer, lines=None, collections=None), "plot_loss"),
    ("best_practices", "test_fit_logs_both_losses_to_the_writer", _event_values_replaced(None),
     "with a real torch.utils.tensorboard.SummaryWriter, the event file fit wrote holds"),
    ("best_practices", "test_to_original_units_gives_the_slope_and_bias_in_the_datas_units", lambda answer: [],
     "came back changed: 1 answer expected"),
    ("best_practices", "test_to_original_units_takes_tensors_and_returns_python_floats",
     lambda answer: list(range(1000)), "came back changed: 2 answers expected"),
]


@pytest.mark.parametrize("name, check, spoil, said", ONCE_CRASHED,
                         ids=[f"{name}-{check}-{i}" for i, (name, check, _, _) in enumerate(ONCE_CRASHED)])
def test_answers_that_once_crashed_a_check_fail_it_with_a_message(name, check, spoil, said):
    assert said in str(_failure(name, check, spoil))


def test_a_repr_sent_back_shows_no_memory_address():
    """A generator's repr holds its address, which changes from one grading to the next."""
    def costs():
        yield 1.0

    encoded = codec.encode({"losses": costs(), "error": ValueError(f"bad {object()!r}")}, torch=torch)
    assert " at 0x" not in json.dumps(encoded)
    assert "generator object" in json.dumps(encoded)
