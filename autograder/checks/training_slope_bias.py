"""Hidden checks of the `training_slope_bias` lab: slope and bias, the cost surface.

Probes (the ``_probe_*`` functions) run inside the student's sandboxed process
and only collect values; every verdict is made here, against `solutions/`.
"""

import numpy as np
import torch

from autograder.checking import (
    as_tensor, cell, close, describe, expect_close, fail, rand, randint,
)
from autograder.probes import training_slope_bias as probes
from autograder.checks import steps
from solutions import bind
from solutions import training_slope_bias as ref

#: Globals copied aside right after these provided cells ran (checks read them with
#: nb.snapshot(grade_id); probes as SNAPSHOTS[grade_id]).
SNAPSHOT_AFTER = {"run_training": ["w", "b", "X", "Y"]}
EARLIER = ("forward", "criterion", "backward_update", "zero_grad")


def _param(gen, low=1.5, high=6.0) -> float:
    """A parameter value away from 0, with a random sign."""
    value = float(rand(gen, 1, low=low, high=high))
    return value if randint(gen, 0, 1) else -value


def _tensor_or_array(value, what):
    """A returned table as a float64 tensor (numpy arrays accepted)."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.asarray(value, dtype=np.float64))
    return as_tensor(value, what)


# ------------------------------------------------------------------- forward


def _forward_case(nb, gen):
    w, b, n = _param(gen), _param(gen, low=0.5, high=4.0), randint(gen, 5, 17)
    x, X = rand(gen, n, 1), rand(gen, n + 3, 1)
    got = nb.probe(probes.forward, what="forward(x)", cell="forward", w=w, b=b, x=x, X=X)
    return w, b, x, X, got


@cell("test_forward")
def test_forward_computes_slope_times_input_plus_bias(nb, gen):
    w, b, x, X, got = _forward_case(nb, gen)
    out = as_tensor(got["out"], "forward(x)")
    want = w * x + b
    if close(out, want):
        return
    if out.shape == X.shape and close(out, w * X + b):
        fail("forward(x) used the global X instead of its argument x: compute the prediction from x.")
    if out.shape == x.shape and close(out, w * x):
        fail("forward(x) returned w * x and forgot the bias: the prediction is w * x + b.")
    if out.shape == x.shape and close(out, b * x + w):
        fail("forward(x) swapped the parameters (b * x + w): the slope w multiplies x and the bias b is added.")
    if out.shape == x.shape and close(out, -15.0 * x - 10.0):
        fail("forward(x) used the starting values -15 and -10 instead of reading the current w and b.")
    if out.numel() == want.numel() and close(out.reshape(want.shape), want):
        fail(f"forward(x) has the right values but shape {tuple(out.shape)}; for x of shape "
             f"{tuple(x.shape)} it should keep the shape (N, 1), one prediction per row.")
    expect_close(out, want, "forward(x)", hint=f"With w = {w:.4g} and b = {b:.4g}, forward(x) should be w * x + b.")


@cell("test_forward")
def test_forward_lets_the_gradient_reach_w_and_b(nb, gen):
    w, b, x, X, got = _forward_case(nb, gen)
    as_tensor(got["out"], "forward(x)")
    grads = got["grads"]
    if grads is None or (grads["w"] is None and grads["b"] is None):
        fail("forward(x) is not connected to w and b in the autograd graph (.item(), .data or "
             ".detach() breaks it), so loss.backward() could not compute their gradients.")
    if grads["w"] is None:
        fail("the result of forward(x) does not depend on w in the autograd graph, so w.grad stays empty.")
    if grads["b"] is None:
        fail("the result of forward(x) does not depend on b in the autograd graph (did you forget the "
             "bias?), so b.grad stays empty.")
    expect_close(grads["w"], x.sum(), "d(sum of forward(x))/dw", hint="The derivative of w * x + b with respect to w is x.")
    expect_close(grads["b"], float(x.shape[0]), "d(sum of forward(x))/db",
                 hint="The derivative of w * x + b with respect to b is 1 for every sample.")


# ----------------------------------------------------------------- criterion


# The cost is the same as in the slope-only lab, and so are its checks (pytest
# collects them here too, for this notebook's test_criterion cell).
from autograder.checks.training_slope import (  # noqa: E402,F401
    test_criterion_is_mean_squared_error,
    test_criterion_sends_the_gradient_back_to_yhat,
)


# ------------------------------------------------------------- cost_surface


def _surface_case(nb, gen):
    """A non-square grid (never square: a transposed surface cannot pass)."""
    m = randint(gen, 7, 12)
    k = m + randint(gen, 2, 5)
    w_values = torch.linspace(float(rand(gen, 1, low=-6, high=-3)), float(rand(gen, 1, low=3, high=6)), m)
    b_values = torch.linspace(float(rand(gen, 1, low=-9, high=-5)), float(rand(gen, 1, low=1, high=4)), k)
    n = randint(gen, 8, 20)
    X = rand(gen, n, 1)
    Y = _param(gen, low=0.5, high=3) * X + _param(gen, low=0.5, high=2) + 0.3 * rand(gen, n, 1)
    got = nb.probe(probes.cost_surface, what="cost_surface(w_values, b_values, X, Y)", cell="cost_surface",
                   reference=("forward", "criterion"), w_values=w_values, b_values=b_values, X=X, Y=Y,
                   w0=float(rand(gen, 1)), b0=float(rand(gen, 1)), X_global=rand(gen, n + 4, 1),
                   Y_global=rand(gen, n + 4, 1))
    want = ref.cost_surface(w_values.double(), b_values.double(), X.double(), Y.double()).double()
    return w_values, b_values, X, Y, got, want


@cell("test_cost_surface")
def test_cost_surface_has_one_row_per_bias_and_one_column_per_slope(nb, gen):
    w_values, b_values, _, _, got, want = _surface_case(nb, gen)
    Z = _tensor_or_array(got, "cost_surface(w_values, b_values, X, Y)")
    m, k = len(w_values), len(b_values)
    if tuple(Z.shape) == (k, m):
        return
    if tuple(Z.shape) == (m, k):
        fail(f"for {m} slopes and {k} biases cost_surface returned shape {(m, k)}: the surface is "
             f"transposed. Z needs one row per bias and one column per slope, shape "
             f"(len(b_values), len(w_values)) = {(k, m)} (meshgrid with indexing='xy', or Z[i, j] "
             "for b_values[i], w_values[j]).")
    fail(f"for {m} slopes and {k} biases cost_surface returned {describe(Z)}; expected a tensor of "
         f"shape (len(b_values), len(w_values)) = {(k, m)}.")


@cell("test_cost_surface", points=2)
def test_cost_surface_holds_the_cost_of_every_line(nb, gen):
    w_values, b_values, X, Y, got, want = _surface_case(nb, gen)
    Z = _tensor_or_array(got, "cost_surface(w_values, b_values, X, Y)")
    n = X.shape[0]
    if close(Z, want, rtol=1e-4, atol=1e-4):
        return
    if close(Z, want.T, rtol=1e-4, atol=1e-4):
        fail("cost_surface's values are transposed: Z[i, j] must be the cost at w = w_values[j] and "
             "b = b_values[i] (rows go with the bias, columns with the slope).")
    if Z.shape != want.shape:
        fail(f"cost_surface returned shape {tuple(Z.shape)}, so its values could not be compared with "
             f"the expected surface of shape {tuple(want.shape)}.")
    if Z.numel() > 1 and close(Z, torch.full_like(Z, float(Z.reshape(-1)[0]))):
        fail("every entry of cost_surface's Z is the same number: the cost must be computed at each "
             "grid point (w_values[j], b_values[i]), not with the global w and b.")
    swapped = ref.cost_surface(b_values.double(), w_values.double(), X.double(), Y.double()).T
    if close(Z, swapped, rtol=1e-4, atol=1e-4):
        fail("cost_surface used the bias values as slopes and the slope values as biases: the line at "
             "grid point (i, j) is w_values[j] * x + b_values[i].")
    if close(Z, want * n, rtol=1e-4, atol=1e-4):
        fail("cost_surface's values are N times too big: sum instead of mean? Each entry is the mean "
             "squared error.")
    if close(Z, want.sqrt(), rtol=1e-4, atol=1e-4):
        fail("cost_surface holds the square roots of the costs (RMSE); use the mean squared error.")
    bad = (Z - want).abs() > 1e-4 + 1e-4 * want.abs()
    i, j = [int(v) for v in bad.nonzero()[0]]
    fail(f"cost_surface's Z[{i}, {j}] is {float(Z[i, j]):.6g}, but the mean squared error of the line "
         f"w = {float(w_values[j]):.4g}, b = {float(b_values[i]):.4g} on X, Y is {float(want[i, j]):.6g}.")


# ------------------------------------------------- backward_update, zero_grad
# The same step as in every lab that trains by hand: see autograder/checks/steps.py.

TRAINED = ("w", "b")


@cell("test_backward_update")
def test_backward_update_steps_each_parameter_against_its_own_gradient(nb, gen):
    steps.judge_update_step(steps.update_case(nb, gen, TRAINED), TRAINED, second="b")


@cell("test_backward_update")
def test_backward_update_keeps_the_same_leaf_tensors(nb, gen):
    steps.judge_update_keeps_leaves(steps.update_case(nb, gen, TRAINED))


@cell("test_zero_grad")
def test_zero_grad_stops_gradients_accumulating(nb, gen):
    steps.judge_zero_stops_accumulating(steps.zero_case(nb, gen), second="b")


@cell("test_zero_grad")
def test_zero_grad_clears_gradients_and_leaves_the_parameters_alone(nb, gen):
    steps.judge_zero_clears_and_keeps(steps.zero_case(nb, gen))


# -------------------------------------------------------------- train_model


def _train_case(nb, gen):
    n = randint(gen, 12, 30)
    X = torch.linspace(-3, 3, n).view(-1, 1)
    Y = _param(gen) * X + _param(gen, low=0.5, high=3.0) + 0.1 * torch.randn(X.shape, generator=gen)
    w0, b0 = float(rand(gen, 1, low=-8, high=8)), float(rand(gen, 1, low=-8, high=8))
    epochs, lr = randint(gen, 4, 9), float(rand(gen, 1, low=0.02, high=0.08))
    got = nb.probe(probes.train_model, what="train_model(epochs, lr)", cell="train_model",
                   reference=EARLIER, w0=w0, b0=b0, X=X, Y=Y, epochs=epochs, lr=lr)
    run = bind(ref, w=torch.tensor(w0, requires_grad=True), b=torch.tensor(b0, requires_grad=True), X=X, Y=Y)
    want_losses, want_path = run.train_model(epochs, lr)
    want = {"losses": want_losses, "path": want_path, "w": run.globals["w"].item(), "b": run.globals["b"].item()}
    return got, want, (w0, b0, X, Y, epochs, lr)


def _result_pair(got, epochs):
    if "result" in got:
        fail(f"train_model returned {describe(got['result'])}; it should return a pair (losses, path).")


def _accumulating_run(w0, b0, X, Y, epochs, lr):
    """Training where gradients are never cleared: a common mistake."""
    w, b = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = torch.mean((w * X + b - Y) ** 2)
        loss.backward()
        w.data, b.data = w.data - lr * w.grad, b.data - lr * b.grad
        losses.append(loss.item())
    return losses


def _slope_only_run(w0, b0, X, Y, epochs, lr):
    """Training that updates only w: a common mistake."""
    w, b = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    losses, path = [], [(w0, b0)]
    for _ in range(epochs):
        loss = torch.mean((w * X + b - Y) ** 2)
        loss.backward()
        w.data = w.data - lr * w.grad
        w.grad.zero_()
        losses.append(loss.item())
        path.append((w.item(), b0))
    return losses, path


_LIVE = ("the points of train_model's path after the start all hold the final (w, b): the path stored "
         "the tensors w and b themselves, which keep changing. Store their values, (w.item(), b.item()).")


def _live(path, want_path) -> bool:
    """The path repeats the final parameters: live references to w and b were stored."""
    tol = {"rtol": 1e-4, "atol": 1e-5}
    return (len(path) > 2 and path.shape[1:] == want_path.shape[1:]
            and close(path[1:], path[-1:].expand_as(path[1:]), **tol) and close(path[-1], want_path[-1], **tol)
            and not close(want_path[1], want_path[-1], **tol))


@cell("test_train_model")
def test_train_model_returns_one_float_cost_per_epoch(nb, gen):
    got, want, case = _train_case(nb, gen)
    epochs = case[4]
    _result_pair(got, epochs)
    losses = got["losses"]
    if losses is None:
        fail(f"train_model's first result (the costs) is {describe(got['losses_repr'])}; it should be a list "
             "of Python floats.")
    kinds = {k for k, _ in losses}
    if "tensor" in kinds:
        fail("train_model stored loss tensors in the costs list: append loss.item(), a Python float "
             "(a stored tensor keeps its whole autograd graph alive).")
    if kinds - {"float"}:
        fail(f"train_model's costs list holds {sorted(kinds)}; every cost should be a Python float (loss.item()).")
    if len(losses) != epochs:
        fail(f"train_model({epochs}, lr) returned {len(losses)} costs; it should record one cost per "
             f"epoch, {epochs} in all.")


@cell("test_train_model")
def test_train_model_costs_follow_gradient_descent_on_w_and_b(nb, gen):
    got, want, case = _train_case(nb, gen)
    _result_pair(got, case[4])
    if got["losses"] is None or any(v is None for _, v in got["losses"]):
        fail("train_model did not return a list of costs, so its costs could not be compared.")
    got_t = torch.tensor([v for _, v in got["losses"]], dtype=torch.float64)
    want_t = torch.tensor(want["losses"], dtype=torch.float64)
    if close(got_t, want_t, rtol=1e-4, atol=1e-5):
        return
    if len(got_t) != len(want_t):
        fail(f"train_model returned {len(got_t)} costs for {len(want_t)} epochs, so they could not be compared.")
    tol = {"rtol": 1e-4, "atol": 1e-5}
    if close(got_t, torch.tensor(_accumulating_run(*case), dtype=torch.float64), **tol):
        fail("train_model's costs match a run whose gradients are never cleared: call zero_grad([w, b]) "
             "after every update so the gradients do not accumulate.")
    if close(got_t, torch.tensor(_slope_only_run(*case)[0], dtype=torch.float64), **tol):
        fail("train_model's costs match a run that trains only the slope: pass both parameters, "
             "[w, b], to backward_update and zero_grad.")
    if len(want_t) > 1 and close(got_t[:-1], want_t[1:], **tol):
        fail("train_model recorded each cost after the update; record the cost computed in the "
             "epoch, before the parameters move.")
    if close(got_t, torch.full_like(got_t, float(got_t[0]))):
        fail("train_model's cost never changed: w and b are not being updated (call backward_update "
             "with [w, b]).")
    fail(f"train_model's costs were {describe(got_t)}, expected {describe(want_t)} "
         "(forward, criterion, backward_update and zero_grad once per epoch, on [w, b]).")


@cell("test_train_model")
def test_train_model_path_starts_at_the_initial_parameters(nb, gen):
    got, want, case = _train_case(nb, gen)
    w0, b0, _, _, epochs, lr = case
    _result_pair(got, epochs)
    points = got["path"]
    if points is None:
        fail(f"train_model's second result (the path) is {describe(got['path_repr'])}; it should be a list "
             "of (w, b) pairs.")
    if any(p is None for p in points) or any(v is None for p in points for _, v in p):
        fail("every entry of the path should be a pair of numbers (w.item(), b.item()).")
    path = torch.tensor([[v for _, v in p] for p in points], dtype=torch.float64)
    want_path = torch.tensor(want["path"], dtype=torch.float64)
    tol = {"rtol": 1e-4, "atol": 1e-5}
    if len(path) == epochs and close(path, want_path[1:], **tol):
        fail(f"train_model's path has {epochs} points, the parameters after each update, but is "
             "missing its start: put the initial (w.item(), b.item()) in the path before the first "
             f"epoch, so it holds epochs + 1 = {epochs + 1} points.")
    if len(path) == epochs + 1 and close(path, want_path.flip(1), **tol):
        fail("train_model's path holds (b, w) pairs; each point should be (w, b), slope first.")
    if len(path) != epochs + 1:
        fail(f"train_model({epochs}, lr)'s path has {len(path)} points; it should hold the start and "
             f"the point after every epoch, {epochs + 1} in all.")
    if _live(path, want_path):
        fail(_LIVE)
    if not close(path[0], want_path[0], **tol):
        fail(f"train_model's path starts at {tuple(round(float(v), 4) for v in path[0])}, but the "
             f"parameters started at ({w0:.4g}, {b0:.4g}): the first point is the initial (w, b).")


@cell("test_train_model")
def test_train_model_path_follows_the_updates_of_w_and_b(nb, gen):
    got, want, case = _train_case(nb, gen)
    w0, b0, _, _, epochs, lr = case
    _result_pair(got, epochs)
    points = got["path"]
    if points is None or any(p is None for p in points) or any(v is None for p in points for _, v in p):
        fail("train_model did not return a path of (w, b) pairs, so it could not be compared.")
    path = torch.tensor([[v for _, v in p] for p in points], dtype=torch.float64)
    want_path = torch.tensor(want["path"], dtype=torch.float64)
    tol = {"rtol": 1e-4, "atol": 1e-5}
    if close(path, want_path, **tol):
        final = torch.tensor([float(got["w"]) if got["w"] is not None else float("nan"),
                              float(got["b"]) if got["b"] is not None else float("nan")], dtype=torch.float64)
        if not close(final, torch.tensor([want["w"], want["b"]], dtype=torch.float64), **tol):
            fail(f"after train_model the global (w, b) are {describe(final)}, but the path ends at "
                 f"{describe(want_path[-1])}: train_model should train the global w and b in place.")
        return
    if _live(path, want_path):
        fail(_LIVE)
    if path.shape == want_path.shape and close(path, torch.tensor(_slope_only_run(*case)[1], dtype=torch.float64), **tol):
        fail("along train_model's path the bias never moves: update both parameters, [w, b].")
    if len(path) == epochs and close(path, want_path[1:], **tol):
        fail("train_model's path holds the point after every update but not the starting point, so "
             "point k is not (w, b) after k epochs: start the path with the initial (w, b).")
    if path.shape == want_path.shape and close(path, want_path.flip(1), **tol):
        fail("train_model's path holds (b, w) pairs, so its slopes and biases are swapped: store (w, b).")
    if path.shape != want_path.shape:
        fail(f"train_model's path has shape {tuple(path.shape)} ({len(path)} points), expected "
             f"{epochs + 1} (w, b) points, so it could not be compared.")
    bad = int(((path - want_path).abs() > 1e-5 + 1e-4 * want_path.abs()).any(1).nonzero()[0])
    fail(f"train_model's path point {bad} is {tuple(round(float(v), 5) for v in path[bad])}, expected "
         f"{tuple(round(float(v), 5) for v in want_path[bad])} (point k is (w, b) after k epochs).")


# ------------------------------------------------------------- plot_contour


def _plot_case(nb, gen):
    m = randint(gen, 12, 18)
    k = m + randint(gen, 3, 7)
    w_values = torch.linspace(float(rand(gen, 1, low=-8, high=-4)), float(rand(gen, 1, low=2, high=6)), m)
    b_values = torch.linspace(float(rand(gen, 1, low=-20, high=-12)), float(rand(gen, 1, low=-4, high=0)), k)
    w_c, b_c = float(w_values[m // 3]), float(b_values[k // 2])
    a, c = float(rand(gen, 1, low=2.0, high=5.0)), float(rand(gen, 1, low=0.5, high=1.5))
    W, B = torch.meshgrid(w_values, b_values, indexing="xy")
    Z = a * (W - w_c) ** 2 + c * (B - b_c) ** 2 + 0.3 * (W - w_c) * (B - b_c) + float(rand(gen, 1, low=0, high=2))
    steps = randint(gen, 4, 8)
    start = (float(w_values[-2]), float(b_values[1]))
    path = [(start[0] + (w_c - start[0]) * (1 - 0.5 ** s), start[1] + (b_c - start[1]) * (1 - 0.6 ** s))
            for s in range(steps + 1)]
    got = nb.probe(probes.plot_contour, what="plot_contour(w_values, b_values, Z, path)", cell="plot_contour",
                   w_values=w_values, b_values=b_values, Z=Z, path=path)
    if not got.get("is_axes"):
        fail(f"plot_contour returned a {got.get('type', '?')}; it should return the matplotlib Axes it drew on "
             "(e.g. `fig, ax = plt.subplots()` ... `return ax`).")
    return w_values, b_values, Z.double(), path, got


def _interpolate(w_values, b_values, Z, points):
    """Bilinear interpolation of Z (rows: b, columns: w) at (w, b) points; NaN outside the grid."""
    w = w_values.double()
    b = b_values.double()
    out = []
    for x, y in points:
        if not (w[0] - 1e-6 <= x <= w[-1] + 1e-6 and b[0] - 1e-6 <= y <= b[-1] + 1e-6):
            out.append(float("nan"))
            continue
        j = min(max(int(torch.searchsorted(w, torch.tensor(x, dtype=torch.float64))) - 1, 0), len(w) - 2)
        i = min(max(int(torch.searchsorted(b, torch.tensor(y, dtype=torch.float64))) - 1, 0), len(b) - 2)
        tx = (x - float(w[j])) / float(w[j + 1] - w[j])
        ty = (y - float(b[i])) / float(b[i + 1] - b[i])
        z = ((1 - tx) * (1 - ty) * Z[i, j] + tx * (1 - ty) * Z[i, j + 1]
             + (1 - tx) * ty * Z[i + 1, j] + tx * ty * Z[i + 1, j + 1])
        out.append(float(z))
    return torch.tensor(out, dtype=torch.float64)


def _explained(w_values, b_values, Z, contour) -> float:
    """The fraction of a contour set's vertices lying on one of its levels of Z over (w, b)."""
    levels = torch.tensor(contour["levels"], dtype=torch.float64)
    span = float(Z.max() - Z.min())
    lo_w, hi_w, lo_b, hi_b = float(w_values[0]), float(w_values[-1]), float(b_values[0]), float(b_values[-1])
    points = [tuple(v) for verts in contour["vertices"] for v in verts]
    if not points or not len(levels):
        return 0.0
    values = _interpolate(w_values, b_values, Z, points)
    good = 0
    for (x, y), z in zip(points, values):
        on_edge = contour["filled"] and (min(abs(x - lo_w), abs(x - hi_w)) < 1e-6 * (1 + abs(x))
                                         or min(abs(y - lo_b), abs(y - hi_b)) < 1e-6 * (1 + abs(y)))
        if on_edge or (bool(torch.isfinite(z)) and float((levels - z).abs().min()) <= 2e-3 * span + 1e-6):
            good += 1
    return good / len(points)


@cell("test_plot_contour")
def test_plot_contour_draws_the_contours_of_z_over_w_and_b(nb, gen):
    w_values, b_values, Z, _, got = _plot_case(nb, gen)
    contours = got.get("contours", [])
    if not contours:
        fail("plot_contour drew no contour lines on the Axes it returned: use ax.contour(w_values, b_values, Z).")
    if any(_explained(w_values, b_values, Z, c) > 0.98 for c in contours):
        return
    if any(_explained(b_values, w_values, Z.T, c) > 0.98 for c in contours):
        fail("plot_contour put the bias on the x axis and the slope on the y axis: draw "
             "ax.contour(w_values, b_values, Z), slope w along x and bias b along y.")
    m, k = len(w_values), len(b_values)
    index_w, index_b = torch.arange(m, dtype=torch.float64), torch.arange(k, dtype=torch.float64)
    if any(_explained(index_w, index_b, Z, c) > 0.98 for c in contours):
        fail("plot_contour drew Z against row and column numbers (ax.contour(Z)): pass the grid too, "
             "ax.contour(w_values, b_values, Z), so the axes show the values of w and b.")
    fail("the contour lines plot_contour drew are not the lines of equal cost of the Z it was given "
         "over the (w, b) grid: draw ax.contour(w_values, b_values, Z).")


@cell("test_plot_contour")
def test_plot_contour_draws_the_path_over_the_contours(nb, gen):
    _, _, _, path, got = _plot_case(nb, gen)
    want = torch.tensor(path, dtype=torch.float64)
    series = [torch.tensor([line["x"], line["y"]], dtype=torch.float64).T for line in got["lines"]
              if len(line["x"]) == len(line["y"]) and line["x"]]
    series += [torch.tensor(c["offsets"], dtype=torch.float64) for c in got["collections"]
               if c.get("offsets") and c["type"] not in ("QuadContourSet", "ContourSet")]
    tol = {"rtol": 1e-4, "atol": 1e-6}
    if any(s.shape == want.shape and close(s, want, **tol) for s in series):
        return
    if any(s.shape == want.shape and close(s, want.flip(1), **tol) for s in series):
        fail("plot_contour drew the path with the biases along x and the slopes along y: plot the "
             "slopes (first of each pair) as x and the biases as y, like the contours.")
    if any(s.shape == want[1:].shape and close(s, want[1:], **tol) for s in series):
        fail("plot_contour left out the first point of the path (its start).")
    if not series:
        fail("plot_contour drew the contours but not the path of (w, b): plot it on the same Axes, "
             "e.g. ax.plot(path_w, path_b, 'o-').")
    fail("none of the lines or markers plot_contour drew follows the (w, b) path it was given "
         "(slopes as x, biases as y, every point in order).")


# ---------------------------------------------------------------- converged


@cell("test_converged", points=2)
def test_converged_slope_and_bias_match_reference_training(nb, gen):
    got = nb.snapshot("run_training")
    if got is None:
        fail("the cell that runs `losses, path = train_model(15, 0.1)` did not run, so there are no "
             "trained parameters.")
    w, b = got.get("w"), got.get("b")
    for name, value in (("w", w), ("b", b)):
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            fail(f"after `losses, path = train_model(15, 0.1)` the global {name} is {describe(value)}, "
                 "not a one-element tensor.")
    # The reference is the solution notebook's own run, on the data the provided cells make.
    want_run = nb.reference_snapshot("run_training")
    want = (float(want_run["w"]), float(want_run["b"]))
    value = (float(w.reshape(())), float(b.reshape(())))
    if all(abs(v - t) <= 1e-3 + 1e-3 * abs(t) for v, t in zip(value, want)):
        return
    steps.fail_if_the_data_changed(got, want_run, "`losses, path = train_model(15, 0.1)`")
    if value == (-15.0, -10.0):
        fail("after `losses, path = train_model(15, 0.1)` w and b are still -15 and -10: training did "
             "not update the global parameters.")
    if abs(value[1] + 10.0) < 1e-6:
        fail(f"after training the bias is still b = -10 (w = {value[0]:.5g}): the bias was never updated.")
    fail(f"after `losses, path = train_model(15, 0.1)` your parameters are w = {value[0]:.5g}, "
         f"b = {value[1]:.5g}; training from (-15, -10) on the notebook's data should reach w = {want[0]:.5g}, "
         f"b = {want[1]:.5g}.")
