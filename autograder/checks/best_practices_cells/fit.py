"""Hidden checks of the `best_practices` lab: its `fit` cell.

Gathered, in the order they run, by ``autograder/checks/best_practices.py`` (the file pytest is handed).
"""

import math

import torch
from torch import nn

from autograder.checkapi import cell, close, describe, fail, num, rand, randint
from autograder.checks.best_practices_cells.common import _changed, _number, _numbers, _state, _state_close
from autograder.probes import best_practices as probes
from solutions import best_practices as ref


# ----------------------------------------------------------------------- fit


def _reference_fit(weight, bias, data, options, writer=None):
    model = nn.Linear(weight.shape[1], 1)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    history = ref.fit(model, *data, writer=writer, **options)
    return history, {k: v.detach().clone().double() for k, v in model.state_dict().items()}


def _stopping_data(gen):
    """The validation optimum lies between the start and the training optimum: the validation loss
    falls, then rises, so early stopping fires."""
    n, m = randint(gen, 20, 40), randint(gen, 8, 16)
    slope = float(rand(gen, 1, low=1, high=2))
    far = float(rand(gen, 1, low=4, high=6))
    middle = far * float(rand(gen, 1, low=0.4, high=0.6))
    X_train = torch.randn(n, 1, generator=gen)
    X_val = torch.randn(m, 1, generator=gen)
    Y_train = slope * X_train + far + 0.1 * torch.randn(n, 1, generator=gen)
    Y_val = slope * X_val + middle
    return X_train, Y_train, X_val, Y_val


def _no_near_ties(values):
    best = float("inf")
    for v in values:
        if best != float("inf") and abs(v - best) <= 1e-4 * abs(best):
            return False
        best = min(best, v)
    return True


def _fit_case(nb, gen, scenario, default_gamma=False, real_writer=False):
    """scenario: 'stop' (early stopping + clipping), 'full' (the same, ending by epochs one epoch before
    it would stop) or 'schedule' (StepLR, no early stop, writer; with ``default_gamma``, fit's own default gamma)."""
    for _ in range(20):
        weight, bias = torch.tensor([[float(rand(gen, 1, low=-0.5, high=0.5))]]), torch.tensor([0.0])
        data = _stopping_data(gen)
        if scenario in ("stop", "full"):
            options = {"lr": float(rand(gen, 1, low=0.08, high=0.15)), "epochs": 60,
                       "patience": randint(gen, 3, 5), "max_norm": float(rand(gen, 1, low=3, high=6))}
        else:
            options = {"lr": float(rand(gen, 1, low=0.02, high=0.05)), "epochs": randint(gen, 9, 13),
                       "patience": 100, "step_size": randint(gen, 2, 4), "gamma": float(rand(gen, 1, low=0.3, high=0.7))}
            if default_gamma:
                del options["gamma"]
        history, state = _reference_fit(weight, bias, data, options)
        stopped = len(history["val_loss"]) < options["epochs"]
        if _no_near_ties(history["val_loss"]) and (stopped or scenario == "schedule"):
            break
    if scenario == "full":  # the same data, one epoch short of the stop: the run ends by epochs, its best behind it
        options = dict(options, epochs=len(history["val_loss"]) - 1)
        history, state = _reference_fit(weight, bias, data, options)
    use_writer = scenario == "schedule"
    got = nb.probe(probes.fit, what="fit(model, X_train, Y_train, X_val, Y_val, ...)", cell="fit",
                   reference=("EarlyStopping", "train_step"), weight=weight, bias=bias, data=data,
                   options=options, use_writer=use_writer, real_writer=real_writer)
    kind = got.text("kind")
    if kind != "dict" or "lists" not in got:
        fail(f"fit returned a {kind}; it should return the history dict with train_loss, val_loss, "
             "lr and best_epoch.")
    missing = [k for k in ("train_loss", "val_loss", "lr", "best_epoch") if k not in got.texts("keys")]
    if missing:
        fail(f"fit's history has no {', '.join(repr(k) for k in missing)}; it needs train_loss, val_loss, lr "
             "and best_epoch.")
    lists = got.part("lists")
    for key in ("train_loss", "val_loss", "lr"):
        values = lists[key]
        if not isinstance(values, list) or any(_number(v) is None for v in values):
            fail(f"fit's history[{key!r}] should be a list of numbers, one per epoch.")
    record = {"lists": {key: _numbers(lists[key]) for key in ("train_loss", "val_loss", "lr")},
              "best_epoch": _number(got["best_epoch"]), "state": _state(got["state"], "the model after fit"),
              "calls": _calls(got.get("calls", [])), "events": _events(got.get("events", []))}
    return (weight, bias, data, options), record, history, state


def _events(events) -> list:
    """The scalars read back from the event file: [tag, step, value] (tag a string or None, numbers or None)."""
    if not isinstance(events, list) or not all(isinstance(e, list) and len(e) == 3 for e in events):
        _changed("the scalars read back from fit's TensorBoard event file")
    return [[tag if isinstance(tag, str) else None, _number(step), _number(value)] for tag, step, value in events]


def _calls(calls) -> list:
    """The writer calls the probe recorded: [method, tag, value, step] (tag a string or None, numbers or None)."""
    if not isinstance(calls, list) or not all(isinstance(c, list) and len(c) == 4 for c in calls):
        _changed("the record of fit's writer calls")
    return [[str(name), tag if isinstance(tag, str) else None, _number(value), _number(step)]
            for name, tag, value, step in calls]


def _series(values):
    return torch.tensor(values, dtype=torch.float64)


@cell("test_fit")
def test_fit_records_the_losses_of_every_epoch(nb, gen):
    case, got, history, _ = _fit_case(nb, gen, "stop")
    weight, bias, data, options = case
    lists = got["lists"]
    k = min(len(lists["train_loss"]), len(history["train_loss"]))
    if len(lists["train_loss"]) != len(lists["val_loss"]) or len(lists["lr"]) != len(lists["val_loss"]):
        fail(f"fit's history lists have different lengths (train_loss {len(lists['train_loss'])}, val_loss "
             f"{len(lists['val_loss'])}, lr {len(lists['lr'])}): append one entry to each per epoch.")
    if k == 0:
        fail("fit's history is empty: record the losses of every epoch.")
    got_t, got_v = _series(lists["train_loss"][:k]), _series(lists["val_loss"][:k])
    want_t, want_v = _series(history["train_loss"][:k]), _series(history["val_loss"][:k])
    tol = {"rtol": 1e-4, "atol": 1e-6}
    if close(got_t, want_t, **tol) and close(got_v, want_v, **tol):
        return
    unclipped, _ = _reference_fit(weight, bias, data, {**options, "max_norm": None})
    k2 = min(k, len(unclipped["train_loss"]))
    if k2 and close(got_t[:k2], _series(unclipped["train_loss"][:k2]), **tol) and not close(got_t[:k2], want_t[:k2], **tol):
        fail("fit trained without gradient clipping although max_norm was given: pass max_norm on to train_step.")
    if close(got_t, want_v, **tol) or close(got_v, want_t, **tol):
        fail("fit's train_loss and val_loss are mixed up (the validation loss must be computed on X_val, Y_val).")
    if k > 1 and close(got_v[1:], want_v[:-1], **tol):
        fail("fit's val_loss is one epoch behind: compute the validation loss after the epoch's train_step.")
    if not close(got_t, want_t, **tol):
        fail(f"fit's train_loss was {describe(got_t.tolist())}, expected {describe(want_t.tolist())}: "
             "train_loss[e] is what train_step returned in epoch e (one step on the whole training set, SGD with "
             "lr and MSELoss).")
    fail(f"fit's val_loss was {describe(got_v.tolist())}, expected {describe(want_v.tolist())}: "
         "val_loss[e] is the MSE on (X_val, Y_val) after epoch e's step.")


def _own_stop(val, patience) -> tuple[int | None, int | None]:
    """Where EarlyStopping(patience) ends a run with the validation losses ``val``: (epochs run, None when it
    never stops; the best epoch). A fit whose losses differ (the other check's) is judged on its own."""
    stopper, model, best = ref.EarlyStopping(patience), nn.Linear(1, 1), None
    for epoch, loss in enumerate(val):
        stop = stopper.step(loss, model)
        best = epoch if stopper.counter == 0 else best
        if stop:
            return epoch + 1, best
    return None, best


@cell("test_fit")
def test_fit_stops_when_early_stopping_says_so(nb, gen):
    case, got, history, _ = _fit_case(nb, gen, "stop")
    options = case[3]
    val = got["lists"]["val_loss"]
    ran, want = len(val), len(history["val_loss"])
    if ran == want:
        return
    own, _ = _own_stop(val, options["patience"])
    want = own or options["epochs"]
    if ran == want:
        return
    if ran == options["epochs"]:
        fail(f"fit ran all {ran} epochs although the validation loss stopped improving: stop (break) as soon "
             f"as EarlyStopping(patience).step(val_loss, model) returns True (here after {want} epochs).")
    if ran == want + 1:
        fail(f"fit ran one epoch too many ({ran} instead of {want}): break right after step() returns True, "
             "without training another epoch.")
    fail(f"fit ran {ran} epochs; with patience = {options['patience']} early stopping should end it after "
         f"{want} epochs (feed the validation loss of every epoch to one EarlyStopping).")


@cell("test_fit")
def test_fit_returns_the_best_epoch_and_restores_its_weights(nb, gen):
    case, got, history, state = _fit_case(nb, gen, "stop")
    best = got["best_epoch"]
    want = history["best_epoch"]
    val = got["lists"]["val_loss"]
    final = got["state"]
    restored = _state_close(final, state)
    if best is None or not math.isfinite(best):
        fail("fit's history['best_epoch'] should be the index (from 0) of the epoch with the best validation loss.")
    k = min(len(val), len(history["val_loss"]))
    if not close(_series(val[:k]), _series(history["val_loss"][:k]), rtol=1e-4, atol=1e-6):
        want = _own_stop(val, case[3]["patience"])[1]
        if best == want or want is None:
            return  # the best epoch of its own losses: the losses, and so the weights, are the other check's
    if int(best) != want:
        if int(best) == want + 1:
            fail(f"fit's best_epoch is {int(best)}, one more than the best epoch {want}: epochs are numbered "
                 "from 0, so best_epoch indexes the history lists.")
        if len(val) and int(best) == len(val) - 1:
            fail(f"fit's best_epoch is the last epoch ({int(best)}); it should be the epoch with the lowest "
                 f"validation loss, {want}.")
        fail(f"fit's best_epoch is {int(best)}, expected {want}, the epoch whose validation loss was the best.")
    if not restored:
        fail("after fit the model does not hold the weights of the best epoch: load them back at the end, "
             "model.load_state_dict(stopper.best_state).")
    case, got, history, state = _fit_case(nb, gen, "full")
    ran, best = len(got["lists"]["val_loss"]), got["best_epoch"]
    if ran == case[3]["epochs"] and best == history["best_epoch"] and not _state_close(got["state"], state):
        fail(f"after fit ran all {ran} epochs (early stopping did not fire), the model does not hold the weights "
             f"of its best epoch, {int(best)}: load them back after the loop however the run ended, not only "
             "when it stops early.", mistake="restored only on an early stop")


@cell("test_fit")
def test_fit_follows_the_step_learning_rate_schedule(nb, gen):
    for default_gamma in (False, True):
        _check_schedule(*_fit_case(nb, gen, "schedule", default_gamma=default_gamma))


def _check_schedule(case, got, history, _):
    options = case[3]
    lrs, want = _series(got["lists"]["lr"]), _series(history["lr"])
    if close(lrs, want, rtol=1e-6, atol=1e-12):
        return
    gamma = options.get("gamma", 0.1)
    if len(lrs) and close(lrs, torch.full_like(lrs, options["lr"]), rtol=1e-6):
        fail(f"fit's learning rate never changed although step_size = {options['step_size']}: create "
             "StepLR(optimizer, step_size=step_size, gamma=gamma) and call scheduler.step() once per epoch.")
    if "gamma" not in options and len(want) > 1:
        fail(f"fit(..., step_size={options['step_size']}) without gamma should use the default gamma = 0.1 "
             f"(the learning rate times 0.1 every {options['step_size']} epochs); its lr history was "
             f"{describe(lrs.tolist())}, expected {describe(want.tolist())}.", mistake="wrong default gamma")
    if len(lrs) == len(want) and len(want) > 1 and close(lrs[:-1], want[1:], rtol=1e-6):
        fail("fit's lr history is one epoch ahead: record the rate the epoch uses before calling "
             "scheduler.step() (which prepares the next epoch's rate).")
    shown = ", ".join(f"{v:.4g}" for v in lrs[:8])
    fail(f"with lr = {options['lr']:.3g}, step_size = {options['step_size']}, gamma = {gamma:.3g} fit's lr "
         f"history began [{shown}], expected [{', '.join(f'{v:.4g}' for v in want[:8])}] (StepLR, stepped once "
         "per epoch after the training step).")


@cell("test_fit")
def test_fit_logs_both_losses_to_the_writer(nb, gen):
    case, got, history, _ = _fit_case(nb, gen, "schedule")
    calls = got["calls"]
    scalars = [c for c in calls if c[0] == "add_scalar"]
    if not scalars:
        other = sorted({c[0] for c in calls})
        fail("fit did not call writer.add_scalar" + (f" (it called {', '.join(other)})" if other else "")
             + ": log writer.add_scalar('loss/train', train_loss, epoch) and writer.add_scalar('loss/val', "
             "val_loss, epoch) every epoch.")
    for tag, key in (("loss/train", "train_loss"), ("loss/val", "val_loss")):
        mine = [c for c in scalars if c[1] == tag]
        if not mine:
            tags = sorted({str(c[1]) for c in scalars})
            fail(f"fit logged the tags {tags} but never {tag!r}: use exactly the tags 'loss/train' and 'loss/val'.")
        want = got["lists"][key]
        steps = [c[3] for c in mine]
        if steps == [float(e + 1) for e in range(len(want))]:
            fail("fit logged the epochs as steps 1, 2, 3, ...; epochs are numbered from 0, so the step of "
                 "epoch e is e.")
        if steps != [float(e) for e in range(len(want))]:
            fail(f"fit logged {tag!r} at steps {steps[:6]}{'...' if len(steps) > 6 else ''}; expected one value "
                 f"per epoch at steps 0, 1, ..., {len(want) - 1}.")
        values = [c[2] for c in mine]
        if any(v is None for v in values) or not close(_series(values), _series(want), rtol=1e-4, atol=1e-6):
            fail(f"the values fit logged under {tag!r} are not the ones in history[{key!r}]: log the losses of "
                 "each epoch, the same numbers you record in the history.")
    # The same run with TensorBoard's own SummaryWriter: what its event file holds, read back.
    _, real, _, _ = _fit_case(nb, gen, "schedule", real_writer=True)
    for tag, key in (("loss/train", "train_loss"), ("loss/val", "val_loss")):
        logged = [(step, value) for name, step, value in real["events"] if name == tag]
        numbers = all(step is not None and value is not None for step, value in logged)
        logged = sorted(logged) if numbers else logged
        want = real["lists"][key]
        if not numbers or [s for s, _ in logged] != [float(e) for e in range(len(want))] or not close(
                _series([v for _, v in logged]), _series(want), rtol=1e-5, atol=1e-6):
            fail(f"with a real torch.utils.tensorboard.SummaryWriter, the event file fit wrote holds {len(logged)} "
                 f"{tag!r} values at steps {[num(s) for s, _ in logged][:6]}; expected the {len(want)} losses of "
                 f"history[{key!r}] at steps 0, 1, ... (writer.add_scalar({tag!r}, value, epoch)).")
