"""Hidden checks of the `training_slope_bias` lab: its `train_model` cell.

Gathered, in the order they run, by ``autograder/checks/training_slope_bias.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import (
    as_float, cell, close, describe, expect_close, fail, first_difference, nums, off_center, randint,
)
from autograder.checkapi import steps
from autograder.checks.training_slope_bias_cells.common import EARLIER, TOL, _param
from autograder.probes import training_slope_bias as probes
from solutions import bind
from solutions import training_slope_bias as ref


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
        odd = sorted({str(entry[0]) for entry in got["losses"]
                      if isinstance(entry, (list, tuple)) and len(entry) == 2 and entry[1] is None})
        if odd:
            fail(f"train_model's costs hold {', '.join(odd)} values, not numbers: record loss.item(), a Python "
                 f"float, at every epoch{_under(how)}.", mistake="costs are not numbers")
        steps.fail_if_a_cost_is_not_a_number(values, _under(how))
        if len(values) > 1 and close(values, torch.full_like(values, float(values[0]))):
            fail("train_model's cost never changed: w and b are not being updated (call backward_update "
                 f"with [w, b]){_under(how)}.", mistake="never updated the parameters")
        steps.fail_if_the_first_cost_is_off(values, want, "slope and bias", _under(how), **TOL)
        expect_close(values, want, "train_model's costs", **TOL,
                     hint="The first cost is right, so the steps after it are not gradient descent's: at every "
                          "epoch one backward_update of [w, b] on the cost of all the points, with the lr "
                          f"train_model was given, then zero_grad{_under(how)}.")


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
        (k, column), got_value, want_value, _ = first_difference(path, want, **TOL)
        shown, expected = nums(got_value, want_value)
        name, epochs_run = "wb"[column], k + start
        fail(f"point {epochs_run} of train_model's path has {name} = {shown}, but after {epochs_run} "
             f"epoch{'' if epochs_run == 1 else 's'} of gradient descent {name} is {expected}{_under(how)}.")
