"""Hidden checks of the `best_practices` lab: its `train_step` cell.

Gathered, in the order they run, by ``autograder/checks/best_practices.py`` (the file pytest is handed).
"""

import torch
from torch import nn

from autograder.checkapi import as_float, as_tensor, cell, describe, fail, is_number, num, rand, randint
from autograder.checks.best_practices_cells.common import _changed, _number, _state, _state_close
from autograder.probes import best_practices as probes
from solutions import best_practices as ref


# ---------------------------------------------------------------- train_step


def _reference_steps(weight, bias, lr, batches, max_norm, *, accumulate=False, clip=None):
    model = nn.Linear(weight.shape[1], 1)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    states = []
    for X, Y in batches:
        if accumulate or clip is not None:
            if not accumulate:
                optimizer.zero_grad()
            nn.MSELoss()(model(X), Y).backward()
            if clip == "value":
                torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
            optimizer.step()
        else:
            ref.train_step(model, optimizer, nn.MSELoss(), X, Y, max_norm)
        states.append({k: v.detach().clone().double() for k, v in model.state_dict().items()})
    return states


def _step_case(nb, gen, *, exploding=False):
    d = randint(gen, 1, 3)
    n = randint(gen, 8, 20)
    if exploding:
        X = rand(gen, n, d, low=100, high=500)
        max_norm = float(rand(gen, 1, low=0.5, high=3.0))
        lr = float(rand(gen, 1, low=1e-3, high=1e-2))
        batches = [(X, X @ rand(gen, d, 1, low=1, high=3) + 50)]
    else:
        max_norm = None
        lr = float(rand(gen, 1, low=0.01, high=0.05))
        batches = []
        for _ in range(2):
            X = rand(gen, n, d)
            batches.append((X, X @ rand(gen, d, 1, low=3, high=6) + float(rand(gen, 1, low=6, high=10))))
    weight, bias = rand(gen, 1, d, low=-1, high=1), rand(gen, 1, low=-1, high=1)
    got = nb.probe(probes.train_step, what="train_step(model, optimizer, loss_fn, X, Y, max_norm)",
                   cell="train_step", weight=weight, bias=bias, lr=lr, batches=batches, max_norm=max_norm)
    return (weight, bias, lr, batches, max_norm), _step_records(got.parts(len(batches)))


def _step_records(parts) -> list[dict]:
    """The probe's record of each step, every value of the kind the probe makes."""
    what = "the record of train_step's steps"
    records = []
    for part in parts:
        before, after = _number(part["loss_before"]), _number(part["loss_after"])
        if before is None or after is None:
            _changed(what)
        records.append({"returned": part["returned"], "loss_before": before, "loss_after": after,
                        "before": _state(part["before"], what), "after": _state(part["after"], what)})
    return records


@cell("test_train_step")
def test_train_step_returns_the_loss_before_the_step(nb, gen):
    case, got = _step_case(nb, gen)
    first = got[0]
    value = first["returned"]
    if isinstance(value, torch.Tensor):
        fail("train_step returned the loss tensor: return loss.item(), a Python float (a stored tensor keeps "
             "its whole autograd graph alive).")
    if value is None:
        fail("train_step returned None: did you forget `return loss.item()`?")
    if not is_number(value):
        fail(f"train_step returned {describe(value)}; it should return the loss as a Python float (loss.item()).")
    value = as_float(value, "what train_step returned")
    if abs(value - first["loss_before"]) <= 1e-4 * abs(first["loss_before"]) + 1e-6:
        return
    if abs(value - first["loss_after"]) <= 1e-4 * abs(first["loss_after"]) + 1e-6:
        fail("train_step returned the loss after the update (recomputed after optimizer.step()); return the loss "
             "computed in this step, before the parameters moved.")
    fail(f"train_step returned {num(value)}, but the loss of the model on (X, Y) before the step was "
         f"{num(first['loss_before'])}.")


@cell("test_train_step")
def test_train_step_takes_one_sgd_step_with_fresh_gradients(nb, gen):
    case, got = _step_case(nb, gen)
    weight, bias, lr, batches, _ = case
    want = _reference_steps(weight, bias, lr, batches, None)
    after = [g["after"] for g in got]
    if all(_state_close(a, w) for a, w in zip(after, want)):
        return
    if _state_close(after[0], got[0]["before"], tol=1e-7):
        fail("train_step did not change the parameters: call loss.backward() and then optimizer.step().")
    if _state_close(after[0], want[0]):
        accumulated = _reference_steps(weight, bias, lr, batches, None, accumulate=True)
        if _state_close(after[1], accumulated[1]):
            fail("train_step's second step used the sum of the old and new gradients: call optimizer.zero_grad() "
                 "at the start of every step, or the gradients accumulate from step to step.")
    for norm in (0.1, 0.5, 1.0, 2.0, 5.0, 10.0):
        clipped = _reference_steps(weight, bias, lr, batches, norm)
        if _state_close(after[0], clipped[0]):
            fail(f"train_step clipped the gradient (to norm {norm:g}) although max_norm was not given: clip only "
                 "when max_norm is not None.")
    fail(f"after one train_step the parameters were {describe(as_tensor(after[0]['weight'], 'weight'))}, expected "
         f"{describe(want[0]['weight'])} (one SGD step, lr = {lr:.3g}, on the loss of this batch).")


@cell("test_train_step")
def test_train_step_clips_the_gradient_norm_before_the_step(nb, gen):
    case, got = _step_case(nb, gen, exploding=True)
    weight, bias, lr, batches, max_norm = case
    want = _reference_steps(weight, bias, lr, batches, max_norm)[0]
    after = got[0]["after"]
    if _state_close(after, want):
        return
    before = got[0]["before"]
    moved = torch.cat([(before[k] - after[k]).reshape(-1) for k in ("weight", "bias")
                       if before[k].shape == after[k].shape]) / lr
    norm = float(moved.norm())
    unclipped = _reference_steps(weight, bias, lr, batches, None)[0]
    if _state_close(after, unclipped):
        fail(f"with max_norm = {max_norm:.3g} train_step took the full, unclipped step (gradient norm "
             f"{norm:.4g}): clip_grad_norm_ must run after loss.backward() and before optimizer.step(); "
             "clipping after the step (or not at all) changes nothing.")
    if _state_close(after, _reference_steps(weight, bias, lr, batches, max_norm, clip="value")[0]):
        fail("train_step clipped each gradient component separately (clip_grad_value_); clip the norm of all "
             "the gradients together with torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm).")
    fail(f"with max_norm = {max_norm:.3g} the step train_step took corresponds to a gradient of norm "
         f"{norm:.4g}; clip_grad_norm_(model.parameters(), max_norm) should cap it at {max_norm:.3g}.")
