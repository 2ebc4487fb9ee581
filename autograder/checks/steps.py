"""The checks two labs share: the one place a check is reused from.

`criterion(yhat, y)`, `backward_update(loss, params, lr)` and `zero_grad(params)`
have the same contract in `training_slope` (params = [w]) and
`training_slope_bias` (params = [w, b]). For each, this module draws the inputs
and sends the probe (``*_case``, the probes are in ``autograder/probes/steps.py``)
and judges what came back (``judge_*``); each lab's own ``@cell`` test
functions call them with what that lab trains, its reference and, for
messages, what it calls its second parameter (see ``autograder.checkapi``).
Each check judges one idea: that the cost is the mean squared error, that its
gradient reaches yhat, how far each parameter moved, that it is still the same
leaf tensor, that old gradients are gone, that the parameters themselves are
left alone.
"""

import math

import torch

from autograder.checkapi import (
    all_yes, as_float, as_tensor, close, describe, expect_close, fail, first_difference, is_number, num, nums,
    off_center, rand, randint, ratio, type_word, yes,
)
from autograder.probes import steps as probes


def _values(values, what: str) -> torch.Tensor:
    if not isinstance(values, (list, tuple)):
        fail(f"{what} could not be read back ({describe(values)}).", mistake="broke the probe")
    return torch.tensor([as_float(v, what) for v in values], dtype=torch.float64)


def _where_they_differ(got: torch.Tensor, want: torch.Tensor) -> str:
    found = first_difference(got, want)
    if found is None:
        return ""
    (i,), g, w, _ = found
    shown_g, shown_w = nums(g, w)
    return f" parameter {i} is {shown_g}, expected {shown_w}"


# ----------------------------------------------------------------- criterion


def criterion_case(nb, gen):
    """Off-centre predictions and targets, run through the student's ``criterion``
    (with a decoy global ``Y`` of another length)."""
    n = randint(gen, 6, 19)
    yhat, y = off_center(gen, n), off_center(gen, n)
    got = nb.probe(probes.criterion, what="criterion(yhat, y)", cell="criterion", yhat=yhat, y=y,
                   Y=off_center(gen, n + 2))
    return yhat, y, got


def _is_mse_module(value) -> bool:
    return "MSELoss" in getattr(value, "type_name", "")


def judge_criterion_is_mean_squared_error(case, reference) -> None:
    """The cost is the mean of the squared errors (``reference(yhat, y)``), or the closest known mistake."""
    yhat, y, got = case
    n = yhat.shape[0]
    if _is_mse_module(got["loss"]):
        fail("criterion returned an nn.MSELoss module, not a cost: nn.MSELoss(yhat, y) makes a loss "
             "function (its arguments are options). Call it on the tensors: nn.MSELoss()(yhat, y).",
             mistake="nn.MSELoss(yhat, y)")
    loss = as_tensor(got["loss"], "criterion(yhat, y)")
    err = (yhat - y).double()
    want = reference(yhat.double(), y.double())
    if loss.numel() != 1:
        if loss.shape == err.shape and close(loss, err ** 2):
            fail(f"criterion returned one squared error per sample (shape {tuple(loss.shape)}); "
                 "the cost is their mean, a single number: use torch.mean.", mistake="did not average")
        fail(f"criterion should return a single number (a 0-dim tensor), but returned {describe(loss)}.")
    value = loss.reshape(())
    if close(value, want):
        return
    r = ratio(value, want)
    if abs(r - n) < 1e-3 * n:
        fail(f"criterion returned {r:.4g}x the expected value: sum instead of mean? "
             "The cost is the average of the squared errors.", mistake="sum instead of mean")
    if abs(r - n / (n - 1)) < 1e-4:
        fail("criterion divided by N - 1; the mean squared error divides by N (use torch.mean).",
             mistake="divided by N - 1")
    if abs(r - 0.5) < 1e-4:
        fail("criterion returned half the mean squared error; the course's cost has no factor 1/2.",
             mistake="half the cost")
    if close(value, want.sqrt()):
        fail("criterion returned the square root of the mean squared error (RMSE); "
             "the cost is the mean of the squared errors, with no root.", mistake="square root (RMSE)")
    if close(value, err.abs().mean()):
        fail("criterion averaged absolute errors; the cost squares each error: (yhat - y) ** 2.",
             mistake="absolute errors")
    if close(value, err.mean() ** 2):
        fail("criterion squared the mean error; it should average the squared errors.",
             mistake="squared the mean error")
    shown, expected = nums(float(value), float(want))
    fail(f"criterion(yhat, y) returned {shown}, expected the mean squared error {expected} for these {n} samples.")


def judge_criterion_sends_the_gradient_back(case, reference) -> None:
    """The cost is a tensor autograd can differentiate, and its gradient reaches yhat."""
    yhat, y, got = case
    loss = got["loss"]
    if is_number(loss):
        fail(f"criterion returned {describe(loss)}, a plain number: return the tensor itself "
             "(no .item(), no numpy) so that loss.backward() can compute gradients.", mistake="returned a number")
    if not isinstance(loss, torch.Tensor):
        fail(f"criterion returned {type_word(loss)}, not a tensor autograd can differentiate.")
    if got["grad"] is None:
        fail("criterion's result is not connected to yhat in the autograd graph (detached, or "
             "rebuilt with torch.tensor(...)), so loss.backward() cannot compute gradients.",
             mistake="broke the autograd graph")
    grad = as_tensor(got["grad"], "the gradient criterion sends back to yhat")
    # As for forward: the gradient's value is judged where the cost itself is right.
    real = loss.numel() == 1 and not loss.is_complex()
    if real and close(loss.double().reshape(()), reference(yhat.double(), y.double())):
        n = yhat.shape[0]
        expect_close(grad, 2 * (yhat - y).double() / n, "the gradient criterion sends back to yhat",
                     hint="For the mean squared error it is 2 (yhat - y) / N.")


# ----------------------------------------------------------- backward_update


def update_case(nb, gen, trained: tuple[str, ...]):
    """Three parameters with a known loss, run through the student's
    ``backward_update``, while the notebook's ``trained`` globals hold decoys."""
    k = 3
    values = [float(v) for v in rand(gen, k, low=-4, high=4)]
    targets = [float(v) for v in rand(gen, k, low=-4, high=4)]
    coefs = [float(v) for v in rand(gen, k, low=0.5, high=3.0)]
    lr = float(rand(gen, 1, low=0.02, high=0.2))
    decoys = {name: float(rand(gen, 1)) for name in trained}
    got = nb.probe(probes.backward_update, what="backward_update(loss, params, lr)", cell="backward_update",
                   values=values, targets=targets, coefs=coefs, lr=lr, trained=decoys)
    grads = [2 * c * (v - t) for c, v, t in zip(coefs, values, targets)]
    return values, grads, lr, got


def judge_update_step(case, trained: tuple[str, ...], second: str = "") -> None:
    """Each parameter moved by ``-lr * its own gradient``, or the closest known mistake.
    (Whether they are still the same tensors is the other check's idea: here the
    values params holds afterwards count, whichever tensors they are.)
    ``second``: what the lab's second parameter is (``"b"``), for the messages."""
    values, grads, lr, got = case
    before, g = torch.tensor(values, dtype=torch.float64), torch.tensor(grads, dtype=torch.float64)
    want = before - lr * g
    after = _values(got["values"], "an updated parameter")
    if close(after, want):
        return
    current = got["current"]
    if isinstance(current, list) and len(current) == len(values) and all(
            isinstance(v, torch.Tensor) and v.numel() == 1 for v in current) and close(_values(current, "a parameter"), want):
        return
    if _no_gradient(got["grads"]):
        fail("backward_update did not call loss.backward(), so no gradient was computed and "
             "nothing could be updated.", mistake="forgot loss.backward()")
    if close(after, before):
        if yes(got["globals_changed"]):
            fail(f"backward_update changed the global {' and '.join(trained)} instead of the tensors in params.",
                 mistake="updated the globals, not params")
        fail("backward_update left the parameters unchanged: `p = p - lr * p.grad` only rebinds the "
             "loop variable; update p.data (or use `with torch.no_grad(): p -= lr * p.grad`).",
             mistake="rebound the loop variable")
    if close(after, before + lr * g):
        fail("backward_update moved the parameters up the gradient: gradient descent subtracts, "
             "p - lr * p.grad.", mistake="climbed the gradient")
    if close(after, before - g):
        fail("backward_update ignored the learning rate: the step is lr * p.grad.", mistake="ignored the learning rate")
    if close(after[:1], want[:1]) and close(after[1:], before[1:]):
        fail("backward_update updated only the first parameter (a `return` inside the loop?)"
             + (f": with [w, {second}] {second} would never move." if second else "."),
             mistake="updated only the first parameter")
    if close(after, before - lr * g[0]):
        fail("backward_update used the first parameter's gradient for every parameter"
             + (f" (e.g. updated {second} with w's gradient)" if second else "")
             + "; each parameter must move by its own gradient p.grad.", mistake="used one gradient for all")
    fail(f"backward_update did not take the step p - lr * p.grad (lr = {lr:.4g}):"
         f"{_where_they_differ(after, want)}.")


def _no_gradient(grads) -> bool:
    """No parameter got a gradient (``grads``: each parameter's, as the probe read it)."""
    return isinstance(grads, list) and all(x is None for x in grads)


def judge_update_keeps_leaves(case) -> None:
    """The tensors in params are the same leaf tensors afterwards, still requiring grad."""
    got = case[3]
    if _no_gradient(got["grads"]) and close(_values(got["values"], "a parameter"),
                                                      torch.tensor(case[0], dtype=torch.float64)):
        fail("backward_update did nothing: no gradient was computed and no parameter moved.",
             mistake="did nothing")
    if not yes(got["same_objects"]):
        fail("after backward_update, params no longer holds the tensors it was given: update them "
             "in place (p.data = ...) instead of replacing them.", mistake="replaced the tensors in params")
    if not all_yes(got["leaf"], len(case[0])) or not all_yes(got["requires_grad"], len(case[0])):
        fail("after backward_update a parameter is no longer a leaf tensor that requires grad: "
             "the update must not be recorded by autograd (use p.data or torch.no_grad()).",
             mistake="update recorded by autograd")


# ---------------------------------------------------------------- zero_grad


def zero_case(nb, gen):
    """Three parameters with gradients, cleared by the student's ``zero_grad``, then a second backward()."""
    values = [float(v) for v in rand(gen, 3, low=0.5, high=3.0)]
    coefs = [float(v) for v in rand(gen, 3, low=0.5, high=2.0)]
    coefs2 = [float(v) for v in rand(gen, 3, low=0.5, high=2.0)]
    got = nb.probe(probes.zero_grad, what="zero_grad(params)", cell="zero_grad",
                   values=values, coefs=coefs, coefs2=coefs2)
    return values, coefs, coefs2, got


def _gradients(values) -> torch.Tensor:
    if not isinstance(values, list):
        fail(f"the gradients could not be read back ({describe(values)}).", mistake="broke the probe")
    return torch.tensor([as_float(g, "a gradient") if g is not None else float("nan") for g in values],
                        dtype=torch.float64)


def judge_zero_stops_accumulating(case, second: str = "") -> None:
    """After zero_grad, the next backward() leaves only the new gradients."""
    values, coefs, coefs2, got = case
    fresh = torch.tensor([3 * c * v ** 2 for c, v in zip(coefs2, values)], dtype=torch.float64)
    old = torch.tensor([2 * c * v for c, v in zip(coefs, values)], dtype=torch.float64)
    got_second = _gradients(got["second"])
    if close(got_second, fresh):
        return
    if close(got_second[:1], fresh[:1]) and close(got_second[1:], fresh[1:] + old[1:]):
        fail("zero_grad cleared only the first parameter's gradient; the others"
             + (f" ({second} in training)" if second else "")
             + " kept accumulating: clear p.grad for every p in params.", mistake="cleared only the first gradient")
    if close(got_second, fresh + old):
        fail("after zero_grad the next backward() added to the old gradients: zero_grad must clear "
             "every p.grad (p.grad.zero_() or p.grad = None).", mistake="gradients kept accumulating")
    fail(f"after zero_grad and a new backward(), the gradients are not the new ones:{_where_they_differ(got_second, fresh)}.")


def judge_zero_clears_and_keeps(case) -> None:
    """It clears gradients (at least one: clearing all of them is the other check's
    idea) and leaves the parameters themselves alone."""
    values, _, _, got = case
    kept = _values(got["values"], "a parameter")
    if not close(kept, torch.tensor(values, dtype=torch.float64)):
        fail("zero_grad changed the parameters themselves (p.data.zero_()?); it must clear the "
             "gradients p.grad and leave the parameters alone.", mistake="zeroed the parameters")
    cleared = got["cleared"]
    if isinstance(cleared, list) and cleared and all(
            isinstance(g, torch.Tensor) and bool((g != 0).any()) for g in cleared):
        fail("zero_grad cleared no gradient at all: set p.grad to zero (p.grad.zero_()) or to None "
             "for every p in params.", mistake="did nothing")


# ---------------------------------------------------------------- converged


def fail_if_the_data_changed(got: dict, reference: dict, cell: str) -> None:
    """After a lab's training cell: say so when the student's code replaced or
    changed the data ``X`` and ``Y`` the provided cells made."""
    for name in ("X", "Y"):
        mine, theirs = got.get(name), reference.get(name)
        if not isinstance(mine, torch.Tensor) or not close(mine, theirs):
            fail(f"after {cell} the data {name} is not what the provided cells made ({describe(mine)}): "
                 "training must read X and Y, never replace or change them.", mistake="changed the data")


def converged(value: dict[str, float], want: dict[str, float]) -> bool:
    """Whether training ended where the reference's did: within 0.001 plus 0.1% of each parameter."""
    return all(abs(value[name] - target) <= 1e-3 + 1e-3 * abs(target) for name, target in want.items())


def fail_training_ended_elsewhere(cell: str, params: str, value: dict[str, float], want: dict[str, float],
                                  start: dict[str, float], cells: str) -> None:
    """The last word of a lab's converged check, once the data and the start are ruled out:
    where the student's training ended against the reference's, and which cells decide it.
    ``params`` names what it trains ("slope"), ``start`` holds the parameters training starts
    from, ``cells`` the answer cells every step runs. Training that ends farther from the
    reference's end than it started (or at no number at all) diverged."""
    def shown(values: dict[str, float]) -> str:
        return ", ".join(f"{name} = {v:.5g}" for name, v in values.items())

    def away(values: dict[str, float]) -> float:
        return math.dist([values[name] for name in want], list(want.values()))

    mine = f"your {params} {'is' if len(value) == 1 else 'are'} {shown(value)}"
    if not all(math.isfinite(v) for v in value.values()) or away(value) > away(start):
        fail(f"after {cell} {mine}: training diverged. From {shown(start)} it should end at {shown(want)}, but it "
             "ended farther away than it started, so its steps made the cost grow instead of fall: an update that "
             "climbs the gradient, or steps that are too long (a cost summed instead of averaged makes every gradient "
             f"as many times larger as there are points). A check of {cells} above that fails says which cell to "
             "fix.", mistake="training diverged")
    fail(f"after {cell} {mine}; from {shown(start)} on the notebook's data, training should end at {shown(want)} "
         "(to within 0.001 and 0.1%: ending near the true line is not enough). Every step decides where it ends: "
         "the cost of all the points, one update of each parameter against its gradient with the learning rate "
         "given, the gradients cleared, and every iteration run (no early stop). A check of "
         f"{cells} above that fails says which cell differs.", mistake="training ended elsewhere")


def fail_if_the_first_cost_is_off(values: torch.Tensor, want: torch.Tensor, params: str, under: str, **tol) -> None:
    """train_model's first cost is the cost of the starting ``params`` on all the data, whatever its steps
    do: when it is not, the cost was computed on something else (some of the points, other data)."""
    if len(values) and len(want) and not close(values[:1], want[:1], **tol):
        shown_g, shown_w = nums(float(values[0]), float(want[0]))
        fail(f"train_model's first cost is {shown_g}, but the cost of the starting {params} on all of X and Y is "
             f"{shown_w}: compute the cost of the whole data set, criterion(forward(X), Y), at every step, "
             f"not of some of the points{under}.", mistake="cost not of all the data")


def fail_if_a_cost_is_not_a_number(values: torch.Tensor, under: str) -> None:
    """train_model's costs are numbers at every step (the probe runs it with the reference cells, on
    steps that never diverge): a nan or infinite cost is a bug of its own, named as such."""
    bad = [i for i, v in enumerate(values.tolist()) if not math.isfinite(v)]
    if bad:
        fail(f"train_model's cost {bad[0]} is {num(float(values[bad[0]]))}"
             + (f" ({len(bad) - 1} more are not numbers either)" if len(bad) > 1 else "")
             + ": record loss.item() of criterion(forward(X), Y), a Python float, at every step"
             f"{under}.", mistake="costs are not numbers")
