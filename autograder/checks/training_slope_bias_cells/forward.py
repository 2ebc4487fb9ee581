"""Hidden checks of the `training_slope_bias` lab: its `forward` cell.

Gathered, in the order they run, by ``autograder/checks/training_slope_bias.py`` (the file pytest is handed).
"""

from autograder.checkapi import as_float, as_tensor, cell, close, expect_close, fail, off_center, randint
from autograder.checks.training_slope_bias_cells.common import _param
from autograder.probes import training_slope_bias as probes


# ------------------------------------------------------------------- forward


def _forward_case(nb, gen):
    w, b, n = _param(gen), _param(gen, low=0.5, high=4.0), randint(gen, 5, 17)
    x, X = off_center(gen, n), off_center(gen, n + 3)
    got = nb.probe(probes.forward, what="forward(x)", cell="forward", w=w, b=b, x=x, X=X)
    return w, b, x, X, got


@cell("test_forward")
def test_forward_computes_slope_times_input_plus_bias(nb, gen):
    w, b, x, X, got = _forward_case(nb, gen)
    out = as_tensor(got["out"], "forward(x)")
    x64 = x.double()
    want = w * x64 + b
    if close(out, want):
        return
    if out.shape == X.shape and close(out, w * X.double() + b):
        fail("forward(x) used the global X instead of its argument x: compute the prediction from x.",
             mistake="used the global X")
    if out.shape == x.shape and close(out, w * x64):
        fail("forward(x) returned w * x and forgot the bias: the prediction is w * x + b.", mistake="forgot the bias")
    if out.shape == x.shape and close(out, b * x64 + w):
        fail("forward(x) swapped the parameters (b * x + w): the slope w multiplies x and the bias b is added.",
             mistake="swapped slope and bias")
    if out.shape == x.shape and close(out, -15.0 * x64 - 10.0):
        fail("forward(x) used the starting values -15 and -10 instead of reading the current w and b.",
             mistake="hard-coded the parameters")
    if out.numel() == want.numel() and close(out.reshape(want.shape), want):
        fail(f"forward(x) has the right values but shape {tuple(out.shape)}; for x of shape "
             f"{tuple(x.shape)} it should keep the shape (N, 1), one prediction per row.", mistake="lost the column shape")
    expect_close(out, want, "forward(x)", hint=f"With w = {w:.4g} and b = {b:.4g}, forward(x) should be w * x + b.")


@cell("test_forward")
def test_forward_lets_the_gradient_reach_w_and_b(nb, gen):
    w, b, x, _, got = _forward_case(nb, gen)
    grads = got["grads"]
    if not isinstance(grads, dict) or (grads.get("w") is None and grads.get("b") is None):
        fail("forward(x) is not connected to w and b in the autograd graph (.item(), .data or "
             ".detach() breaks it), so loss.backward() could not compute their gradients.",
             mistake="broke the autograd graph")
    if grads.get("w") is None:
        fail("the result of forward(x) does not depend on w in the autograd graph, so w.grad stays empty.",
             mistake="broke the autograd graph")
    if grads.get("b") is None:
        fail("the result of forward(x) does not depend on b in the autograd graph (did you forget the "
             "bias?), so b.grad stays empty.", mistake="forgot the bias")
    # The gradients' values are judged only where the prediction itself is right (the other check's idea).
    if close(as_tensor(got["out"], "forward(x)"), w * x.double() + b):
        expect_close(as_float(grads["w"], "w.grad"), x.double().sum(), "d(sum of forward(x))/dw",
                     hint="The derivative of w * x + b with respect to w is x.")
        expect_close(as_float(grads["b"], "b.grad"), float(x.shape[0]), "d(sum of forward(x))/db",
                     hint="The derivative of w * x + b with respect to b is 1 for every sample.")
