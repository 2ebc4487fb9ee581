"""Hidden checks of the `best_practices` lab: its `early_stopping` cell.

Gathered, in the order they run, by ``autograder/checks/best_practices.py`` (the file pytest is handed).
"""

from torch import nn

from autograder.checkapi import as_tensor, cell, close, describe, fail, is_number, num, rand, randint
from autograder.checks.best_practices_cells.common import _changed, _number, _numbers, _state
from autograder.probes import best_practices as probes
from solutions import best_practices as ref


# ------------------------------------------------------------- EarlyStopping


def _sequence(gen, patience):
    """Improvements, an exact tie with the best (not an improvement), a reset, then `patience` bad epochs."""
    level = float(rand(gen, 1, low=5, high=20))
    losses = [level]
    for _ in range(randint(gen, 2, 3)):
        level -= float(rand(gen, 1, low=0.5, high=2))
        losses.append(level)
    losses.append(level)                                      # a tie: not an improvement
    for _ in range(patience - 2):
        losses.append(level + float(rand(gen, 1, low=0.1, high=1)))
    level -= float(rand(gen, 1, low=0.5, high=1))             # a new best: counter back to 0
    losses.append(level)
    losses.append(level + float(rand(gen, 1, low=0.1, high=1)))
    losses.append(level)                                      # another tie
    for _ in range(patience):
        losses.append(level + float(rand(gen, 1, low=0.1, high=1)))
    return losses


def _reference_run(patience, min_delta, losses):
    stopper = ref.EarlyStopping(patience) if min_delta is None else ref.EarlyStopping(patience, min_delta=min_delta)
    model = nn.Linear(1, 1)
    stops, counters, best, best_at = [], [], [], None
    for i, loss in enumerate(losses):
        stops.append(stopper.step(loss, model))
        counters.append(stopper.counter)
        best.append(stopper.best_loss)
        if stopper.counter == 0:
            best_at = i
    return stops, counters, best, best_at


def _early_case(nb, gen, min_delta=None):
    patience = randint(gen, 2, 4)
    losses = _sequence(gen, patience)
    if min_delta is not None:
        # improvements smaller than min_delta, which must not count
        losses = losses[:2] + [losses[1] - min_delta / 2] + losses[2:]
    stops, counters, best, best_at = _reference_run(patience, min_delta, losses)
    first = stops.index(True) if True in stops else len(losses) - 1
    losses = losses[:first + 2]
    stops, counters, best, best_at = _reference_run(patience, min_delta, losses)
    moves = [rand(gen, 3, low=-1, high=1).tolist() for _ in losses]
    moves = [[m[:2], m[2:]] for m in moves]
    got = nb.probe(probes.early_stopping, what="EarlyStopping.step(val_loss, model)", cell="EarlyStopping",
                   patience=patience, min_delta=min_delta, losses=losses,
                   weight=rand(gen, 1, 2), bias=rand(gen, 1), moves=moves)
    want = {"stops": stops, "counters": counters, "best": best, "best_at": best_at, "first": first}
    return patience, losses, _early_record(got, len(losses)), want


def _early_record(got, epochs: int) -> dict:
    """The probe's record of one EarlyStopping run, every value of the kind the probe makes."""
    what = "the record of EarlyStopping's run"
    lists = {key: got[key] for key in ("stops", "counters", "best", "weights")}
    if not all(isinstance(v, list) and len(v) == epochs for v in lists.values()):
        _changed(what)
    return {
        "stops": [v if v is True or v is False else None for v in lists["stops"]],
        "counters": _numbers(lists["counters"]),
        "best": _numbers(lists["best"]),
        "weights": [_state(w, what) for w in lists["weights"]],
        "final": _state(got["final"], what),
        "best_loss_start": _number(got["best_loss_start"]),
        "counter_start": got["counter_start"],
        "best_state": got["best_state"],
    }


def _variant_stops(patience, min_delta, losses, *, strict=True, late=False, reset=True, sign=-1, exact=False):
    best, counter, out = float("inf"), 0, []
    for loss in losses:
        better = loss < best + sign * min_delta if strict else loss <= best + sign * min_delta
        if better:
            best = loss
            counter = 0 if reset else counter
        else:
            counter += 1
        out.append(counter > patience if late else counter == patience if exact else counter >= patience)
    return out


def _fail_if_best_loss_follows_every_loss(got, losses, want) -> None:
    """best_loss set to each validation loss, better or not (the update outside the ``if``): its stops and
    its best_state look like a tie counted as an improvement, which is not what went wrong."""
    if got["best"] == [float(v) for v in losses] != want["best"]:
        fail("EarlyStopping's best_loss became every validation loss, better or not: set best_loss (and "
             "best_state) only on an improvement, inside the `if val_loss < best_loss - min_delta:` branch.",
             mistake="best_loss set every epoch")


@cell("test_EarlyStopping")
def test_early_stopping_stops_after_patience_epochs_without_improvement(nb, gen):
    patience, losses, got, want = _early_case(nb, gen)
    stops = got["stops"]
    if stops == want["stops"]:
        return
    _fail_if_best_loss_follows_every_loss(got, losses, want)
    if any(s is None for s in stops):
        fail("EarlyStopping.step returned None: it should return True (stop now) or False.")
    first = want["first"]
    shown = ", ".join(f"{v:.3g}" for v in losses)
    got_first = stops.index(True) if True in stops else None
    if stops == _variant_stops(patience, 0.0, losses, late=True) or got_first == first + 1:
        fail(f"EarlyStopping stops one epoch late: with patience = {patience} it must return True as soon as "
             f"counter reaches patience (counter >= patience), at epoch {first}, not after one more bad epoch.")
    if stops == _variant_stops(patience, 0.0, losses, strict=False):
        fail("EarlyStopping counted a validation loss equal to the best one as an improvement: an improvement "
             "must be strictly lower, val_loss < best_loss - min_delta.")
    if stops == _variant_stops(patience, 0.0, losses, reset=False):
        fail("EarlyStopping did not reset counter to 0 after an improvement, so it stopped too early.")
    if stops == _variant_stops(patience, 0.0, losses, exact=True):
        fail(f"EarlyStopping.step returned True at epoch {first} but False at epoch {first + 1}, when counter was "
             f"{patience + 1}: it should return True as long as counter >= patience, not only when counter == "
             "patience.", mistake="stops only at counter == patience")
    if got_first is None:
        fail(f"with patience = {patience} and validation losses {shown}, EarlyStopping.step never returned True; "
             f"it should return True at epoch {first}, the {patience}th epoch in a row without improvement.")
    if got_first == first - 1:
        fail(f"EarlyStopping stops one epoch early: with patience = {patience} it should return True when "
             f"counter reaches {patience}, at epoch {first}.")
    epoch = next(i for i, (g, w) in enumerate(zip(stops, want["stops"])) if g != w) \
        if len(stops) == len(want["stops"]) else min(len(stops), len(want["stops"]))
    said = stops[epoch] if epoch < len(stops) else "nothing"
    fail(f"with patience = {patience} and validation losses {shown}, EarlyStopping.step returned {said} at epoch "
         f"{epoch} (loss {num(losses[epoch]) if epoch < len(losses) else '?'}), expected "
         f"{want['stops'][epoch] if epoch < len(want['stops']) else 'nothing'}.")


@cell("test_EarlyStopping")
def test_early_stopping_tracks_the_best_loss_and_min_delta(nb, gen):
    min_delta = float(rand(gen, 1, low=0.2, high=0.4))
    patience, losses, got, want = _early_case(nb, gen, min_delta=min_delta)
    start = got["best_loss_start"]
    if start is None or start != float("inf"):
        fail(f"a new EarlyStopping should start with best_loss = float('inf'), but it was {describe(start)}.")
    if not (is_number(got["counter_start"]) and got["counter_start"] == 0):
        fail(f"a new EarlyStopping should start with counter = 0, but it was {describe(got['counter_start'])}.")
    best, counters = got["best"], got["counters"]
    shown = ", ".join(f"{v:.3g}" for v in losses)
    if any(b is None for b in best):
        fail("EarlyStopping has no number in best_loss after step(): record the best validation loss there.")
    if best == want["best"] and counters == want["counters"]:
        return  # what step() returns is judged by the check of stopping
    _fail_if_best_loss_follows_every_loss(got, losses, want)
    if counters == _counters(losses, 0.0):
        fail(f"EarlyStopping ignored min_delta = {min_delta:.3g}: an improvement smaller than min_delta does not "
             "count (val_loss < best_loss - min_delta).")
    if counters == _counters(losses, -min_delta):
        fail("EarlyStopping applied min_delta the wrong way (best_loss + min_delta): an improvement must beat "
             "the best loss by more than min_delta, val_loss < best_loss - min_delta.")
    fail(f"with min_delta = {min_delta:.3g} and validation losses {shown}, EarlyStopping's counter went "
         f"{[num(c) for c in counters]} and best_loss {[num(b) for b in best]}; expected {want['counters']} and "
         f"{[num(b) for b in want['best']]}.")


def _counters(losses, min_delta):
    best, counter, out = float("inf"), 0, []
    for loss in losses:
        if loss < best - min_delta:
            best, counter = loss, 0
        else:
            counter += 1
        out.append(counter)
    return out


@cell("test_EarlyStopping")
def test_early_stopping_keeps_a_copy_of_the_best_weights(nb, gen):
    patience, losses, got, want = _early_case(nb, gen)
    state = got["best_state"]
    if state is None:
        fail("EarlyStopping.best_state is None after an improvement: store a copy of model.state_dict() there.")
    if not isinstance(state, dict) or not {"weight", "bias"} <= set(map(str, state)):
        fail(f"EarlyStopping.best_state is {describe(state)}; it should be a copy of model.state_dict() "
             "(a dict with 'weight' and 'bias').")
    expected = got["weights"][want["best_at"]]
    final = got["final"]
    values = {k: as_tensor(state[k], f"best_state[{k!r}]") for k in ("weight", "bias")}
    if all(close(values[k], expected[k], rtol=0, atol=1e-7) for k in values):
        return
    if all(close(values[k], final[k], rtol=0, atol=1e-7) for k in values):
        fail("EarlyStopping.best_state changed with the model: it holds the model's current weights, not those "
             "of the best epoch. model.state_dict() returns the live parameter tensors; store a copy, "
             "copy.deepcopy(model.state_dict()) or {k: v.clone() for k, v in ...}.")
    _fail_if_best_loss_follows_every_loss(got, losses, want)
    for epoch, loss in enumerate(losses):
        if epoch > want["best_at"] and loss == losses[want["best_at"]] and \
                all(close(values[k], got["weights"][epoch][k], rtol=0, atol=1e-7) for k in values):
            fail(f"EarlyStopping.best_state holds the weights of epoch {epoch}, whose validation loss only equalled "
                 "the best one: a tie is not an improvement, it must be strictly lower (val_loss < best_loss - "
                 "min_delta).")
    fail(f"EarlyStopping.best_state holds {describe(values['weight'])}, but the weights at the best epoch "
         f"(epoch {want['best_at']}) were {describe(expected['weight'])}.")
