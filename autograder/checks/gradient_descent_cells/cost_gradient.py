"""Hidden checks of the `gradient_descent` lab: its `cost_gradient` cell.

Gathered, in the order they run, by ``autograder/checks/gradient_descent.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import as_float, cell, close, describe, fail, num, python_floats
from autograder.checks.gradient_descent_cells.common import _data, _value
from autograder.probes import gradient_descent as probes
from solutions import gradient_descent as ref


# ------------------------------------------------------------- cost_gradient


def _gradient_case(nb, gen):
    X, Y = _data(gen, 8, 25)
    w, b = _value(gen, 0.5, 3.0), _value(gen, 0.5, 3.0)
    got = nb.probe(probes.cost_gradient, what="cost_gradient(w, b, X, Y)", cell="cost_gradient", w=w, b=b, X=X, Y=Y)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"cost_gradient returned {describe(got)}; it should return the pair (dJ/dw, dJ/db).")
    values = [as_float(v, f"cost_gradient(w, b, X, Y)'s {name}") for v, name in zip(got, ("dJ/dw", "dJ/db"))]
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    ref.cost(wt, bt, X.double(), Y.double()).backward()
    return values, (float(wt.grad), float(bt.grad)), X, Y, w, b, list(got)


def _diagnose_partial(name, got, want, other, n, extra, swapped):
    tol = dict(rtol=1e-4, atol=1e-5)
    if close(got, want, **tol):
        return
    if swapped:
        fail("cost_gradient returned the two partial derivatives swapped: the pair is (dJ/dw, dJ/db), in that order.",
             mistake="swapped (dJ/dw, dJ/db)")
    if close(got, n * want, **tol):
        fail(f"cost_gradient's {name} is {n}x too large: it summed the samples' terms instead of averaging "
             "them (the cost is the mean, so its derivative is a mean too).")
    if close(got, want / 2, **tol):
        fail(f"cost_gradient's {name} is missing the factor 2 from differentiating the square.")
    if close(got, -want, **tol):
        fail(f"cost_gradient's {name} has the wrong sign: differentiate (w x + b - y) ** 2, whose inner "
             "derivative is +x for w and +1 for b.")
    for value, message in extra:
        if close(got, value, **tol):
            fail(message)
    fail(f"cost_gradient's {name} is {num(got)}; autograd on the cost gives {num(want)}.")


@cell("test_cost_gradient")
def test_cost_gradient_dJ_dw_matches_autograd(nb, gen):
    (gw, gb), (want_w, want_b), X, Y, w, b, raw = _gradient_case(nb, gen)
    err = (w * X + b - Y).double()
    swapped = close(gw, want_b, rtol=1e-4, atol=1e-5) and close(gb, want_w, rtol=1e-4, atol=1e-5)
    _diagnose_partial("dJ/dw", gw, want_w, want_b, X.shape[0], swapped=swapped, extra=
                      [(float(torch.mean(2 * err)), "cost_gradient's dJ/dw leaves out x_i: by the chain rule each "
                        "sample's term is 2 x_i (w x_i + b - y_i).")])
    python_floats(raw, "cost_gradient(w, b, X, Y)", "return Python floats: float(dw), float(db) (or .item()).")


@cell("test_cost_gradient")
def test_cost_gradient_dJ_db_matches_autograd(nb, gen):
    (gw, gb), (want_w, want_b), X, Y, w, b, _ = _gradient_case(nb, gen)
    err = (w * X + b - Y).double()
    if close(gw, want_b, rtol=1e-4, atol=1e-5) and close(gb, want_w, rtol=1e-4, atol=1e-5):
        return  # both values are right, in the wrong order: one mistake, judged by the dJ/dw check
    _diagnose_partial("dJ/db", gb, want_b, want_w, X.shape[0], swapped=False, extra=
                      [(float(torch.mean(2 * X * err)), "cost_gradient's dJ/db multiplies by x_i; the bias's "
                        "inner derivative is 1: each sample's term is 2 (w x_i + b - y_i).")])
