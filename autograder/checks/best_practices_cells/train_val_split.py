"""Hidden checks of the `best_practices` lab: its `train_val_split` cell.

Gathered, in the order they run, by ``autograder/checks/best_practices.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import cell, close, describe, fail, rand, randint
from autograder.checks.best_practices_cells.common import _changed, _rows
from autograder.probes import best_practices as probes


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
