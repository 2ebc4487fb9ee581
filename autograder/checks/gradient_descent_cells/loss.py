"""Hidden checks of the `gradient_descent` lab: its `loss` cell.

Gathered, in the order they run, by ``autograder/checks/gradient_descent.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import as_floats, as_tensor, cell, close, describe, expect_close, fail, rand, randint
from autograder.checks.gradient_descent_cells.common import _value
from autograder.probes import gradient_descent as probes
from solutions import gradient_descent as ref


# ----------------------------------------------------------- loss, dloss_dw


def _samples(gen, count=4):
    return [(_value(gen, 0.3, 3.0), _value(gen, 0.5, 3.0), _value(gen, 0.5, 5.0)) for _ in range(count)]


def _pointwise_case(nb, gen, fn):
    samples = _samples(gen)
    grid = rand(gen, randint(gen, 5, 12), low=-4.0, high=4.0)
    x, y = _value(gen, 0.5, 3.0), _value(gen, 0.5, 5.0)
    got = nb.probe(probes.pointwise, what=f"{fn}(w, x, y)", cell=fn, name=fn, samples=samples, grid=grid, x=x, y=y)
    return samples, grid, x, y, got


def _grid_error(got, fn):
    error = got.text("grid_error")
    if error:
        fail(f"{fn}(w_values, x, y) with a tensor of w values raised {error[:300]}\n{fn} should work "
             "element by element on tensors too: use arithmetic operators only (math.pow, math functions, "
             "float() and .item() work on single numbers only).")


@cell("test_loss")
def test_loss_is_the_squared_error_of_one_sample(nb, gen):
    samples, _, _, _, got = _pointwise_case(nb, gen, "loss")
    values = as_floats(got["values"], "loss(w, x, y)")
    t = torch.tensor(samples, dtype=torch.float64)
    w, x, y = t[:, 0], t[:, 1], t[:, 2]
    want = ref.loss(w, x, y)
    if close(values, want):
        return
    error = w * x - y
    if close(values, error):
        fail("loss returned w * x - y: the error itself; the loss squares it: (w * x - y) ** 2.")
    if close(values, error.abs()):
        fail("loss returned the absolute error |w x - y|; the course's loss squares the error.")
    if close(values, 2 * error):
        fail("loss returned (w * x - y) * 2: `* 2` doubles, `** 2` squares.")
    if close(values, want / 2):
        fail("loss returned half the squared error; the loss is (w * x - y) ** 2, with no factor 1/2.")
    fail(f"loss(w, x, y) returned {describe(values)} for (w, x, y) = {samples}; expected (w * x - y) ** 2 = "
         f"{describe(want)}.")


@cell("test_loss")
def test_loss_works_on_a_tensor_of_w_values(nb, gen):
    _, grid, x, y, got = _pointwise_case(nb, gen, "loss")
    _grid_error(got, "loss")
    out = as_tensor(got["grid"], "loss(w_values, x, y) for a tensor of w values")
    want = ref.loss(grid.double(), x, y)
    if out.numel() == 1 and grid.numel() > 1:
        fail("loss(w_values, x, y) returned one number for a whole tensor of w values: compute it with "
             "arithmetic operators only (no float(), .item() or sum), so it works element by element.")
    expect_close(out, want, f"loss(w_values, {x:.3g}, {y:.3g})", atol=1e-4,
                 hint="Each w in the tensor gets its own loss (w * x - y) ** 2.")


@cell("test_dloss_dw")
def test_dloss_dw_is_the_analytic_derivative(nb, gen):
    samples, _, _, _, got = _pointwise_case(nb, gen, "dloss_dw")
    values = as_floats(got["values"], "dloss_dw(w, x, y)")
    t = torch.tensor(samples, dtype=torch.float64)
    w, x, y = t[:, 0], t[:, 1], t[:, 2]
    want = ref.dloss_dw(w, x, y)
    if close(values, want):
        return
    error = w * x - y
    if close(values, want / 2):
        fail("dloss_dw is missing the factor 2: the derivative of (w x - y) ** 2 is 2 x (w x - y).")
    if close(values, 2 * error):
        fail("dloss_dw returned 2 (w x - y): by the chain rule the derivative of (w x - y) with respect to w, "
             "which is x, multiplies it: 2 x (w x - y).")
    if close(values, -want):
        fail("dloss_dw has the wrong sign: it is 2 x (w x - y), positive when w x > y times x > 0.")
    if close(values, error ** 2):
        fail("dloss_dw returned the loss itself; it should return its derivative with respect to w, 2 x (w x - y).")
    if close(values, 2 * w * error):
        fail("dloss_dw multiplied by w instead of x: the derivative of w x with respect to w is x, so it is "
             "2 x (w x - y).")
    fail(f"dloss_dw(w, x, y) returned {describe(values)} for (w, x, y) = {samples}; the derivative "
         f"2 x (w x - y) is {describe(want)}.")


@cell("test_dloss_dw")
def test_dloss_dw_matches_autograd(nb, gen):
    _, grid, x, y, got = _pointwise_case(nb, gen, "dloss_dw")
    _grid_error(got, "dloss_dw")
    out = as_tensor(got["grid"], "dloss_dw(w_values, x, y) for a tensor of w values")
    w = grid.double().clone().requires_grad_(True)
    ref.loss(w, x, y).sum().backward()
    if out.numel() == 1 and grid.numel() > 1:
        fail("dloss_dw(w_values, x, y) returned one number for a whole tensor of w values: use arithmetic "
             "operators only, so it works element by element.")
    expect_close(out, w.grad, f"dloss_dw(w_values, {x:.3g}, {y:.3g}) compared with autograd", atol=1e-4,
                 hint="It should equal what loss(w, x, y).backward() puts in w.grad, at every w.")
