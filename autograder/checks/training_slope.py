"""Hidden checks of the `training_slope` lab: one slope, autograd, a manual update.

Each check judges one idea, so that one misunderstanding costs one check. The
probes (``autograder/probes/training_slope.py``) only collect values in the
student's process; every verdict is made here, against `solutions/`, on inputs
drawn fresh for every student: off-centre data (never symmetric around 0),
slopes away from 0, 1 and the notebook's own numbers.
"""

import torch

from autograder.checkapi import (
    as_float, as_tensor, cell, close, describe, expect_close, fail, is_number, off_center,
    python_floats, randint, signed, type_word, yes,
)
from autograder.checkapi import steps
from autograder.probes import training_slope as probes
from solutions import bind
from solutions import training_slope as ref

#: Where this assignment comes in the module (SPEC §1's order): `assignments.NAMES` is read from it.
TEACHING_ORDER = 3

#: Globals copied aside right after these provided cells ran (checks read them with
#: nb.snapshot(grade_id); probes as SNAPSHOTS[grade_id]).
SNAPSHOT_AFTER = {"run_training": ["w", "X", "Y", "LOSS"]}
EARLIER = ("forward", "criterion", "backward_update", "zero_grad")


def _slope(gen) -> float:
    """A slope away from 0 and 1 and from the notebook's -10 and -3."""
    return signed(gen, 1.5, 6.0)


# ------------------------------------------------------------------- forward


def _forward_case(nb, gen):
    w, n = _slope(gen), randint(gen, 5, 17)
    x, X = off_center(gen, n), off_center(gen, n + 3)
    got = nb.probe(probes.forward, what="forward(x)", cell="forward", w=w, x=x, X=X)
    return w, x, X, got


@cell("test_forward")
def test_forward_computes_slope_times_input(nb, gen):
    w, x, X, got = _forward_case(nb, gen)
    out = as_tensor(got["out"], "forward(x)")
    want = w * x.double()
    if close(out, want):
        return
    if out.shape == X.shape and close(out, w * X.double()):
        fail("forward(x) used the global X instead of its argument x: compute the prediction from x.",
             mistake="used the global X")
    if out.shape == x.shape and close(out, -10.0 * x.double()):
        fail("forward(x) multiplied by -10, the starting value, instead of reading the current slope w.",
             mistake="hard-coded the slope")
    if out.shape == x.shape and close(out, x.double()):
        fail("forward(x) returned x unchanged: the prediction is the slope times the input, w * x.",
             mistake="forgot the slope")
    if out.numel() == want.numel() and close(out.reshape(want.shape), want):
        fail(f"forward(x) has the right values but shape {tuple(out.shape)}; for x of shape "
             f"{tuple(x.shape)} it should keep the shape (N, 1), one prediction per row.", mistake="lost the column shape")
    expect_close(out, want, "forward(x)", hint=f"With w = {w:.4g}, forward(x) should be w * x.")


@cell("test_forward")
def test_forward_lets_the_gradient_reach_w(nb, gen):
    w, x, _, got = _forward_case(nb, gen)
    if got["w_grad"] is None:
        fail("forward(x) is not connected to w in the autograd graph (w.item(), w.data or "
             "w.detach() breaks it), so loss.backward() could not compute w.grad.", mistake="broke the autograd graph")
    grad = as_tensor(got["w_grad"], "w.grad after backward()")
    # The gradient's value is judged only where the prediction itself is right:
    # a wrong prediction is the other check's business.
    if close(as_tensor(got["out"], "forward(x)"), w * x.double()):
        expect_close(grad.reshape(-1)[:1].reshape(()) if grad.numel() == 1 else grad, x.double().sum(),
                     "d(sum of forward(x))/dw", hint="The derivative of w * x with respect to w is x.")


# ----------------------------------------------------------------- criterion
# The same cost as in every lab that trains by hand: see autograder/checks/steps.py.


@cell("test_criterion")
def test_criterion_is_mean_squared_error(nb, gen):
    steps.judge_criterion_is_mean_squared_error(steps.criterion_case(nb, gen), ref.criterion)


@cell("test_criterion")
def test_criterion_sends_the_gradient_back_to_yhat(nb, gen):
    steps.judge_criterion_sends_the_gradient_back(steps.criterion_case(nb, gen), ref.criterion)


# ------------------------------------------------- backward_update, zero_grad
# The same step as in every lab that trains by hand: see autograder/checks/steps.py.

TRAINED = ("w",)


@cell("test_backward_update")
def test_backward_update_steps_each_parameter_against_its_gradient(nb, gen):
    steps.judge_update_step(steps.update_case(nb, gen, TRAINED), TRAINED)


@cell("test_backward_update")
def test_backward_update_keeps_the_same_leaf_tensors(nb, gen):
    steps.judge_update_keeps_leaves(steps.update_case(nb, gen, TRAINED))


@cell("test_zero_grad")
def test_zero_grad_stops_gradients_accumulating(nb, gen):
    steps.judge_zero_stops_accumulating(steps.zero_case(nb, gen))


@cell("test_zero_grad")
def test_zero_grad_clears_gradients_and_leaves_the_parameters_alone(nb, gen):
    steps.judge_zero_clears_and_keeps(steps.zero_case(nb, gen))


# -------------------------------------------------------------- train_model


def _train_case(nb, gen):
    """A training run of the student's train_model with the reference earlier cells,
    on off-centre data. (It records only Python floats, so how the earlier cells
    update the slope cannot change what it returns: one run, not one per variant.)"""
    n = randint(gen, 12, 30)
    X = off_center(gen, n, 3.0)
    Y = _slope(gen) * X + 0.1 * torch.randn(X.shape, generator=gen)
    w0, n_iter = signed(gen, 2.0, 8.0), randint(gen, 4, 9)
    lr = float(0.3 + 0.5 * torch.rand(1, generator=gen)) / (2 * float((X ** 2).mean()))
    got = nb.probe(probes.train_model, what="train_model(n_iter, lr)", cell="train_model",
                   reference=EARLIER, w0=w0, X=X, Y=Y, n_iter=n_iter, lr=lr)
    return [("", got)], (w0, X, Y, n_iter, lr)


def _reference(case, iterations: int) -> tuple[list[float], float]:
    w0, X, Y, _, lr = case
    run = bind(ref, w=torch.tensor(w0, dtype=torch.float64, requires_grad=True), X=X.double(), Y=Y.double())
    losses = run.train_model(iterations, lr)
    return losses, float(run.globals["w"].detach())


def _accumulating_run(w0, X, Y, n_iter, lr) -> list[float]:
    """Training where gradients are never cleared: a common mistake."""
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(n_iter):
        loss = torch.mean((w * X.double() - Y.double()) ** 2)
        loss.backward()
        w.data = w.data - lr * w.grad
        losses.append(loss.item())
    return losses


#: What a generator train_model (one that yields its costs) is told, by every check it fails.
GENERATOR = ("train_model is a generator function (it uses yield), so calling it runs none of its body and w "
             "never moves: append each cost to a list and return the list.")


def _costs(got, what: str = "train_model") -> list:
    losses = got["losses"]
    if type_word(losses) == "a generator":
        fail(GENERATOR, mistake="wrote a generator")
    if not isinstance(losses, (list, tuple)):
        fail(f"{what} returned {describe(losses)}; it should return the list of costs, one per iteration.",
             mistake="did not return the list of costs")
    return losses


def _under(how: str) -> str:
    return f" (with {how}, which is also right)" if how else ""


@cell("test_train_model")
def test_train_model_returns_one_float_cost_per_iteration(nb, gen):
    runs, case = _train_case(nb, gen)
    losses = _costs(runs[0][1])
    n_iter = case[3]
    python_floats(losses, "train_model's costs", hint="append loss.item(), a Python float.")
    if len(losses) != n_iter:
        fail(f"train_model({n_iter}, lr) returned {len(losses)} costs; it should record one cost per "
             f"iteration, {n_iter} in all.", mistake="wrong number of iterations")


@cell("test_train_model")
def test_train_model_costs_follow_gradient_descent(nb, gen):
    runs, case = _train_case(nb, gen)
    for how, got in runs:
        losses = _costs(got)
        # The costs it recorded are judged as far as they go (how many there are is the other check's).
        count = min(len(losses), case[3] + 1)
        values = torch.tensor([as_float(v, f"train_model's cost {i}") for i, v in enumerate(losses[:count])],
                              dtype=torch.float64)
        want = torch.tensor(_reference(case, len(values))[0], dtype=torch.float64)
        if close(values, want, rtol=1e-4, atol=1e-5):
            continue
        if len(values) and close(values, torch.tensor(_accumulating_run(*case[:3], len(values), case[4]),
                                                      dtype=torch.float64), rtol=1e-4, atol=1e-5):
            fail("train_model's costs match a run whose gradients are never cleared: call zero_grad "
                 f"after every update so the gradients do not accumulate{_under(how)}.", mistake="never cleared gradients")
        after, _ = _reference(case, len(values) + 1)
        if len(values) > 1 and close(values, torch.tensor(after[1:], dtype=torch.float64), rtol=1e-4, atol=1e-5):
            fail("train_model recorded each cost after the update; record the cost computed in the "
                 f"iteration, before w moves{_under(how)}.", mistake="recorded the cost after the update")
        steps.fail_if_a_cost_is_not_a_number(values, _under(how))
        if len(values) > 1 and close(values, torch.full_like(values, float(values[0]))):
            fail(f"train_model's cost never changed: w is not being updated (call backward_update with [w]){_under(how)}.",
                 mistake="never updated w")
        steps.fail_if_the_first_cost_is_off(values, want, "slope", _under(how), rtol=1e-4, atol=1e-5)
        expect_close(values, want, "train_model's costs", rtol=1e-4, atol=1e-5,
                     hint="The first cost is right, so the steps after it are not gradient descent's: at every "
                          "iteration one backward_update on the cost of all the points, with the lr train_model "
                          f"was given, then zero_grad{_under(how)}.")


@cell("test_train_model")
def test_train_model_trains_the_global_slope(nb, gen):
    runs, case = _train_case(nb, gen)
    for how, got in runs:
        w = got["w"]
        if not isinstance(w, torch.Tensor) or w.numel() != 1:
            fail(f"after train_model the global w is {describe(w)}, no longer a one-element tensor: update "
                 "it in place (backward_update does), never assign a new value to it.", mistake="replaced w")
        value = float(w.reshape(()))
        if abs(value - case[0]) < 1e-9 and case[3] > 0:
            if type_word(got["losses"]) == "a generator":
                fail(GENERATOR, mistake="wrote a generator")
            fail(f"train_model did not move the global w (still {case[0]:.4g}): train the global slope, "
                 f"passing [w] to backward_update and zero_grad{_under(how)}.", mistake="did not train the global w")
        # Where the costs are right, the slope must be where those iterations lead.
        losses = got["losses"]
        if isinstance(losses, (list, tuple)) and losses and all(is_number(v) or isinstance(v, torch.Tensor)
                                                                and v.numel() == 1 for v in losses):
            want_costs, want_w = _reference(case, len(losses))
            values = torch.tensor([as_float(v, "a cost") for v in losses], dtype=torch.float64)
            if close(values, torch.tensor(want_costs, dtype=torch.float64), rtol=1e-4, atol=1e-5):
                expect_close(value, want_w, "the global w after train_model", rtol=1e-4, atol=1e-5,
                             hint=f"After {len(losses)} iterations the slope should be there{_under(how)}.")


# ---------------------------------------------------------------- plot_loss


def _plot_case(nb, gen):
    n = randint(gen, 5, 12)
    losses = sorted((float(v) for v in 0.1 + 49.9 * torch.rand(n, generator=gen)), reverse=True)
    got = nb.probe(probes.plot_loss, what="plot_loss(losses)", cell="plot_loss", losses=losses)
    return losses, got


def _listed(value) -> list:
    """What the probe read off the Axes as a list (anything else came back changed: nothing was read)."""
    return value if isinstance(value, list) else []


@cell("test_plot_loss")
def test_plot_loss_returns_the_axes_with_the_cost_per_iteration(nb, gen):
    losses, got = _plot_case(nb, gen)
    returned = got.text("returned")
    if returned == "figure":
        fail("plot_loss returned the Figure; return the Axes it drew on (`fig, ax = plt.subplots()` ... "
             "`return ax`, or plt.gca()).", mistake="returned the Figure")
    if returned != "axes":
        fail(f"plot_loss returned {returned}; it should return the matplotlib Axes it drew on "
             "(e.g. `fig, ax = plt.subplots()` ... `return ax`).", mistake="did not return the Axes")
    if yes(got["stale"]):
        fail("plot_loss returned an Axes made before it was called (a global ax from an earlier cell?): "
             "make a new one with `fig, ax = plt.subplots()`.", mistake="drew on an old Axes")
    want = torch.tensor(losses, dtype=torch.float64)
    series = [line["y"] for line in _listed(got["lines"]) if isinstance(line, dict) and isinstance(line["y"], list)]
    series += [[p[1] for p in c["offsets"] if isinstance(p, list) and len(p) == 2] for c in _listed(got["collections"])
               if isinstance(c, dict) and isinstance(c["offsets"], list)]
    if any(len(s) == len(losses) and close(torch.tensor([as_float(v, "a plotted value") for v in s],
                                                        dtype=torch.float64), want) for s in series):
        return
    if not series:
        fail("plot_loss drew nothing on the Axes it returned.", mistake="drew nothing")
    fail("none of the lines plot_loss drew has the costs it was given as its y values "
         "(plot the cost against the iteration number).", mistake="did not plot the costs")


@cell("test_plot_loss")
def test_plot_loss_labels_both_axes(nb, gen):
    _, got = _plot_case(nb, gen)
    if not yes(got["is_axes"]):
        fail("plot_loss drew no Axes, so there are no axis labels to read.", mistake="drew nothing")
    missing = [axis for axis in ("x", "y") if not str(got[f"{axis}label"]).strip()]
    if missing:
        fail(f"plot_loss did not label the {' and '.join(missing)} axis: use ax.set_xlabel('iteration') "
             "and ax.set_ylabel('cost').", mistake="no axis labels")


# ---------------------------------------------------------------- converged


#: Where the notebook's `run_training` cell starts the slope.
START = {"w": -10.0}


@cell("test_converged", points=2)
def test_converged_slope_matches_reference_training(nb, gen):
    got = nb.snapshot("run_training")
    if got is None:
        fail("the cell that runs `LOSS = train_model(30, 0.1)` did not run, so there is no trained slope.")
    w = got.get("w")
    if not isinstance(w, torch.Tensor) or w.numel() != 1:
        fail(f"after `LOSS = train_model(30, 0.1)` the global w is {describe(w)}, not a one-element tensor.")
    # The reference is the solution notebook's own run, on the data the provided cells make.
    want_run = nb.reference_snapshot("run_training")
    want = float(want_run["w"].detach())
    value = float(w.reshape(()))
    if steps.converged({"w": value}, {"w": want}):
        return
    steps.fail_if_the_data_changed(got, want_run, "`LOSS = train_model(30, 0.1)`")
    if abs(value - START["w"]) < 1e-6:
        fail("after `LOSS = train_model(30, 0.1)` w is still -10: training did not update the global w.",
             mistake="did not train the global w")
    steps.fail_training_ended_elsewhere("`LOSS = train_model(30, 0.1)`", "slope", {"w": value}, {"w": want},
                                        START, "forward, criterion, backward_update, zero_grad and train_model")
