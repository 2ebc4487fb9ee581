"""Hidden checks of the `training_slope` lab: one slope, autograd, a manual update.

Probes (the ``_probe_*`` functions) run inside the student's sandboxed process
and only collect values; every verdict is made here, against `solutions/`.
"""

import torch

from autograder.checking import (
    as_tensor, cell, close, describe, expect_close, fail, rand, randint, ratio,
)
from autograder.probes import training_slope as probes
from autograder.checks import steps
from solutions import bind
from solutions import training_slope as ref

#: Globals copied aside right after these provided cells ran (checks read them with
#: nb.snapshot(grade_id); probes as SNAPSHOTS[grade_id]).
SNAPSHOT_AFTER = {"run_training": ["w", "X", "Y", "LOSS"]}
EARLIER = ("forward", "criterion", "backward_update", "zero_grad")


def _slope(gen) -> float:
    """A slope far from 0 and from the notebook's -10 and -3."""
    value = float(rand(gen, 1, low=1.5, high=6.0))
    return value if randint(gen, 0, 1) else -value


# ------------------------------------------------------------------- forward


def _forward_case(nb, gen):
    w, n = _slope(gen), randint(gen, 5, 17)
    x, X = rand(gen, n, 1), rand(gen, n + 3, 1)
    got = nb.probe(probes.forward, what="forward(x)", cell="forward", w=w, x=x, X=X)
    return w, x, X, got


@cell("test_forward")
def test_forward_computes_slope_times_input(nb, gen):
    w, x, X, got = _forward_case(nb, gen)
    out = as_tensor(got["out"], "forward(x)")
    want = w * x
    if close(out, want):
        return
    if out.shape == X.shape and close(out, w * X):
        fail("forward(x) used the global X instead of its argument x: compute the prediction from x.")
    if out.shape == x.shape and close(out, -10.0 * x):
        fail("forward(x) multiplied by -10, the starting value, instead of reading the current slope w.")
    if out.shape == x.shape and close(out, x):
        fail("forward(x) returned x unchanged: the prediction is the slope times the input, w * x.")
    if out.numel() == want.numel() and close(out.reshape(want.shape), want):
        fail(f"forward(x) has the right values but shape {tuple(out.shape)}; for x of shape "
             f"{tuple(x.shape)} it should keep the shape (N, 1), one prediction per row.")
    expect_close(out, want, "forward(x)", hint=f"With w = {w:.4g}, forward(x) should be w * x.")


@cell("test_forward")
def test_forward_lets_the_gradient_reach_w(nb, gen):
    w, x, X, got = _forward_case(nb, gen)
    as_tensor(got["out"], "forward(x)")
    if got["w_grad"] is None:
        fail("forward(x) is not connected to w in the autograd graph (w.item(), w.data or "
             "w.detach() breaks it), so loss.backward() could not compute w.grad.")
    expect_close(got["w_grad"], x.sum(), "d(sum of forward(x))/dw",
                 hint="The derivative of w * x with respect to w is x.")


# ----------------------------------------------------------------- criterion


def _criterion_case(nb, gen):
    n = randint(gen, 6, 19)
    yhat, y = rand(gen, n, 1), rand(gen, n, 1)
    got = nb.probe(probes.criterion, what="criterion(yhat, y)", cell="criterion", yhat=yhat, y=y,
                   Y=rand(gen, n + 2, 1))
    return yhat, y, got


@cell("test_criterion")
def test_criterion_is_mean_squared_error(nb, gen):
    yhat, y, got = _criterion_case(nb, gen)
    n = yhat.shape[0]
    loss = as_tensor(got["loss"], "criterion(yhat, y)")
    err = (yhat - y).double()
    want = ref.criterion(yhat.double(), y.double())
    if loss.numel() > 1:
        if loss.shape == err.shape and close(loss, err ** 2):
            fail(f"criterion returned one squared error per sample (shape {tuple(loss.shape)}); "
                 "the cost is their mean, a single number: use torch.mean.")
        fail(f"criterion should return a single number (a 0-dim tensor), but returned {describe(loss)}.")
    value = loss.reshape(())
    if close(value, want):
        return
    r = ratio(value, want)
    if abs(r - n) < 1e-3 * n:
        fail(f"criterion returned {r:.3g}x the expected value: sum instead of mean? "
             "The cost is the average of the squared errors.")
    if abs(r - n / (n - 1)) < 1e-4:
        fail("criterion divided by N - 1; the mean squared error divides by N (use torch.mean).")
    if abs(r - 0.5) < 1e-4:
        fail("criterion returned half the mean squared error; the course's cost has no factor 1/2.")
    if close(value, want.sqrt()):
        fail("criterion returned the square root of the mean squared error (RMSE); "
             "the cost is the mean of the squared errors, with no root.")
    if close(value, err.abs().mean()):
        fail("criterion averaged absolute errors; the cost squares each error: (yhat - y) ** 2.")
    if close(value, err.mean() ** 2):
        fail("criterion squared the mean error; it should average the squared errors.")
    fail(f"criterion(yhat, y) returned {describe(value)}, expected the mean squared error "
         f"{describe(want)} for these {n} samples.")


@cell("test_criterion")
def test_criterion_sends_the_gradient_back_to_yhat(nb, gen):
    yhat, y, got = _criterion_case(nb, gen)
    loss = got["loss"]
    if not isinstance(loss, torch.Tensor):
        fail(f"criterion returned {describe(loss)}, a plain number: return the tensor itself "
             "(no .item(), no numpy) so that loss.backward() can compute gradients.")
    if got["grad"] is None:
        fail("criterion's result is not connected to yhat in the autograd graph (detached, or "
             "rebuilt with torch.tensor(...)), so loss.backward() cannot compute gradients.")
    n = yhat.shape[0]
    expect_close(got["grad"], 2 * (yhat - y) / n, "the gradient criterion sends back to yhat",
                 hint="For the mean squared error it is 2 (yhat - y) / N.")


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
def test_zero_grad_clears_every_gradient_and_keeps_the_parameters(nb, gen):
    steps.judge_zero_clears_and_keeps(steps.zero_case(nb, gen))


# -------------------------------------------------------------- train_model


def _train_case(nb, gen):
    n = randint(gen, 12, 30)
    X = torch.linspace(-3, 3, n).view(-1, 1)
    Y = _slope(gen) * X + 0.1 * torch.randn(X.shape, generator=gen)
    w0, n_iter = float(rand(gen, 1, low=-8, high=8)), randint(gen, 4, 9)
    lr = float(rand(gen, 1, low=0.02, high=0.08))
    got = nb.probe(probes.train_model, what="train_model(n_iter, lr)", cell="train_model",
                   reference=EARLIER, w0=w0, X=X, Y=Y, n_iter=n_iter, lr=lr)
    run = bind(ref, w=torch.tensor(w0, requires_grad=True), X=X, Y=Y)
    want = run.train_model(n_iter, lr)
    return got, want, float(run.globals["w"]), (w0, X, Y, n_iter, lr)


def _accumulating_run(w0, X, Y, n_iter, lr):
    """Training where gradients are never cleared: a common mistake."""
    w = torch.tensor(w0, requires_grad=True)
    losses = []
    for _ in range(n_iter):
        loss = torch.mean((w * X - Y) ** 2)
        loss.backward()
        w.data = w.data - lr * w.grad
        losses.append(loss.item())
    return losses


@cell("test_train_model")
def test_train_model_returns_one_float_cost_per_iteration(nb, gen):
    got, want, _, _ = _train_case(nb, gen)
    losses = got["losses"]
    if not isinstance(losses, list):
        fail(f"train_model returned {describe(losses)}; it should return the list of costs.")
    if got["types"] and any(t == "Tensor" for t in got["types"]):
        fail("train_model stored loss tensors in the list: append loss.item(), a Python float "
             "(a stored tensor keeps its whole autograd graph alive).")
    if not all(got["is_float"]):
        fail(f"train_model's list holds {sorted(set(got['types']))}; every cost should be a Python float "
             "(loss.item()).")
    if len(losses) != len(want):
        fail(f"train_model({len(want)}, lr) returned {len(losses)} costs; it should record one cost per "
             f"iteration, {len(want)} in all.")


@cell("test_train_model")
def test_train_model_costs_follow_gradient_descent(nb, gen):
    got, want, _, case = _train_case(nb, gen)
    losses = got["losses"]
    if not isinstance(losses, list) or not got["is_float"] or len(losses) != len(want):
        values = [float(v) for v in losses] if isinstance(losses, list) and all(
            isinstance(v, (float, int, torch.Tensor)) and (not isinstance(v, torch.Tensor) or v.numel() == 1)
            for v in losses) else None
        if values is None or len(values) != len(want):
            fail("train_model did not return one cost per iteration, so its costs could not be compared.")
        losses = values
    got_t = torch.tensor(losses, dtype=torch.float64)
    want_t = torch.tensor(want, dtype=torch.float64)
    if close(got_t, want_t, rtol=1e-4, atol=1e-5):
        return
    if close(got_t, torch.tensor(_accumulating_run(*case), dtype=torch.float64), rtol=1e-4, atol=1e-5):
        fail("train_model's costs match a run whose gradients are never cleared: call zero_grad "
             "after every update so the gradients do not accumulate.")
    if len(want) > 1 and close(got_t[:-1], want_t[1:], rtol=1e-4, atol=1e-5):
        fail("train_model recorded each cost after the update; record the cost computed in the "
             "iteration, before w moves.")
    if close(got_t, torch.full_like(got_t, float(got_t[0]))):
        fail("train_model's cost never changed: w is not being updated (call backward_update with [w]).")
    fail(f"train_model's costs were {describe(got_t)}, expected {describe(want_t)} "
         "(forward, criterion, backward_update and zero_grad once per iteration).")


@cell("test_train_model")
def test_train_model_moves_the_global_slope(nb, gen):
    got, _, w_want, _ = _train_case(nb, gen)
    w = got["w"]
    if not isinstance(w, torch.Tensor):
        fail(f"after train_model the global w is {describe(w)}, no longer a tensor.")
    expect_close(w.reshape(()), w_want, "the global w after train_model", rtol=1e-4, atol=1e-5,
                 hint="train_model should update the global slope w in place, once per iteration.")


# ---------------------------------------------------------------- plot_loss


def _plot_case(nb, gen):
    n = randint(gen, 5, 12)
    losses = sorted((float(v) for v in rand(gen, n, low=0.1, high=50.0)), reverse=True)
    got = nb.probe(probes.plot_loss, what="plot_loss(losses)", cell="plot_loss", losses=losses)
    if not got.get("is_axes"):
        fail(f"plot_loss returned a {got.get('type', '?')}; it should return the matplotlib Axes it drew on "
             "(e.g. `fig, ax = plt.subplots()` ... `return ax`).")
    return losses, got


@cell("test_plot_loss")
def test_plot_loss_draws_the_cost_per_iteration(nb, gen):
    losses, got = _plot_case(nb, gen)
    want = torch.tensor(losses, dtype=torch.float64)
    series = [line["y"] for line in got["lines"]]
    series += [[p[1] for p in c["offsets"]] for c in got["collections"] if c.get("offsets")]
    if any(len(s) == len(losses) and close(torch.tensor(s, dtype=torch.float64), want) for s in series):
        return
    if not series:
        fail("plot_loss drew nothing on the Axes it returned.")
    fail("none of the lines plot_loss drew has the costs it was given as its y values "
         "(plot the cost against the iteration number).")


@cell("test_plot_loss")
def test_plot_loss_labels_both_axes(nb, gen):
    _, got = _plot_case(nb, gen)
    missing = [axis for axis in ("x", "y") if not str(got[f"{axis}label"]).strip()]
    if missing:
        fail(f"plot_loss did not label the {' and '.join(missing)} axis: use ax.set_xlabel('iteration') "
             "and ax.set_ylabel('cost').")


# ---------------------------------------------------------------- converged


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
    want = float(want_run["w"])
    value = float(w.reshape(()))
    if abs(value - want) <= 1e-3 + 1e-3 * abs(want):
        return
    steps.fail_if_the_data_changed(got, want_run, "`LOSS = train_model(30, 0.1)`")
    if abs(value + 10.0) < 1e-6:
        fail("after `LOSS = train_model(30, 0.1)` w is still -10: training did not update the global w.")
    fail(f"after `LOSS = train_model(30, 0.1)` your slope is w = {value:.5g}; training from w = -10 on "
         f"the notebook's data should reach w = {want:.5g} (close to the true slope -3).")
