"""Hidden checks of the `gradient_descent` lab: its `gradient_descent` cell.

Gathered, in the order they run, by ``autograder/checks/gradient_descent.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import as_floats, cell, close, describe, expect_close, fail, num, python_floats, rand, randint
from autograder.checks.gradient_descent_cells.common import FOR_GRADIENT_DESCENT, _value
from autograder.probes import gradient_descent as probes
from solutions import gradient_descent as ref


# ---------------------------------------------------------- gradient_descent


def _gd_run(gen, c_low=0.05, c_high=0.4, n_low=5, n_high=12):
    x, y = _value(gen, 0.7, 2.5), _value(gen, 0.5, 5.0)
    lr = float(rand(gen, 1, low=c_low, high=c_high)) / x ** 2
    return (float(rand(gen, 1, low=-4.0, high=4.0)), x, y, lr, randint(gen, n_low, n_high))


def _path(got, n_iter, what="gradient_descent"):
    """The values of the path, as a float64 tensor (their types are judged by one check only)."""
    if not got.flag("listed"):
        fail(f"{what} returned {describe(got['path'])}; it should return the list [w0, w1, ..., w_n_iter].")
    return as_floats(got["path"], f"{what}'s list")


def _replay(w0, n_iter, step) -> torch.Tensor:
    """The path of ``w = step(w)`` from w0, in float64 tensors (a diverging replay ends in inf, never raises)."""
    values = [torch.tensor(w0, dtype=torch.float64)]
    for _ in range(n_iter):
        values.append(step(values[-1]))
    return torch.stack(values)


def _aligned(path: torch.Tensor, want: torch.Tensor):
    """``path`` and ``want`` cut to the values they share: a path without w0, or
    with a step too many or too few, is judged on its values here (its length
    is judged by the check of the list itself)."""
    if len(path) and len(want) > 1 and not close(path[0], want[0]) and close(path[0], want[1]):
        want = want[1:]
    k = min(len(path), len(want))
    return path[:k], want[:k]


@cell("test_gradient_descent")
def test_gradient_descent_returns_n_iter_plus_1_floats_from_w0(nb, gen):
    run = _gd_run(gen)
    w0, _, _, _, n_iter = run
    start = randint(gen, -4, 4)
    got, none = nb.probe(probes.gradient_descent, what="gradient_descent(w0, x, y, lr, n_iter)",
                         cell="gradient_descent", reference=FOR_GRADIENT_DESCENT,
                         runs=[run, (start, *run[1:4], 0)]).parts(2)
    path = _path(got, n_iter)
    if got.flag("tuple"):
        fail("gradient_descent returned a tuple; return a list [w0, w1, ...] (append each new w to it).",
             mistake="not a list")
    python_floats(got["path"], "gradient_descent's list", "store float(w) (or w.item()) for every value.")
    if len(path) == n_iter and abs(float(path[0]) - w0) > 1e-9:
        fail(f"gradient_descent(w0, x, y, lr, {n_iter}) returned {n_iter} values: the list should start with "
             f"w0 itself, then the {n_iter} updated values ({n_iter + 1} in all).")
    if len(path) != n_iter + 1:
        fail(f"gradient_descent(w0, x, y, lr, {n_iter}) returned {len(path)} values; expected {n_iter + 1}: "
             "w0 and one value after each of the n_iter steps.")
    if abs(float(path[0]) - w0) > 1e-6 * max(1.0, abs(w0)):
        fail(f"gradient_descent's list should start with w0 = {w0:.6g}, but starts with {num(path[0])}.")
    call = f"gradient_descent({start}, x, y, lr, 0)"
    if _path(none, 0, call).tolist() != [float(start)]:
        fail(f"{call} returned {describe(none['path'])}; with n_iter = 0 there is no step: [w0] = [{float(start)}].")
    python_floats(none["path"], f"{call}'s list", "with an integer w0 the list should still hold floats: "
                  "start from float(w0).")


@cell("test_gradient_descent")
def test_gradient_descent_follows_the_update_rule(nb, gen):
    run = _gd_run(gen)
    w0, x, y, lr, n_iter = run
    got, = nb.probe(probes.gradient_descent, what="gradient_descent(w0, x, y, lr, n_iter)", cell="gradient_descent",
                    reference=FOR_GRADIENT_DESCENT, runs=[run]).parts(1)
    path = _path(got, n_iter)
    want = torch.tensor(ref.gradient_descent(*run), dtype=torch.float64)
    if not len(path):
        fail("gradient_descent returned an empty list: it should hold w0 and one value after each step.")
    shown, want = _aligned(path, want)
    if close(shown, want, atol=1e-5):
        return
    path = shown

    def replay(step):
        return _aligned(path, _replay(w0, n_iter, step))[1]

    if close(path, replay(lambda w: w + lr * ref.dloss_dw(w, x, y)), atol=1e-5):
        fail("gradient_descent added the derivative: that climbs the bowl. Gradient descent moves against "
             "it: w = w - lr * dloss_dw(w, x, y).")
    if close(path, replay(lambda w: w - ref.dloss_dw(w, x, y)), atol=1e-5):
        fail("gradient_descent ignored the learning rate: the step is lr * dloss_dw(w, x, y).")
    if close(path, replay(lambda w: w - lr * ref.loss(w, x, y)), atol=1e-5):
        fail("gradient_descent stepped by the loss instead of its derivative: w = w - lr * dloss_dw(w, x, y).")
    if close(path, replay(lambda w: w - lr * ref.dloss_dw(w0, x, y)), atol=1e-5):
        fail("gradient_descent used the derivative at w0 for every step; compute it at the current w each time.")
    expect_close(path, want, "gradient_descent's path", atol=1e-5,
                 hint=f"From w0 = {w0:.4g} with x = {x:.4g}, y = {y:.4g}, lr = {lr:.4g}: w = w - lr * dloss_dw(w, x, y).")


@cell("test_gradient_descent")
def test_gradient_descent_converges_or_diverges_with_the_learning_rate(nb, gen):
    good = _gd_run(gen, 0.2, 0.3, 40, 50)
    bad = _gd_run(gen, 1.2, 1.5, 10, 14)
    got = nb.probe(probes.gradient_descent, what="gradient_descent(w0, x, y, lr, n_iter)", cell="gradient_descent",
                   reference=FOR_GRADIENT_DESCENT, runs=[good, bad]).parts(2)
    w0, x, y, lr, n_iter = good
    path = _path(got[0], n_iter)
    best = y / x
    if not len(path) or not abs(float(path[-1]) - best) <= 1e-4 * max(1.0, abs(best)):
        fail(f"with x = {x:.4g}, y = {y:.4g} and a good learning rate lr = {lr:.4g}, {n_iter} steps should reach the "
             f"bottom of the bowl, w = y / x = {best:.5g}; gradient_descent ended at "
             f"{num(path[-1]) if len(path) else 'nothing (an empty list)'}.")
    w0, x, y, lr, n_iter = bad
    path = _path(got[1], n_iter)
    path, want = _aligned(path, torch.tensor(ref.gradient_descent(*bad), dtype=torch.float64))
    distance = (path - y / x).abs()
    growing = len(path) >= n_iter and bool((distance[1:] > distance[:-1]).all())
    if growing and close(path, want, rtol=1e-4, atol=1e-5):
        return
    fail(f"with lr = {lr:.4g}, more than 1 / x**2 = {1 / x ** 2:.4g}, every step overshoots the minimum by more "
         f"than it corrects and gradient descent should diverge, moving further from w = y / x at every step "
         f"({describe(want)}); gradient_descent gave {describe(path)}.")
