"""Hidden checks of the `training_slope_bias` lab: slope and bias, the cost surface.

Each check judges one idea, so that one misunderstanding costs one check. The
probes (``autograder/probes/training_slope_bias.py``) only collect values in
the student's process; every verdict is made here, against `solutions/`, on
inputs drawn fresh for every student: off-centre data, grids that are never
square, slopes and biases away from 0, 1 and the notebook's own numbers.
"""

import torch

from autograder.checkapi import (
    as_float, as_tensor, cell, close, describe, expect_close, fail, first_difference, nums, numbers_or_none,
    off_center, rand, randint, signed, yes,
)
from autograder.checkapi import steps
from autograder.probes import training_slope_bias as probes
from solutions import bind
from solutions import training_slope_bias as ref

#: Globals copied aside right after these provided cells ran (checks read them with
#: nb.snapshot(grade_id); probes as SNAPSHOTS[grade_id]).
SNAPSHOT_AFTER = {"run_training": ["w", "b", "X", "Y"]}
EARLIER = ("forward", "criterion", "backward_update", "zero_grad")
TOL = {"rtol": 1e-4, "atol": 1e-5}


def _param(gen, low=1.5, high=6.0) -> float:
    """A parameter value away from 0 and 1, with a random sign."""
    return signed(gen, low, high)


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


# ----------------------------------------------------------------- criterion
# The same cost as in every lab that trains by hand: see autograder/checks/steps.py.


@cell("test_criterion")
def test_criterion_is_mean_squared_error(nb, gen):
    steps.judge_criterion_is_mean_squared_error(steps.criterion_case(nb, gen), ref.criterion)


@cell("test_criterion")
def test_criterion_sends_the_gradient_back_to_yhat(nb, gen):
    steps.judge_criterion_sends_the_gradient_back(steps.criterion_case(nb, gen), ref.criterion)


# ------------------------------------------------------------- cost_surface


def _surface_case(nb, gen):
    """A grid that is never square (a transposed surface cannot pass), on off-centre data."""
    m = randint(gen, 7, 12)
    k = m + randint(gen, 2, 5)
    w_values = torch.linspace(float(rand(gen, 1, low=-6, high=-3)), float(rand(gen, 1, low=3, high=6)), m)
    b_values = torch.linspace(float(rand(gen, 1, low=-9, high=-5)), float(rand(gen, 1, low=1, high=4)), k)
    n = randint(gen, 8, 20)
    X = off_center(gen, n)
    Y = _param(gen, low=0.5, high=3) * X + _param(gen, low=0.5, high=2) + 0.3 * rand(gen, n, 1)
    got = nb.probe(probes.cost_surface, what="cost_surface(w_values, b_values, X, Y)", cell="cost_surface",
                   reference=("forward", "criterion"), w_values=w_values, b_values=b_values, X=X, Y=Y,
                   w0=float(rand(gen, 1)), b0=float(rand(gen, 1)), X_global=off_center(gen, n + 4),
                   Y_global=off_center(gen, n + 4))
    want = ref.cost_surface(w_values.double(), b_values.double(), X.double(), Y.double()).double()
    return w_values, b_values, X, Y, _surface(got), want


def _surface(got) -> torch.Tensor:
    """What cost_surface returned, as a float64 tensor: a tensor, a NumPy array or a
    table of numbers, which the notebook's plotting cells take too (torch.as_tensor)."""
    Z, kind = got["Z"], got.text("kind")
    if kind == "list of tensors":
        fail("cost_surface returned a Python list of row tensors; return one tensor: torch.stack(rows) "
             "(the notebook's plotting cells need a single table).", mistake="returned a list of tensors")
    if hasattr(Z, "dtype") and hasattr(Z, "shape") and not isinstance(Z, torch.Tensor):  # a NumPy array
        try:
            Z = torch.as_tensor(Z, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            fail(f"cost_surface returned {describe(Z)}, which is not a table of numbers.")
    return as_tensor(Z, "cost_surface(w_values, b_values, X, Y)")


@cell("test_cost_surface")
def test_cost_surface_has_one_row_per_bias_and_one_column_per_slope(nb, gen):
    w_values, b_values, _, _, Z, want = _surface_case(nb, gen)
    m, k = len(w_values), len(b_values)
    if tuple(Z.shape) == (k, m):
        return
    if tuple(Z.shape) == (m, k):
        fail(f"for {m} slopes and {k} biases cost_surface returned shape {(m, k)}: the surface is "
             f"transposed. Z needs one row per bias and one column per slope, shape "
             f"(len(b_values), len(w_values)) = {(k, m)} (meshgrid with indexing='xy', or Z[i, j] "
             "for b_values[i], w_values[j]).", mistake="transposed the surface")
    fail(f"for {m} slopes and {k} biases cost_surface returned {describe(Z)}; expected a tensor of "
         f"shape (len(b_values), len(w_values)) = {(k, m)}.", mistake="wrong shape")


@cell("test_cost_surface", points=2)
def test_cost_surface_holds_the_cost_of_every_line(nb, gen):
    w_values, b_values, X, Y, Z, want = _surface_case(nb, gen)
    n = X.shape[0]
    # Rows and columns swapped is the shape check's idea: here the values count, read the right way round.
    if Z.shape == want.T.shape and Z.shape != want.shape:
        Z = Z.T
    if close(Z, want, rtol=1e-4, atol=1e-4):
        return
    if Z.shape != want.shape:
        fail(f"cost_surface returned shape {tuple(Z.shape)}, so its values could not be compared with "
             f"the expected surface of shape {tuple(want.shape)}.", mistake="wrong shape")
    if Z.numel() > 1 and close(Z, torch.full_like(Z, float(Z.reshape(-1)[0]))):
        fail("every entry of cost_surface's Z is the same number: the cost must be computed at each "
             "grid point (w_values[j], b_values[i]), not with the global w and b.", mistake="used the global w and b")
    swapped = ref.cost_surface(b_values.double(), w_values.double(), X.double(), Y.double()).T
    if close(Z, swapped, rtol=1e-4, atol=1e-4):
        fail("cost_surface used the bias values as slopes and the slope values as biases: the line at "
             "grid point (i, j) is w_values[j] * x + b_values[i].", mistake="swapped slope and bias")
    if close(Z, want * n, rtol=1e-4, atol=1e-4):
        fail("cost_surface's values are N times too big: sum instead of mean? Each entry is the mean "
             "squared error.", mistake="sum instead of mean")
    if close(Z, want.sqrt(), rtol=1e-4, atol=1e-4):
        fail("cost_surface holds the square roots of the costs (RMSE); use the mean squared error.",
             mistake="square root (RMSE)")
    (i, j), got_value, want_value, _ = first_difference(Z, want, rtol=1e-4, atol=1e-4)
    shown, expected = nums(got_value, want_value)
    fail(f"cost_surface's Z[{i}, {j}] is {shown}, but the mean squared error of the line "
         f"w = {float(w_values[j]):.4g}, b = {float(b_values[i]):.4g} on X, Y is {expected}.")


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
    """Runs of the student's train_model with the reference earlier cells, under each
    right way of writing them (the update in place, gradients set to None), on off-centre data."""
    n = randint(gen, 12, 30)
    X = off_center(gen, n)
    Y = _param(gen) * X + _param(gen, low=0.5, high=3.0) + 0.1 * torch.randn(X.shape, generator=gen)
    w0, b0 = _param(gen, 2.0, 8.0), _param(gen, 2.0, 8.0)
    epochs = randint(gen, 4, 9)
    lr = float(0.2 + 0.4 * torch.rand(1, generator=gen)) / (2 * float((X ** 2).mean()) + 2)
    runs = nb.probe_each(probes.train_model, what="train_model(epochs, lr)", cell="train_model",
                         reference=EARLIER, w0=w0, b0=b0, X=X, Y=Y, epochs=epochs, lr=lr)
    return runs, (w0, b0, X, Y, epochs, lr)


def _reference(case, epochs: int) -> tuple[list[float], list[tuple[float, float]], tuple[float, float]]:
    w0, b0, X, Y, _, lr = case
    run = bind(ref, w=torch.tensor(w0, dtype=torch.float64, requires_grad=True),
               b=torch.tensor(b0, dtype=torch.float64, requires_grad=True), X=X.double(), Y=Y.double())
    losses, path = run.train_model(epochs, lr)
    return losses, path, (float(run.globals["w"].detach()), float(run.globals["b"].detach()))


def _accumulating_run(w0, b0, X, Y, epochs, lr):
    """Training where gradients are never cleared: a common mistake."""
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = torch.mean((w * X.double() + b - Y.double()) ** 2)
        loss.backward()
        w.data, b.data = w.data - lr * w.grad, b.data - lr * b.grad
        losses.append(loss.item())
    return losses


def _slope_only_run(w0, b0, X, Y, epochs, lr):
    """Training that updates only w: a common mistake."""
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    losses, path = [], [(w0, b0)]
    for _ in range(epochs):
        loss = torch.mean((w * X.double() + b - Y.double()) ** 2)
        loss.backward()
        w.data = w.data - lr * w.grad
        w.grad.zero_()
        losses.append(loss.item())
        path.append((w.item(), b0))
    return losses, path


def _pair_returned(got) -> None:
    if "result" in got:
        fail(f"train_model returned {describe(got['result'])}; it should return a pair (losses, path).",
             mistake="did not return (losses, path)")


def _numbers(entries, what: str) -> tuple[torch.Tensor, set[str]]:
    """The values of the probe's (type, value) entries, and the types seen."""
    if not isinstance(entries, list):
        fail(f"{what} could not be read.", mistake="broke the probe")
    kinds, values = set(), []
    for entry in entries:
        kind, value = entry if isinstance(entry, (list, tuple)) and len(entry) == 2 else ("?", None)
        kinds.add(str(kind))
        values.append(as_float(value, what) if value is not None else float("nan"))
    return torch.tensor(values, dtype=torch.float64), kinds


def _path(got, what="train_model's path") -> tuple[torch.Tensor, set[str]]:
    points = got["path"]
    if points is None:
        fail(f"train_model's second result (the path) is {describe(got['path_repr'])}; it should be a list "
             "of (w, b) pairs.", mistake="path is not a list of pairs")
    if not isinstance(points, list) or any(not isinstance(p, list) or len(p) != 2 for p in points):
        fail("every entry of train_model's path should be a pair of numbers (w.item(), b.item()).",
             mistake="path is not a list of pairs")
    kinds, rows = set(), []
    for point in points:
        values, seen = _numbers(point, what)
        kinds |= seen
        rows.append(values)
    return (torch.stack(rows) if rows else torch.zeros(0, 2, dtype=torch.float64)), kinds


def _under(how: str) -> str:
    return f" (with {how}, which is also right)" if how else ""


@cell("test_train_model")
def test_train_model_returns_one_float_cost_per_epoch(nb, gen):
    runs, case = _train_case(nb, gen)
    got, epochs = runs[0][1], case[4]
    _pair_returned(got)
    if got["losses"] is None:
        fail(f"train_model's first result (the costs) is {describe(got['losses_repr'])}; it should be a list "
             "of Python floats.", mistake="did not return the list of costs")
    values, kinds = _numbers(got["losses"], "train_model's costs")
    if "tensor" in kinds:
        fail("train_model stored loss tensors in the costs list: append loss.item(), a Python float "
             "(a stored tensor keeps its whole autograd graph alive).", mistake="not Python floats")
    if kinds - {"float"}:
        fail(f"train_model's costs list holds {sorted(kinds)}; every cost should be a Python float (loss.item()).",
             mistake="not Python floats")
    if len(values) != epochs:
        fail(f"train_model({epochs}, lr) returned {len(values)} costs; it should record one cost per "
             f"epoch, {epochs} in all.", mistake="wrong number of epochs")


@cell("test_train_model")
def test_train_model_costs_follow_gradient_descent_on_w_and_b(nb, gen):
    runs, case = _train_case(nb, gen)
    for how, got in runs:
        _pair_returned(got)
        if got["losses"] is None:
            fail("train_model did not return a list of costs, so its costs could not be compared.",
                 mistake="did not return the list of costs")
        # The costs it recorded are judged as far as they go (how many is the other check's idea).
        values, _ = _numbers(got["losses"][:case[4] + 1], "train_model's costs")
        want = torch.tensor(_reference(case, len(values))[0], dtype=torch.float64)
        if close(values, want, **TOL):
            continue
        if close(values, torch.tensor(_accumulating_run(*case[:4], len(values), case[5]), dtype=torch.float64), **TOL):
            fail("train_model's costs match a run whose gradients are never cleared: call zero_grad([w, b]) "
                 f"after every update so the gradients do not accumulate{_under(how)}.", mistake="never cleared gradients")
        if close(values, torch.tensor(_slope_only_run(*case[:4], len(values), case[5])[0], dtype=torch.float64), **TOL):
            fail("train_model's costs match a run that trains only the slope: pass both parameters, "
                 f"[w, b], to backward_update and zero_grad{_under(how)}.", mistake="trained only the slope")
        after = torch.tensor(_reference(case, len(values) + 1)[0][1:], dtype=torch.float64)
        if len(values) > 1 and close(values, after, **TOL):
            fail("train_model recorded each cost after the update; record the cost computed in the "
                 f"epoch, before the parameters move{_under(how)}.", mistake="recorded the cost after the update")
        if len(values) > 1 and close(values, torch.full_like(values, float(values[0]))):
            fail("train_model's cost never changed: w and b are not being updated (call backward_update "
                 f"with [w, b]){_under(how)}.", mistake="never updated the parameters")
        expect_close(values, want, "train_model's costs", **TOL,
                     hint=f"Each epoch: forward, criterion, backward_update and zero_grad on [w, b]{_under(how)}.")


@cell("test_train_model")
def test_train_model_path_is_epochs_plus_1_float_pairs_from_the_start(nb, gen):
    runs, case = _train_case(nb, gen)
    got = runs[0][1]
    w0, b0, _, _, epochs, _ = case
    _pair_returned(got)
    path, kinds = _path(got)
    if kinds - {"float"}:
        tensors = " (w.detach() and w.data are tensors that keep changing with w)" if "tensor" in kinds else ""
        fail(f"train_model's path holds {sorted(kinds)}, not Python floats{tensors}: store each point as "
             "(w.item(), b.item()).", mistake="stored tensors in the path")
    want_path = torch.tensor(_reference(case, epochs)[1], dtype=torch.float64)
    if len(path) == epochs and close(path, want_path[1:], **TOL):
        fail(f"train_model's path has {epochs} points, the parameters after each update, but is "
             "missing its start: put the initial (w.item(), b.item()) in the path before the first "
             f"epoch, so it holds epochs + 1 = {epochs + 1} points.", mistake="path misses the start")
    if len(path) and close(path[0], torch.tensor([b0, w0], dtype=torch.float64), **TOL):
        fail("train_model's path holds (b, w) pairs; each point should be (w, b), slope first.",
             mistake="path in (b, w) order")
    if len(path) != epochs + 1:
        fail(f"train_model({epochs}, lr)'s path has {len(path)} points; it should hold the start and "
             f"the point after every epoch, {epochs + 1} in all.", mistake="wrong number of epochs")
    if not close(path[0], torch.tensor([w0, b0], dtype=torch.float64), **TOL):
        fail(f"train_model's path starts at ({float(path[0, 0]):.4g}, {float(path[0, 1]):.4g}), but the "
             f"parameters started at ({w0:.4g}, {b0:.4g}): the first point is the initial (w, b).",
             mistake="path does not start at the start")


@cell("test_train_model")
def test_train_model_path_follows_the_updates_of_w_and_b(nb, gen):
    runs, case = _train_case(nb, gen)
    w0, b0, _, _, epochs, _ = case
    for how, got in runs:
        _pair_returned(got)
        path, kinds = _path(got)
        if how and kinds - {"float"}:
            continue  # stored tensors follow the update in place: the other check's idea (floats)
        if len(path) and close(path[0], torch.tensor([b0, w0], dtype=torch.float64), **TOL):
            path = path.flip(1)  # (b, w) order is the other check's idea
        # A path without its start (the other check's idea) is read as the points after each epoch.
        start = 1 if len(path) and not close(path[0], torch.tensor([w0, b0], dtype=torch.float64), **TOL) else 0
        want = torch.tensor(_reference(case, max(len(path) - 1 + start, 0))[1], dtype=torch.float64)[start:]
        if close(path, want, **TOL):
            final = (got["w"], got["b"])
            if all(isinstance(v, torch.Tensor) and v.numel() == 1 for v in final) and len(path) == epochs + 1 - start:
                last = torch.tensor([float(final[0].reshape(())), float(final[1].reshape(()))], dtype=torch.float64)
                if not close(last, path[-1], **TOL):
                    fail(f"after train_model the global (w, b) are ({float(last[0]):.4g}, {float(last[1]):.4g}), "
                         f"but its path ends at ({float(path[-1, 0]):.4g}, {float(path[-1, 1]):.4g}): train_model "
                         f"should train the global w and b in place{_under(how)}.", mistake="did not train the globals")
            continue
        if len(path) > 2 and close(path[1:], path[-1:].expand_as(path[1:]), **TOL) and \
                not close(want[1], want[-1], **TOL):
            fail("the points of train_model's path after the start all hold the final (w, b): the path stored "
                 "the tensors w and b themselves, which keep changing. Store their values, (w.item(), b.item())"
                 f"{_under(how)}.", mistake="stored tensors in the path")
        slope_only = torch.tensor(_slope_only_run(*case[:4], len(path) - 1 + start, case[5])[1],
                                  dtype=torch.float64)[start:]
        if path.shape == slope_only.shape and close(path, slope_only, **TOL):
            fail(f"along train_model's path the bias never moves: update both parameters, [w, b]{_under(how)}.",
                 mistake="trained only the slope")
        if path.shape != want.shape:
            fail(f"train_model's path has shape {tuple(path.shape)}, so its points could not be compared.",
                 mistake="path is not a list of pairs")
        (k, _), got_value, want_value, _ = first_difference(path, want, **TOL)
        shown, expected = nums(got_value, want_value)
        fail(f"train_model's path point {k + start} has {shown} where (w, b) after {k + start} epochs has "
             f"{expected}{_under(how)}.")


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
    steps_ = randint(gen, 4, 8)
    start = (float(w_values[-2]), float(b_values[1]))
    path = [(start[0] + (w_c - start[0]) * (1 - 0.5 ** s), start[1] + (b_c - start[1]) * (1 - 0.6 ** s))
            for s in range(steps_ + 1)]
    got = nb.probe(probes.plot_contour, what="plot_contour(w_values, b_values, Z, path)", cell="plot_contour",
                   w_values=w_values, b_values=b_values, Z=Z, path=path)
    if not yes(got["is_axes"]):
        fail(f"plot_contour drew nothing (it returned {got['returned']}); it should draw on an Axes and return "
             "it (e.g. `fig, ax = plt.subplots()` ... `return ax`).", mistake="drew nothing")
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
    levels = numbers_or_none(contour.get("levels"))
    vertices = contour.get("vertices")
    if levels is None or not len(levels) or not isinstance(vertices, list):
        return 0.0
    span = float(Z.max() - Z.min())
    lo_w, hi_w, lo_b, hi_b = float(w_values[0]), float(w_values[-1]), float(b_values[0]), float(b_values[-1])
    tables = [numbers_or_none(verts) for verts in vertices]
    points = [tuple(float(v) for v in row) for t in tables if t is not None and t.dim() == 2 and t.shape[1] == 2
              for row in t]
    if not points:
        return 0.0
    values = _interpolate(w_values, b_values, Z, points)
    filled = yes(contour.get("filled"))
    good = 0
    for (x, y), z in zip(points, values):
        on_edge = filled and (min(abs(x - lo_w), abs(x - hi_w)) < 1e-6 * (1 + abs(x))
                              or min(abs(y - lo_b), abs(y - hi_b)) < 1e-6 * (1 + abs(y)))
        if on_edge or (bool(torch.isfinite(z)) and float((levels - z).abs().min()) <= 2e-3 * span + 1e-6):
            good += 1
    return good / len(points)


@cell("test_plot_contour")
def test_plot_contour_draws_the_contours_of_z_over_w_and_b(nb, gen):
    w_values, b_values, Z, _, got = _plot_case(nb, gen)
    returned = got.text("returned")
    if returned == "figure":
        fail("plot_contour returned the Figure; return the Axes it drew on (`fig, ax = plt.subplots()` ... "
             "`return ax`).", mistake="returned the Figure")
    if returned != "axes":
        fail(f"plot_contour returned {got['returned']}; it should return the matplotlib Axes it drew on.",
             mistake="did not return the Axes")
    if yes(got["stale"]):
        fail("plot_contour returned an Axes made before it was called (a global ax from an earlier cell?): "
             "make a new one with `fig, ax = plt.subplots()`.", mistake="drew on an old Axes")
    contours = [c for c in got.get("contours", []) if isinstance(c, dict)]
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
    series = []
    for line in got["lines"] if isinstance(got["lines"], list) else []:
        xy = numbers_or_none([line.get("x"), line.get("y")]) if isinstance(line, dict) else None
        if xy is not None and xy.dim() == 2 and xy.shape[1]:
            series.append(xy.T)
    for c in got["collections"] if isinstance(got["collections"], list) else []:
        if isinstance(c, dict) and c.get("type") not in ("QuadContourSet", "ContourSet"):
            offsets = numbers_or_none(c.get("offsets"))
            if offsets is not None and offsets.dim() == 2 and len(offsets):
                series.append(offsets)
    tol = {"rtol": 1e-4, "atol": 1e-6}
    if any(s.shape == want.shape and close(s, want, **tol) for s in series):
        return
    if any(s.shape == want.shape and close(s, want.flip(1), **tol) for s in series):
        fail("plot_contour drew the path with the biases along x and the slopes along y: plot the "
             "slopes (first of each pair) as x and the biases as y, like the contours.", mistake="path axes swapped")
    if any(s.shape == want[1:].shape and close(s, want[1:], **tol) for s in series):
        fail("plot_contour left out the first point of the path (its start).", mistake="path misses the start")
    if not series:
        fail("plot_contour drew the contours but not the path of (w, b): plot it on the same Axes, "
             "e.g. ax.plot(path_w, path_b, 'o-').", mistake="forgot the path")
    fail("none of the lines or markers plot_contour drew follows the (w, b) path it was given "
         "(slopes as x, biases as y, every point in order).", mistake="did not draw the path")


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
    want = (float(want_run["w"].detach()), float(want_run["b"].detach()))
    value = (float(w.reshape(())), float(b.reshape(())))
    if all(abs(v - t) <= 1e-3 + 1e-3 * abs(t) for v, t in zip(value, want)):
        return
    steps.fail_if_the_data_changed(got, want_run, "`losses, path = train_model(15, 0.1)`")
    if value == (-15.0, -10.0):
        fail("after `losses, path = train_model(15, 0.1)` w and b are still -15 and -10: training did "
             "not update the global parameters.", mistake="did not train the globals")
    if abs(value[1] + 10.0) < 1e-6:
        fail(f"after training the bias is still b = -10 (w = {value[0]:.5g}): the bias was never updated.")
    fail(f"after `losses, path = train_model(15, 0.1)` your parameters are w = {value[0]:.5g}, "
         f"b = {value[1]:.5g}; training from (-15, -10) on the notebook's data should reach w = {want[0]:.5g}, "
         f"b = {want[1]:.5g}.")
