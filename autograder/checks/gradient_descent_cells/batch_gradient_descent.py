"""Hidden checks of the `gradient_descent` lab: its `batch_gradient_descent` cell.

Gathered, in the order they run, by ``autograder/checks/gradient_descent.py`` (the file pytest is handed).
"""

import math

import torch

from autograder.checkapi import (
    as_float, as_floats, cell, close, describe, expect_close, fail, num, off_center, python_floats, rand, randint,
)
from autograder.checks.gradient_descent_cells.common import FOR_BATCH, _value
from autograder.probes import gradient_descent as probes
from solutions import gradient_descent as ref


# ---------------------------------------------------- batch_gradient_descent


def _line_data(gen):
    """Noisy points on a line, with inputs whose mean is not 0 (a bias updated with
    the slope already updated, or a sum where a mean belongs, shows), scaled so
    that the learning rates below converge."""
    n = randint(gen, 20, 60)
    X = off_center(gen, n, spread=float(rand(gen, 1, low=1.2, high=1.8)))
    Y = _value(gen, 0.5, 3.0) * X + _value(gen, 0.3, 3.0) + 0.5 * torch.randn(X.shape, generator=gen)
    return X, Y


def _batch_run(gen, tol=None):
    X, Y = _line_data(gen)
    w0, b0 = float(rand(gen, 1, low=-4, high=4)), float(rand(gen, 1, low=-4, high=4))
    return (w0, b0, X, Y, float(rand(gen, 1, low=0.02, high=0.12)), randint(gen, 6, 15), tol)


def _unpack(got, what="batch_gradient_descent"):
    """(w, b, costs as a float64 tensor); their types are judged by one check only."""
    result = got["result"]
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        fail(f"{what} returned {describe(result)}; it should return the triple (w, b, costs).")
    w, b, costs = result
    w, b = as_float(w, f"{what}'s w"), as_float(b, f"{what}'s b")
    if not isinstance(costs, (list, tuple)):
        fail(f"{what}'s costs is {describe(costs)}; it should be a list of Python floats.")
    return w, b, as_floats(costs, f"a cost in {what}'s list")


def _ref_batch(run):
    w0, b0, X, Y, lr, n_iter, tol = run
    w, b, costs = ref.batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol=tol)
    return w, b, torch.tensor(costs, dtype=torch.float64)


def _run_one(nb, run):
    return nb.probe(probes.batch, what="batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol)",
                    cell="batch_gradient_descent", reference=FOR_BATCH, runs=[run]).parts(1)[0]


TOL = dict(rtol=1e-4, atol=1e-5)


@cell("test_batch_gradient_descent")
def test_batch_gradient_descent_returns_w_b_and_one_float_cost_per_update(nb, gen):
    run = _batch_run(gen)
    w0, b0 = randint(gen, -4, 4), randint(gen, 1, 4)
    got, none = nb.probe(probes.batch, what="batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol)",
                         cell="batch_gradient_descent", reference=FOR_BATCH,
                         runs=[run, (w0, b0, *run[2:5], 0, None)]).parts(2)
    _, _, costs = _unpack(got)
    w, b, raw = got["result"]
    n_iter = run[5]
    python_floats([w, b], "batch_gradient_descent's (w, b)", "return Python floats (float(w), or w.item()).")
    python_floats(raw, "batch_gradient_descent's costs", "append Python floats (float(c) or c.item()).")
    if len(costs) != n_iter:
        fail(f"without tol, batch_gradient_descent(..., n_iter={n_iter}) recorded {len(costs)} costs; it should "
             f"record one cost before each of the {n_iter} updates.")
    call = f"batch_gradient_descent({w0}, {b0}, X, Y, lr, 0)"
    w, b, costs = _unpack(none, call)
    if (w, b, costs.tolist()) != (w0, b0, []):
        fail(f"{call} returned ({num(w)}, {num(b)}, {describe(costs.tolist())}); with n_iter = 0 nothing is "
             f"updated or recorded: ({float(w0)}, {float(b0)}, []).")
    python_floats(list(none["result"])[:2], f"{call}'s (w, b)", "with integer w0 and b0, w and b should still be "
                  "floats: start from float(w0) and float(b0).")


@cell("test_batch_gradient_descent")
def test_batch_gradient_descent_updates_w_and_b_together(nb, gen):
    run = _batch_run(gen)
    w0, b0, X, Y, lr, n_iter, _ = run
    w, b, costs = _unpack(_run_one(nb, run))
    want_w, want_b, want_costs = _ref_batch(run)
    if close(costs, want_costs, **TOL) and close(w, want_w, **TOL) and close(b, want_b, **TOL):
        return
    if abs(b - b0) < 1e-12 and not close(b, want_b, **TOL):
        fail("batch_gradient_descent never changed b: update the bias too, b = b - lr * dJ/db.")
    if abs(w - w0) < 1e-12 and not close(w, want_w, **TOL):
        fail("batch_gradient_descent never changed w: update the slope too, w = w - lr * dJ/dw.")
    if len(costs) == n_iter and close(costs[:-1], want_costs[1:], **TOL):
        fail("batch_gradient_descent recorded each cost after the update; record the cost of the current "
             "(w, b), computed before updating them.")
    if len(costs) and float(costs[-1]) > float(costs[0]) and float(want_costs[-1]) < float(want_costs[0]):
        fail("batch_gradient_descent's cost grew while it should fall: move against the gradient, "
             "w - lr * dJ/dw and b - lr * dJ/db.")
    if len(costs) != len(want_costs):
        fail(f"batch_gradient_descent recorded {len(costs)} costs, expected {len(want_costs)}.")
    expect_close(costs, want_costs, "batch_gradient_descent's costs", **TOL,
                 hint="Each iteration: record cost(w, b, X, Y), then update w and b with cost_gradient at the same (w, b).")
    expect_close(torch.tensor([w, b]), torch.tensor([want_w, want_b]), "the final (w, b)", **TOL)


def _tol_run(gen):
    """A run, with a tolerance that stops it after a known number of recorded costs, well clear of rounding."""
    for _ in range(50):
        w0, b0, X, Y, lr, _, _ = _batch_run(gen)
        _, _, costs = ref.batch_gradient_descent(w0, b0, X, Y, lr, 40)
        diffs = [abs(a - c) for a, c in zip(costs, costs[1:])]
        k = randint(gen, 3, 10)
        low, high = min(diffs[: k - 1]), diffs[k - 1]
        if low > 1.05 * high and high > 1e-3 * costs[k - 1]:
            return (w0, b0, X, Y, lr, k + randint(gen, 5, 20), math.sqrt(low * high)), k
    raise RuntimeError("no tolerance case found")


def _stops_by_tol_on_its_own_costs(run, w, b, costs) -> bool:
    """A run whose updates differ from gradient descent's (the update's check says how) still follows tol's
    rule on its own costs: it starts with the cost at (w0, b0), no recorded cost changed by less than tol, and
    it ran all n_iter or stopped on a new cost (the one at its last (w, b)) that changed by less than tol."""
    w0, b0, X, Y, lr, n_iter, tol = run
    if not len(costs) or len(costs) > n_iter or not close(costs[0], ref.cost(w0, b0, X.double(), Y.double()), **TOL):
        return False
    if len(costs) > 1:
        differs = not close(costs[1], _ref_batch((w0, b0, X, Y, lr, 2, None))[2][1], **TOL)
    else:
        one_w, one_b, _ = _ref_batch((w0, b0, X, Y, lr, 1, None))
        differs = not (close(w, one_w, **TOL) and close(b, one_b, **TOL))
    if not differs:
        return False
    if not bool(((costs[1:] - costs[:-1]).abs() >= tol).all()):
        return False
    return len(costs) == n_iter or abs(float(costs[-1]) - float(ref.cost(w, b, X.double(), Y.double()))) < tol


@cell("test_batch_gradient_descent")
def test_batch_gradient_descent_stops_early_with_tol(nb, gen):
    run, k = _tol_run(gen)
    w0, b0, X, Y, lr, n_iter, tol = run
    w, b, costs = _unpack(_run_one(nb, run))
    want_w, want_b, want_costs = _ref_batch(run)
    if len(costs) == len(want_costs) and close(costs, want_costs, **TOL) and close(w, want_w, **TOL) \
            and close(b, want_b, **TOL):
        return
    if _stops_by_tol_on_its_own_costs(run, w, b, costs):
        return  # its updates differ (judged by the check of the update), but it follows tol's rule
    if len(costs) == n_iter:
        fail(f"with tol = {tol:.3g}, batch_gradient_descent still ran all {n_iter} iterations; it should stop "
             f"as soon as the cost changes by less than tol (here after {k} recorded costs).")
    if len(costs) == k + 1 and close(costs[:k], want_costs, **TOL):
        fail(f"with tol = {tol:.3g}, batch_gradient_descent also recorded the cost that made it stop ({k + 1} "
             f"costs instead of {k}): compare the new cost with the last recorded one first, and stop without "
             "recording it.")
    if len(costs) == k - 1:
        fail(f"with tol = {tol:.3g}, batch_gradient_descent stopped one iteration early ({k - 1} costs instead "
             f"of {k}): compare the current cost with the last recorded cost, and stop only when they differ "
             "by less than tol.")
    if len(costs) == k and close(costs, want_costs, **TOL):
        fail(f"with tol = {tol:.3g}, batch_gradient_descent recorded the right costs but ended at w = {w:.5g}, "
             f"b = {b:.5g} instead of w = {want_w:.5g}, b = {want_b:.5g}: when it stops, it must not update "
             "w and b any more.")
    fail(f"with tol = {tol:.3g}, batch_gradient_descent recorded {len(costs)} costs and ended at w = {w:.5g}, "
         f"b = {b:.5g}; expected {k} costs (it stops when the new cost differs from the last recorded one by "
         f"less than tol) and w = {want_w:.5g}, b = {want_b:.5g}.")


@cell("test_batch_gradient_descent")
def test_batch_gradient_descent_finds_least_squares_or_diverges(nb, gen):
    X, Y = _line_data(gen)
    X1 = torch.cat([X, torch.ones_like(X)], dim=1).double()
    w_ls, b_ls = torch.linalg.lstsq(X1, Y.double()).solution.flatten().tolist()
    # The cost is a bowl whose curvatures are the eigenvalues of 2 X1^T X1 / N. A rate above
    # 2 / (the largest) makes the steps overshoot along its direction, further each time:
    # start well away from the minimum along that direction, so that the overshoot dominates the cost.
    curvatures, directions = torch.linalg.eigh(2 * X1.T @ X1 / len(X1))
    big = float(rand(gen, 1, low=1.2, high=1.4)) * 2 / float(curvatures[-1])
    steep, flat = directions[:, -1], directions[:, 0]
    w0, b0 = (torch.tensor([w_ls, b_ls], dtype=torch.float64) + _value(gen, 1.0, 3.0) * steep
              + _value(gen, 0.05, 0.2) * flat).tolist()
    runs = [(w0, b0, X, Y, 0.1, 400, None), (w0, b0, X, Y, big, 15, None)]
    got = nb.probe(probes.batch, what="batch_gradient_descent(w0, b0, X, Y, lr, n_iter)",
                   cell="batch_gradient_descent", reference=FOR_BATCH, runs=runs).parts(2)
    w, b, _ = _unpack(got[0])
    if abs(w - w_ls) > 1e-3 or abs(b - b_ls) > 1e-3:
        fail(f"with lr = 0.1 and 400 iterations, batch gradient descent should reach the least-squares line "
             f"w = {w_ls:.5g}, b = {b_ls:.5g} (the minimum of the cost); it ended at w = {w:.5g}, b = {b:.5g}.")
    _, _, costs = _unpack(got[1])
    if len(costs) == 15 and bool((costs[1:] > costs[:-1]).all()) and float(costs[-1]) > 10 * float(costs[0]):
        return
    _, _, want = _ref_batch(runs[1])
    if len(costs) > 1 and close(costs[0], want[0], **TOL) and not close(costs[1], want[1], **TOL):
        return  # its update differs from the first step on: judged by the check of the update, not here
    fail(f"with lr = {big:.3g}, too large for this data, every update overshoots and the cost should grow at "
         f"every iteration (gradient descent diverges); the costs were {describe(costs)}.")
