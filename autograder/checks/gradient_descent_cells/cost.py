"""Hidden checks of the `gradient_descent` lab: its `cost` cell.

Gathered, in the order they run, by ``autograder/checks/gradient_descent.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import as_tensor, cell, close, describe, expect_close, fail, is_number, ratio, type_word
from autograder.checks.gradient_descent_cells.common import _data, _value
from autograder.probes import gradient_descent as probes
from solutions import gradient_descent as ref


def _cost_case(nb, gen, fn):
    X, Y = _data(gen)
    w, b = _value(gen, 0.5, 3.0), _value(gen, 0.5, 3.0)
    # total_cost may call cost: the reference one then, so that a mistake in cost costs its own cell only.
    got = nb.probe(probes.cost, what=f"{fn}(w, b, X, Y)", cell=fn, reference=("cost",) if fn == "total_cost" else (),
                   name=fn, w=w, b=b, X=X, Y=Y)
    return w, b, X, Y, got


def _single(value, fn, many: str):
    """``value`` as a 0-dim tensor; a failure when it holds one value per sample (``many`` says what to do) or none."""
    if value.numel() > 1:
        fail(f"{fn} returned {describe(value)}, one value per sample: {many}")
    if value.numel() == 0:
        fail(f"{fn} returned {describe(value)}, no value at all: it should be a single number (a 0-dim tensor).")
    return value.reshape(())


def _diagnose_cost(fn, value, w, b, X, Y, want):
    n = X.shape[0]
    err = (w * X + b - Y).double()
    r = ratio(value, want)
    if fn == "cost" and abs(r - n) < 1e-3 * n:
        fail(f"cost returned {r:.3g}x the expected value: sum instead of mean? cost is the mean squared error "
             "(the sum is total_cost).")
    if fn == "total_cost" and abs(r - 1 / n) < 1e-3 / n:
        fail(f"total_cost returned 1/{n} of the expected value: mean instead of sum? total_cost adds up the "
             "squared errors.")
    if fn == "cost" and abs(r - n / (n - 1)) < 1e-4:
        fail("cost divided by N - 1; the mean squared error divides by N (torch.mean).")
    if abs(r - 0.5) < 1e-4:
        fail(f"{fn} returned half the expected value; the course's cost has no factor 1/2.")
    reduce = torch.mean if fn == "cost" else torch.sum
    if close(value, reduce(((w * X - Y).double()) ** 2)):
        fail(f"{fn} left out the bias: the prediction is w * X + b.")
    if close(value, reduce(err ** 2).sqrt()):
        fail(f"{fn} took a square root; it is the {'mean' if fn == 'cost' else 'sum'} of the squared errors, no root.")
    if close(value, reduce(err) ** 2):
        fail(f"{fn} squared the {'mean' if fn == 'cost' else 'sum'} of the errors; square each error first.")
    if close(value, reduce(err.abs())):
        fail(f"{fn} used absolute errors; square each error: (w * X + b - Y) ** 2.")


@cell("test_cost")
def test_cost_is_the_mean_squared_error(nb, gen):
    w, b, X, Y, got = _cost_case(nb, gen, "cost")
    value = as_tensor(got["value"], "cost(w, b, X, Y)")
    want = ref.cost(w, b, X.double(), Y.double())
    value = _single(value, "cost", "the cost is their mean, a single number.")
    if close(value, want, atol=1e-5):
        return
    _diagnose_cost("cost", value, w, b, X, Y, want)
    expect_close(value, want, "cost(w, b, X, Y)", atol=1e-5, hint="The cost is the mean of (w * X + b - Y) ** 2.")


@cell("test_cost")
def test_cost_is_a_tensor_autograd_can_differentiate(nb, gen):
    w, b, X, Y, got = _cost_case(nb, gen, "cost")
    again = got["again"]
    if not isinstance(again, torch.Tensor):
        fail(f"cost returned {describe(again)}, {'a plain number' if is_number(again) else type_word(again)}: return the tensor (no .item() or float()), so "
             "autograd can differentiate the cost.", mistake="not a tensor")
    grads = got["grads"]
    if grads is not None and (not isinstance(grads, list) or len(grads) != 2):
        fail("cost's gradients came back changed (was a built-in replaced while it ran?).", mistake="broke the probe")
    if grads is not None and grads[0] is not None and grads[1] is None:
        fail("no gradient reaches b through cost: the cost does not use the bias (the prediction is w * X + b).")
    if grads is None or grads[0] is None or grads[1] is None:
        fail("cost's result is not connected to w and b in the autograd graph when they are tensors that "
             "require grad (a detach, .item() or a new torch.tensor(...) breaks it).", mistake="graph broken")
    wt, bt = torch.tensor(w, dtype=torch.float64, requires_grad=True), torch.tensor(b, dtype=torch.float64, requires_grad=True)
    ref.cost(wt, bt, X.double(), Y.double()).backward()
    for name, g, want in (("w", grads[0], wt.grad), ("b", grads[1], bt.grad)):
        g = as_tensor(g, f"the gradient of cost with respect to {name}")
        if g.numel() != 1:
            fail(f"the gradient of cost with respect to {name} has shape {tuple(g.shape)}; a scalar w gets a "
                 "scalar gradient.", mistake="wrong shape")
        expect_close(g.reshape(()), want, f"the gradient of cost with respect to {name}", atol=1e-5)


@cell("test_total_cost")
def test_total_cost_is_the_sum_of_squared_errors(nb, gen):
    w, b, X, Y, got = _cost_case(nb, gen, "total_cost")
    value = as_tensor(got["value"], "total_cost(w, b, X, Y)")
    want = ref.total_cost(w, b, X.double(), Y.double())
    value = _single(value, "total_cost", "add them up into a single number.")
    if close(value, want, atol=1e-4):
        if is_number(got["value"]):
            fail(f"total_cost returned {describe(got['value'])}, a plain number: keep the result a tensor (no "
                 ".item() or float()); the notebook's own cells call .item() on it.", mistake="not a tensor")
        return
    _diagnose_cost("total_cost", value, w, b, X, Y, want)
    expect_close(value, want, "total_cost(w, b, X, Y)", atol=1e-4,
                 hint="The total cost is the sum of (w * X + b - Y) ** 2.")
