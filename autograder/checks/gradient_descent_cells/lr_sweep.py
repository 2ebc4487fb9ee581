"""Hidden checks of the `gradient_descent` lab: its `lr_sweep` cell.

Gathered, in the order they run, by ``autograder/checks/gradient_descent.py`` (the file pytest is handed).
"""

import math

import torch

from autograder.checkapi import (
    CheckFailed, as_float, cell, close, describe, fail, is_number, num, python_floats, rand, randint,
)
from autograder.checks.gradient_descent_cells.common import FOR_SWEEP, _value
from autograder.probes import gradient_descent as probes
from solutions import gradient_descent as ref


# ------------------------------------------------------------------ lr_sweep


def _sweep_case(gen, diverging=0, all_diverge=False):
    """(w0, x, y, lrs, n_iter): rates that converge (lr = c / x**2 with c < 0.5), too small ones, and
    ``diverging`` ones whose last w is not a finite number, with one more whose last w is a float about
    1e230 (its square is not); each other last w stays small enough that (w * x - y) ** 2 is a float."""
    x, y = _value(gen, 0.7, 2.5), _value(gen, 0.5, 5.0)
    w0, n_iter = y / x + _value(gen, 1.0, 4.0), randint(gen, 150, 250)
    shapes = [] if all_diverge else [0.003, 0.02, 0.1, 0.3, 0.45][: randint(gen, 3, 5)]
    shapes += [float(rand(gen, 1, low=40, high=60)) for _ in range(diverging)]
    if diverging:  # and one whose last w is still a float, too large to square as one (as in the visible test)
        growth = (10.0 ** float(rand(gen, 1, low=200, high=260)) / abs(w0 - y / x)) ** (1 / n_iter)
        shapes.append((1 + growth) / 2)
    if diverging and not all_diverge:
        shapes.append(float(rand(gen, 1, low=1.02, high=1.06)))  # grows, but stays a finite number
    lrs = [float(c * float(rand(gen, 1, low=0.9, high=1.1))) / x ** 2 for c in shapes]
    lrs = [lrs[i] for i in torch.randperm(len(lrs), generator=gen).tolist()]
    return (w0, x, y, lrs, n_iter)


def _sweep_probe(nb, cases):
    return nb.probe(probes.lr_sweep, what="lr_sweep(w0, x, y, lrs, n_iter)", cell="lr_sweep",
                    reference=FOR_SWEEP, runs=cases).parts(len(cases))


def _finals(got, case, judge_keys=False) -> dict:
    """What lr_sweep returned as finals: {lr: final loss}, checked to hold each lr once.
    Keyed by position instead, it fails only where ``judge_keys``."""
    lrs = case[3]
    pairs = got["pairs"]
    if pairs is None:
        fail(f"lr_sweep returned finals = {describe(got['finals'])}; it should be a dict {{lr: final loss}}.")
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        fail("lr_sweep's finals came back changed (was a built-in replaced while it ran?).", mistake="broke the probe")
    keys = [k for k, _ in pairs]
    if not all(is_number(k) for k in keys):
        fail(f"lr_sweep's finals has the keys {describe(keys)}; its keys should be the learning rates in lrs.",
             mistake="wrong keys")
    if keys == list(range(len(lrs))) and not judge_keys:
        return {lrs[k]: value for k, value in pairs}
    if sorted(map(str, keys)) != sorted(map(str, lrs)) or not all(is_number(k) for k in keys):
        fail(f"lr_sweep's finals has the keys {describe(keys)}; it should have one key per learning rate in lrs, "
             f"the rate itself ({describe(lrs)}).", mistake="wrong keys")
    return {lr: value for lr, value in pairs}


@cell("test_lr_sweep")
def test_lr_sweep_records_the_final_loss_of_each_rate(nb, gen):
    case = _sweep_case(gen)
    got, = _sweep_probe(nb, [case])
    finals = _finals(got, case, judge_keys=True)
    want, _ = ref.lr_sweep(*case)
    python_floats(list(finals.values()), "lr_sweep's finals", "record float(loss(...)) for each rate.")
    for lr in case[3]:
        if not close(finals[lr], want[lr], rtol=1e-4, atol=1e-9):
            w0, x, y, _, n_iter = case
            fail(f"lr_sweep's final loss for lr = {lr:.4g} is {num(finals[lr])}; gradient_descent({w0:.3g}, {x:.3g}, "
                 f"{y:.3g}, {lr:.4g}, {n_iter}) ends where loss is {num(want[lr])}: record loss(w, x, y) at the "
                 "last value of each run.")


def _is_inf(value) -> bool:
    """A recorded final loss is math.inf (a one-element tensor holding inf counts)."""
    try:
        return as_float(value, "lr_sweep's final loss") == math.inf
    except CheckFailed:
        return False


@cell("test_lr_sweep")
def test_lr_sweep_gives_inf_for_a_diverging_rate(nb, gen):
    case = _sweep_case(gen, diverging=randint(gen, 1, 2))
    got, = _sweep_probe(nb, [case])
    finals = _finals(got, case)
    want, _ = ref.lr_sweep(*case)
    for lr in case[3]:
        value = finals[lr]
        if want[lr] == math.inf and not _is_inf(value):
            fail(f"with lr = {lr:.4g} gradient descent diverges until w is no longer a finite number; lr_sweep "
                 f"recorded {describe(value)} for it. Record math.inf when the final loss is not finite "
                 "(math.isfinite), so that such a rate can never be the best.", mistake="no inf for divergence")
        if want[lr] != math.inf and is_number(value) and not math.isfinite(value):
            fail(f"with lr = {lr:.4g} the final loss is a finite number, {num(want[lr])}; lr_sweep recorded "
                 f"{describe(value)}. Only a loss that is not finite becomes math.inf.")
        # (a finite loss recorded wrongly is the other check's: the final loss of each rate)


def _own_finals(answer, case) -> tuple[dict, set] | None:
    """The student's own final losses, each a number (not finite counts as inf), and the rates its ``min``
    could pick from them as they are (a nan among them makes ``min`` depend on the order: the nan itself is
    the other check's); None when they cannot be read."""
    try:
        finals = _finals(answer, case)
    except CheckFailed:
        return None
    if not all(is_number(v) for v in finals.values()):
        return None
    raw = {lr: float(v) for lr, v in finals.items()}
    picks = {min(case[3], key=lambda lr: raw[lr])} if any(math.isnan(v) for v in raw.values()) else set()
    return {lr: (v if math.isfinite(v) else math.inf) for lr, v in raw.items()}, picks


@cell("test_lr_sweep")
def test_lr_sweep_picks_the_rate_with_the_lowest_final_loss(nb, gen):
    case = _sweep_case(gen, diverging=1)
    ties = _sweep_case(gen, diverging=randint(gen, 2, 3), all_diverge=True)
    got = _sweep_probe(nb, [case, ties])
    for answer, run in zip(got, (case, ties)):
        lrs = run[3]
        best = answer["best"]
        finals, want = ref.lr_sweep(*run)
        own, picks = _own_finals(answer, run) or (None, set())
        if own is not None:  # judged on its own final losses: whether they are right is the other checks'
            finals = own
            want = min(lrs, key=lambda lr: finals[lr])
        if is_number(best) and any(best == lr for lr in lrs) and (best == want or best in picks):
            continue
        lowest = finals[want]
        tied = [lr for lr in lrs if finals[lr] == lowest]
        if run is not ties and len(tied) > 1 and is_number(best) and best in tied:
            fail(f"the rates {describe(tied)} tie for the lowest final loss ({num(lowest)}); on a tie lr_sweep should "
                 f"return the earliest of them in lrs, {want:.4g}, but returned {best:.4g}.",
                 mistake="tie not the earliest")
        if run is ties:
            fail(f"every rate in lrs = {describe(lrs)} diverges (all final losses are inf); on a tie lr_sweep "
                 f"should return the earliest of them, {want:.4g}, but returned {describe(best)}.",
                 mistake="tie not the earliest")
        if is_number(best) and best in range(len(lrs)) and lrs[int(best)] == want:
            fail(f"lr_sweep returned {best}, the index of the best rate in lrs; return the rate itself, {want:.4g}.")
        if is_number(best) and any(best == lr for lr in lrs) and finals[best] == max(finals.values()):
            fail("lr_sweep returned the rate with the highest final loss; the best rate has the lowest.")
        fail(f"lr_sweep returned best = {describe(best)}; the rate with the lowest final loss is {want:.4g} "
             f"(final losses: {', '.join(f'{lr:.3g}: {num(v)}' for lr, v in finals.items())}).")
