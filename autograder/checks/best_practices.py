"""Hidden checks of the `best_practices` lab: scaling, validation, clipping, early stopping, monitoring.

Probes (the ``_probe_*`` functions) run inside the student's sandboxed process
and only collect values; every verdict is made here, against `solutions/`.
"""

import math

import numpy as np
import torch
from torch import nn

from autograder.checkapi import (
    as_float, as_tensor, cell, close, describe, fail, is_number, num, python_floats, rand, randint, signed,
)
from autograder.probes import best_practices as probes
from solutions import best_practices as ref


def _table(value, what):
    """A returned tensor (numpy arrays accepted) as float64."""
    if isinstance(value, np.ndarray):
        try:
            return torch.from_numpy(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            fail(f"{what} is {describe(value)}, expected a tensor of numbers.")
    return as_tensor(value, what)


def _rows(value, what):
    """A returned table with at least one dimension (rows)."""
    table = _table(value, what)
    if table.dim() == 0:
        fail(f"{what} is a single number ({describe(table)}); expected a tensor with one row per sample.",
             mistake="wrong shape")
    return table


# What the probes' own code computed (numbers, flags, model states) is read
# once, here: a value of any other kind means the reply was changed.

def _number(value) -> float | None:
    """A number the probe recorded, or None for anything else."""
    if is_number(value):
        return as_float(value, "a number")
    return None


def _numbers(values) -> list:
    return [_number(v) for v in values] if isinstance(values, list) else []


def _changed(what):
    fail(f"{what} came back changed (was a built-in replaced while the grader's probe ran?).",
         mistake="broke the probe")


def _state(value, what) -> dict:
    """A model's state_dict the probe copied: {'weight', 'bias'} as float64 tensors."""
    if not isinstance(value, dict) or set(value) != {"weight", "bias"} \
            or not all(isinstance(v, torch.Tensor) for v in value.values()):
        _changed(what)
    return {k: as_tensor(v, f"{what}[{k!r}]") for k, v in value.items()}


def _triple(got, what, names):
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        fail(f"{what} returned {describe(got)}; it should return {len(names)} values: ({', '.join(names)}).")
    return got


# --------------------------------------------------------------- standardize


def _features(gen, n):
    """Columns on very different scales."""
    centres = torch.tensor([float(rand(gen, 1, low=200, high=600)), float(rand(gen, 1, low=-3, high=3)),
                            float(rand(gen, 1, low=10, high=40))])
    scales = torch.tensor([float(rand(gen, 1, low=50, high=150)), float(rand(gen, 1, low=0.2, high=1.0)),
                           float(rand(gen, 1, low=3, high=10))])
    return centres + scales * torch.randn(n, 3, generator=gen)


@cell("test_standardize")
def test_standardize_scales_each_column_with_its_own_statistics(nb, gen):
    n = randint(gen, 15, 40)
    X = _features(gen, n)
    got = nb.probe(probes.standardize, what="standardize(X)", cell="standardize", X=X, mean=None, std=None)
    Xs, mean, std = _triple(got, "standardize(X)", ("X_std", "mean", "std"))
    Xs = _table(Xs, "X_std from standardize(X)")
    mean = _table(mean, "the mean from standardize(X)")
    std = _table(std, "the std from standardize(X)")
    X64 = X.double()
    want_mean = X64.mean(0)
    if close(std.reshape(-1), want_mean, rtol=1e-4, atol=1e-4) and not close(mean.reshape(-1), want_mean, rtol=1e-4, atol=1e-4):
        fail("standardize(X) returned (X_std, std, mean): the order is (X_std, mean, std).",
             mistake="swapped (mean, std)")
    if mean.numel() == 1:
        fail("standardize(X) returned a single mean for the whole table: each column (feature) needs its own "
             "mean and standard deviation, X.mean(dim=0) and X.std(dim=0).")
    if mean.numel() == n and mean.numel() != 3:
        fail("standardize(X) computed one mean per row (dim=1); the statistics are per column, dim=0.")
    if not close(mean.reshape(-1), want_mean, rtol=1e-4, atol=1e-4):
        fail(f"the mean returned by standardize(X) is {describe(mean.reshape(-1))}, expected the column means "
             f"{describe(want_mean)}.")
    std = std.reshape(-1)
    sample, population = X64.std(0), X64.std(0, unbiased=False)
    if std.numel() == 1:
        fail("standardize(X) returned a single standard deviation: each column needs its own, X.std(dim=0).")
    if not (close(std, sample, rtol=1e-4, atol=1e-6) or close(std, population, rtol=1e-4, atol=1e-6)):
        if close(std, sample ** 2, rtol=1e-4) or close(std, population ** 2, rtol=1e-4):
            fail("standardize(X) returned the variance as std: divide by the standard deviation (its square root).")
        fail(f"the std returned by standardize(X) is {describe(std)}, expected the column standard deviations "
             f"{describe(sample)} (dividing by N - 1) or {describe(population)} (by N).")
    want = (X64 - mean.reshape(-1)) / std
    if close(Xs, want, rtol=1e-4, atol=1e-4):
        return
    if close(Xs, X64 - mean.reshape(-1), rtol=1e-4, atol=1e-4):
        fail("standardize(X) subtracted the mean but did not divide by the standard deviation.")
    if close(Xs, X64 / std, rtol=1e-4, atol=1e-4):
        fail("standardize(X) divided by the standard deviation but did not subtract the mean first.")
    fail(f"standardize(X) returned X_std = {describe(Xs)}, expected (X - mean) / std = {describe(want)}.")


@cell("test_standardize")
def test_standardize_uses_the_training_statistics_when_given(nb, gen):
    n = randint(gen, 6, 15)
    X = _features(gen, n)
    mean = X.mean(0) + rand(gen, 3, low=-5, high=5)
    std = X.std(0) * rand(gen, 3, low=0.5, high=2.0)
    got = nb.probe(probes.standardize, what="standardize(X, mean, std)", cell="standardize", X=X, mean=mean, std=std)
    Xs, m_out, s_out = _triple(got, "standardize(X, mean, std)", ("X_std", "mean", "std"))
    Xs = _table(Xs, "X_std from standardize(X, mean, std)")
    want = (X.double() - mean.double()) / std.double()
    if not close(Xs, want, rtol=1e-4, atol=1e-4):
        own_s, own_p = (X.double() - X.double().mean(0)) / X.double().std(0), \
            (X.double() - X.double().mean(0)) / X.double().std(0, unbiased=False)
        if close(Xs, own_s, rtol=1e-4, atol=1e-4) or close(Xs, own_p, rtol=1e-4, atol=1e-4):
            fail("standardize(X, mean, std) ignored the statistics it was given and used X's own: validation data "
                 "standardised with its own statistics. Use the training mean and std when they are passed.")
        fail(f"standardize(X, mean, std) returned {describe(Xs)}, expected (X - mean) / std with the given "
             f"statistics, {describe(want)}.")
    m_out, s_out = _table(m_out, "the mean returned by standardize(X, mean, std)"), \
        _table(s_out, "the std returned by standardize(X, mean, std)")
    if close(m_out.reshape(-1), std.double()) and close(s_out.reshape(-1), mean.double()):
        m_out, s_out = s_out, m_out  # returned as (X_std, std, mean): judged by the other check
    for value, given, name in ((m_out, mean, "mean"), (s_out, std, "std")):
        if not close(value.reshape(-1), given.double(), rtol=1e-5, atol=1e-6):
            fail(f"standardize(X, mean, std) should return the {name} it was given unchanged, but returned "
                 f"{describe(value)}.")


# ----------------------------------------------------------- train_val_split


def _split_data(gen, n):
    X = torch.stack([torch.randperm(10 * n, generator=gen)[:n].float() / 7 + 0.5, rand(gen, n)], dim=1)
    Y = (rand(gen, n, 1) * 100).round() / 4 + 1000
    return X, Y


def _split_case(nb, gen, judge_order=False):
    """Two fractions whose val sizes tell round() from int() and from ceil()."""
    while True:
        n = randint(gen, 23, 47)
        f_up = float(rand(gen, 1, low=0.15, high=0.4))
        f_down = float(rand(gen, 1, low=0.15, high=0.4))
        if 0.6 < (n * f_up) % 1 < 0.9 and 0.1 < (n * f_down) % 1 < 0.4:
            break
    X, Y = _split_data(gen, n)
    seed, other = randint(gen, 0, 10_000), randint(gen, 10_001, 20_000)
    calls = [(f_up, seed, 1), (f_up, seed, 2), (f_up, other, 3), (f_down, seed, 4)]
    got = nb.probe(probes.split, what="train_val_split(X, Y, val_fraction, seed)", cell="train_val_split",
                   X=X, Y=Y, calls=calls)
    if len(got) != len(calls):
        _changed("the answers of train_val_split's runs")
    splits = []
    for (fraction, _, _), parts in zip(calls, got):
        if not isinstance(parts, list) or len(parts) != 4:
            fail(f"train_val_split returned {describe(parts)}; it should return four tensors "
                 "(X_train, Y_train, X_val, Y_val).")
        split = [_rows(p, name) for p, name in zip(parts, ("X_train", "Y_train", "X_val", "Y_val"))]
        columns = [p.shape[1] if p.dim() == 2 else None for p in split]
        if columns == [X.shape[1], X.shape[1], Y.shape[1], Y.shape[1]]:
            if judge_order:
                fail("train_val_split returned (X_train, X_val, Y_train, Y_val), scikit-learn's order; this "
                     "assignment's order is (X_train, Y_train, X_val, Y_val).", mistake="scikit-learn's order")
            split = [split[0], split[2], split[1], split[3]]
        splits.append(split)
    return X.double(), Y.double(), calls, splits


def _rows_of(part, X):
    """The index in X of every row of part (-1 when a row is not one of X's)."""
    index = []
    for row in part.reshape(len(part), -1) if part.dim() > 0 and len(part) else []:
        if row.shape != X.shape[1:]:
            index.append(-1)
            continue
        hits = ((X - row).abs() < 1e-9).all(dim=1).nonzero()
        index.append(int(hits[0]) if len(hits) else -1)
    return index


@cell("test_train_val_split")
def test_train_val_split_gives_disjoint_parts_of_the_right_sizes(nb, gen):
    X, Y, calls, splits = _split_case(nb, gen, judge_order=True)
    n = len(X)
    for (fraction, _, _), (Xt, Yt, Xv, Yv) in zip(calls[::3], splits[::3]):
        if Xt.dim() > 1 and Xv.dim() > 1 and (Xt.shape[1:] != X.shape[1:] or Xv.shape[1:] != X.shape[1:]):
            fail(f"train_val_split returned X parts of shapes {tuple(Xt.shape)} and {tuple(Xv.shape)}; each row "
                 f"of X has {X.shape[1]} values, so they should be (rows, {X.shape[1]}).", mistake="wrong shape")
        want_val = round(n * fraction)
        if len(Xv) != want_val or len(Xt) != n - want_val:
            if len(Xt) == want_val and len(Xv) == n - want_val:
                fail(f"with n = {n} and val_fraction = {fraction:.3f}, train_val_split put {len(Xv)} rows in the "
                     f"validation part and {len(Xt)} in the training part: the parts are swapped; "
                     "val_fraction is the validation share.")
            hint = ""
            if len(Xv) == int(n * fraction):
                hint = " (int() truncates; use round())"
            elif len(Xv) == -(-n * fraction // 1):
                hint = " (rounded up; use round())"
            fail(f"with n = {n} and val_fraction = {fraction:.3f}, train_val_split should put "
                 f"round(n * val_fraction) = {want_val} rows in the validation part and {n - want_val} in the "
                 f"training part; got {len(Xv)} and {len(Xt)}{hint}.")
        if len(Yt) != len(Xt) or len(Yv) != len(Xv):
            fail(f"train_val_split returned {len(Xt)} training inputs but {len(Yt)} targets (or {len(Xv)} and "
                 f"{len(Yv)} for validation): X and Y must be split the same way.")
        rows = _rows_of(Xt, X) + _rows_of(Xv, X)
        if -1 in rows:
            fail("train_val_split returned rows that are not rows of X (did it change the data?).")
        if sorted(rows) != list(range(n)):
            fail("train_val_split's two parts overlap or miss some rows: every row must go to exactly one "
                 "part (split one permutation into two disjoint pieces).")


@cell("test_train_val_split")
def test_train_val_split_keeps_each_input_with_its_target(nb, gen):
    X, Y, calls, splits = _split_case(nb, gen)
    for Xt, Yt, Xv, Yv in splits[:1]:
        for part_x, part_y, name in ((Xt, Yt, "training"), (Xv, Yv, "validation")):
            rows = _rows_of(part_x, X)
            if -1 in rows or len(part_y) != len(rows):
                fail("train_val_split's parts could not be matched with the rows of X and Y.")
            if not close(part_y.reshape(-1, Y.shape[1]), Y[rows], rtol=0, atol=1e-6):
                fail(f"in the {name} part, the targets no longer belong to their inputs: X and Y were shuffled "
                     "with different permutations. Draw one permutation and index both X and Y with it.")


@cell("test_train_val_split")
def test_train_val_split_is_shuffled_and_reproducible(nb, gen):
    X, Y, calls, splits = _split_case(nb, gen)
    n = len(X)
    first, again, other = splits[0], splits[1], splits[2]
    rows_t, rows_v = _rows_of(first[0], X), _rows_of(first[2], X)
    if rows_v == list(range(len(rows_v))) or rows_v == list(range(n - len(rows_v), n)) or \
            rows_t == list(range(len(rows_t))) or rows_t == list(range(n - len(rows_t), n)):
        fail("train_val_split did not shuffle: it cut X at a fixed position, so the validation rows are the "
             "first or last rows in order. Shuffle the row indices (torch.randperm) before splitting.")
    same = all(a.shape == b.shape and bool(torch.equal(a, b)) for a, b in zip(first, again))
    if not same:
        fail("train_val_split gave different splits for the same seed (it used the global random state): make "
             "the permutation from the seed, e.g. torch.randperm(n, generator=torch.Generator().manual_seed(seed)).")
    if all(a.shape == b.shape and bool(torch.equal(a, b)) for a, b in zip(first, other)):
        fail("train_val_split gave the same split for two different seeds: use the seed argument, not a fixed seed.")


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


@cell("test_EarlyStopping")
def test_early_stopping_stops_after_patience_epochs_without_improvement(nb, gen):
    patience, losses, got, want = _early_case(nb, gen)
    stops = got["stops"]
    if stops == want["stops"]:
        return
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
    for epoch, loss in enumerate(losses):
        if epoch > want["best_at"] and loss == losses[want["best_at"]] and \
                all(close(values[k], got["weights"][epoch][k], rtol=0, atol=1e-7) for k in values):
            fail(f"EarlyStopping.best_state holds the weights of epoch {epoch}, whose validation loss only equalled "
                 "the best one: a tie is not an improvement, it must be strictly lower (val_loss < best_loss - "
                 "min_delta).")
    fail(f"EarlyStopping.best_state holds {describe(values['weight'])}, but the weights at the best epoch "
         f"(epoch {want['best_at']}) were {describe(expected['weight'])}.")


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


def _state_close(got_state, want_state, tol=1e-4):
    return all(k in got_state and close(got_state[k], want_state[k], rtol=tol, atol=1e-6) for k in want_state)


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
    """scenario: 'stop' (early stopping + clipping) or 'schedule' (StepLR, no early stop, writer;
    with ``default_gamma``, fit's own default gamma)."""
    for _ in range(20):
        weight, bias = torch.tensor([[float(rand(gen, 1, low=-0.5, high=0.5))]]), torch.tensor([0.0])
        data = _stopping_data(gen)
        if scenario == "stop":
            options = {"lr": float(rand(gen, 1, low=0.08, high=0.15)), "epochs": 60,
                       "patience": randint(gen, 3, 5), "max_norm": float(rand(gen, 1, low=3, high=6))}
        else:
            options = {"lr": float(rand(gen, 1, low=0.02, high=0.05)), "epochs": randint(gen, 9, 13),
                       "patience": 100, "step_size": randint(gen, 2, 4), "gamma": float(rand(gen, 1, low=0.3, high=0.7))}
            if default_gamma:
                del options["gamma"]
        history, state = _reference_fit(weight, bias, data, options)
        stopped = len(history["val_loss"]) < options["epochs"]
        if _no_near_ties(history["val_loss"]) and (stopped or scenario != "stop"):
            break
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
        fail(f"fit's train_loss was {describe(got_t)}, expected {describe(want_t)}: train_loss[e] is what "
             "train_step returned in epoch e (one step on the whole training set, SGD with lr and MSELoss).")
    fail(f"fit's val_loss was {describe(got_v)}, expected {describe(want_v)}: val_loss[e] is the MSE on "
         "(X_val, Y_val) after epoch e's step.")


@cell("test_fit")
def test_fit_stops_when_early_stopping_says_so(nb, gen):
    case, got, history, _ = _fit_case(nb, gen, "stop")
    options = case[3]
    ran, want = len(got["lists"]["val_loss"]), len(history["val_loss"])
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
        logged = sorted((step, value) for name, step, value in real["events"] if name == tag)
        want = real["lists"][key]
        if [s for s, _ in logged] != [float(e) for e in range(len(want))] or not close(
                _series([v for _, v in logged]), _series(want), rtol=1e-5, atol=1e-6):
            fail(f"with a real torch.utils.tensorboard.SummaryWriter, the event file fit wrote holds {len(logged)} "
                 f"{tag!r} values at steps {[num(s) for s, _ in logged][:6]}; expected the {len(want)} losses of "
                 f"history[{key!r}] at steps 0, 1, ... (writer.add_scalar({tag!r}, value, epoch)).")


# --------------------------------------------------------- to_original_units


def _scaling(gen):
    """(w_std, b_std, x_mean, x_std, y_mean, y_std): means away from 0, spreads far from 1 and from each other."""
    x_std, y_std = float(rand(gen, 1, low=2.0, high=6.0)), float(rand(gen, 1, low=8.0, high=30.0))
    return (signed(gen, 0.3, 0.9), signed(gen, 0.05, 0.5), signed(gen, 20.0, 80.0), x_std,
            signed(gen, 100.0, 400.0), y_std)


def _converted(value, call):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(f"{call} returned {describe(value)}; it should return the pair (w, b).")
    return as_float(value[0], f"{call}'s w"), as_float(value[1], f"{call}'s b"), list(value)


@cell("test_to_original_units")
def test_to_original_units_gives_the_slope_and_bias_in_the_datas_units(nb, gen):
    args = _scaling(gen)
    call = "to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std)"
    got, = nb.probe(probes.to_original_units, what=call, cell="to_original_units", calls=[args])
    w, b, _ = _converted(got, call)
    want_w, want_b = ref.to_original_units(*args)
    w_std, b_std, x_mean, x_std, y_mean, y_std = args
    shown = (f"(w_std, b_std, x_mean, x_std, y_mean, y_std) = ({', '.join(f'{v:.4g}' for v in args)})")
    if not close(w, want_w, rtol=1e-6, atol=1e-9):
        if close(w, w_std * x_std / y_std, rtol=1e-6):
            fail(f"for {shown} to_original_units gave w = {num(w)} = w_std * x_std / y_std: the ratio is upside "
                 f"down. A unit of x is 1 / x_std standardised units, and a standardised unit of y is y_std units "
                 f"of y, so w = w_std * y_std / x_std = {num(want_w)}.", mistake="stds swapped")
        if close(w, w_std, rtol=1e-6):
            fail(f"for {shown} to_original_units returned w_std itself as w: rescale it, w = w_std * y_std / x_std.")
        fail(f"for {shown} to_original_units gave w = {num(w)}; expected w_std * y_std / x_std = {num(want_w)}.")
    if close(b, want_b, rtol=1e-6, atol=1e-9):
        return
    if close(b, y_mean + y_std * b_std, rtol=1e-6):
        fail(f"for {shown} to_original_units gave b = {num(b)}, which leaves out - w * x_mean: moving x by its mean "
             f"moves the line too. Expected b = y_mean + y_std * b_std - w * x_mean = {num(want_b)}.",
             mistake="forgot - w * x_mean")
    if close(b, y_mean + y_std * b_std - w_std * x_mean, rtol=1e-6):
        fail(f"for {shown} to_original_units used w_std in the bias; it needs the slope in original units: "
             f"b = y_mean + y_std * b_std - w * x_mean = {num(want_b)}.")
    if close(b, y_mean + b_std - want_w * x_mean, rtol=1e-6):
        fail(f"for {shown} to_original_units added b_std without scaling it: b_std is in standardised units of y, "
             f"so it counts y_std * b_std. Expected b = {num(want_b)}.")
    fail(f"for {shown} to_original_units gave b = {num(b)}; expected y_mean + y_std * b_std - w * x_mean = "
         f"{num(want_b)}.")


@cell("test_to_original_units")
def test_to_original_units_takes_tensors_and_returns_python_floats(nb, gen):
    args = _scaling(gen)
    shapes = [(), (1,), (1, 1)]
    as_tensors = tuple(torch.tensor([[v]]).reshape(shapes[randint(gen, 0, 2)]) if randint(gen, 0, 2) else v
                       for v in args)
    as_tensors = (torch.tensor(args[0]), *as_tensors[1:])  # at least one of each kind
    as_tensors = (*as_tensors[:3], float(args[3]), *as_tensors[4:])
    call = "to_original_units with one-element tensors among its arguments"
    got, plain = nb.probe(probes.to_original_units, what=call, cell="to_original_units", calls=[as_tensors, args])
    w, b, raw = _converted(got, call)
    # Judged against the student's own answer for the same numbers as floats (its value is the other check's).
    want_w, want_b, _ = _converted(plain, "to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std)")
    if not (close(w, want_w, rtol=1e-5, atol=1e-6) and close(b, want_b, rtol=1e-5, atol=1e-6)):
        fail(f"{call} returned (w, b) = ({num(w)}, {num(b)}); with the same numbers as plain floats it returns "
             f"({num(want_w)}, {num(want_b)}). Each argument may be a float or a one-element tensor: turn each into "
             "a number first (float(v)).")
    python_floats(raw, f"{call}: (w, b)", "return Python floats: float(w), float(b).")


# ---------------------------------------------------------------- loss_trend

TRENDS = ("increasing", "plateau", "decreasing")


def _trend_probe(nb, calls):
    got = nb.probe(probes.loss_trend, what="loss_trend(losses, window, rel_tol)", cell="loss_trend", calls=calls)
    return got.parts(len(calls))


def _trend_call(losses, options) -> str:
    extra = "".join(f", {k}={v:g}" for k, v in options.items())
    return f"loss_trend([{', '.join(f'{v:.4g}' for v in losses)}]{extra})"


def _expect_trends(got, calls, rule):
    for answer, (losses, options) in zip(got, calls):
        want = ref.loss_trend(losses, **options)
        error, value = answer.text("error"), answer["value"]
        call = _trend_call(losses, options)
        if error is not None:
            fail(f"{call} raised {error}; with {len(losses)} losses it should return {want!r}.")
        if not (isinstance(value, str) and value == want):
            if not isinstance(value, str) or value not in TRENDS:
                fail(f"{call} returned {describe(value)}; it should return exactly one of "
                     f"{', '.join(repr(t) for t in TRENDS)}.", mistake="wrong trend text")
            fail(f"{call} returned {value!r}, expected {want!r}. {rule}")


def _wobbly(gen, window, direction):
    """window + 1 + extra losses; the last window epochs go ``direction`` from a to z, with a bump in between,
    and losses[-window] is on the other side of z from a (so comparing it, or neighbours, tells wrong)."""
    extra = randint(gen, 0, 4)
    start = float(rand(gen, 1, low=2.0, high=8.0))
    a = start * float(rand(gen, 1, low=0.5, high=0.9))
    z = a * (float(rand(gen, 1, low=0.6, high=0.8)) if direction == "decreasing" else
             float(rand(gen, 1, low=1.2, high=1.4)))
    inside = [float(v) for v in a + (z - a) * torch.rand(window - 1, generator=gen)]
    # losses[-window] beyond z, away from a: a comparison with it gives the other answer
    inside[0] = z + (z - a) * float(rand(gen, 1, low=0.3, high=0.6))
    head = [start * (1 + 0.1 * i) for i in range(extra, 0, -1)]
    return head + [a] + inside + [z]


@cell("test_loss_trend")
def test_loss_trend_compares_the_last_loss_with_the_one_window_epochs_before(nb, gen):
    calls = []
    for direction in ("decreasing", "increasing"):
        window = randint(gen, 3, 8)
        calls.append((_wobbly(gen, window, direction), {"window": window}))
    calls.append((_wobbly(gen, 5, ("decreasing", "increasing")[randint(gen, 0, 1)]), {}))
    got = _trend_probe(nb, calls)
    _expect_trends(got, calls, "It compares the last loss z = losses[-1] with a = losses[-window - 1], the loss "
                               "window epochs before it (not the first of the window, nor the smallest or the "
                               "average): 'increasing' when z > a.")


@cell("test_loss_trend")
def test_loss_trend_calls_a_small_relative_fall_a_plateau(nb, gen):
    calls = []
    for _ in range(2):
        a = float(rand(gen, 1, low=50.0, high=5000.0))
        rel_tol = float(rand(gen, 1, low=2e-3, high=2e-2))
        window = randint(gen, 3, 7)
        for share in (0.5, 1.5):  # a fall of half rel_tol * |a| (plateau), then 1.5 times it (decreasing)
            z = a - share * rel_tol * a
            middle = [a - k * (a - z) / window for k in range(1, window - 1)]
            # losses[-window] equals a too: which loss is a is the other check's idea
            calls.append(([a * 1.5, a, a] + middle + [z], {"window": window, "rel_tol": rel_tol}))
    a = float(rand(gen, 1, low=200.0, high=900.0))
    calls.append(([a * 2] + [a - 0.4e-3 * a * k / 5 for k in range(6)], {}))  # the default rel_tol, 1e-3
    level = float(randint(gen, 2, 9))
    calls.append(([level * 2] + [level, level, level * 0.9, level * 1.1, level * 1.05, level], {}))  # z == a: no rise
    # A fall of exactly rel_tol * abs(a) (exact in floats): not less than it, so 'decreasing'.
    calls.append(([2000.0, 1000.0, 1000.5, 999.5, 999.8, 1000.2, 999.0], {"window": 5, "rel_tol": 0.001}))
    calls.append(([2000.0, 1000.0, 1000.5, 999.5, 999.8, 1000.2, 999.0], {}))
    got = _trend_probe(nb, calls)
    _expect_trends(got, calls, "With a = losses[-window - 1] and z = losses[-1] (the last loss itself, not the "
                               "smallest of the window): 'plateau' when a - z < rel_tol * abs(a), a fall relative to "
                               "the loss's own size (an absolute threshold would depend on the units).")


@cell("test_loss_trend")
def test_loss_trend_needs_window_plus_one_losses(nb, gen):
    window = randint(gen, 3, 8)
    losses = [float(v) for v in (5 + 5 * torch.rand(window + 1, generator=gen)).sort(descending=True).values]
    calls = [(losses[1:], {"window": window}), (losses, {"window": window}), (losses[:5], {})]
    got = _trend_probe(nb, calls)
    for answer, (given, options) in zip(got[::2], calls[::2]):
        error = answer.text("error")
        need = options.get("window", 5) + 1
        if error != "ValueError":
            said = f"raised {error}" if error else f"returned {describe(answer['value'])}"
            fail(f"{_trend_call(given, options)} {said}; with fewer than window + 1 = {need} losses there is no "
                 "loss window epochs back to compare with: raise ValueError (raise ValueError('...')).",
                 mistake="no ValueError")
    _expect_trends([got[1]], [calls[1]], f"With exactly window + 1 = {window + 1} losses there is enough to judge.")
