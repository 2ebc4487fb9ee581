"""Hidden checks of the `gradient_descent` lab: its `descend` cell.

Gathered, in the order they run, by ``autograder/checks/gradient_descent.py`` (the file pytest is handed).
"""

import math

import torch

from autograder.checkapi import as_floats, cell, describe, expect_close, fail, num, python_floats, rand, randint
from autograder.checks.gradient_descent_cells.common import _value
from autograder.probes import gradient_descent as probes
from solutions import gradient_descent as ref


# ------------------------------------------------------------------- descend

#: descend may update w by calling gradient_descent (the notebook suggests it): the reference one, then.
FOR_DESCEND = ("loss", "dloss_dw", "gradient_descent")
REASONS = ("gradient", "no decrease", "tol", "max_iter")


def _descend_run(gen, c_low=0.05, c_high=0.4, max_iter=40, tol=None, grad_tol=None):
    """(w0, x, y, lr, max_iter, tol, grad_tol), with lr = c / x**2: each step multiplies the
    distance to the minimum by 1 - 2c (c < 0.5 approaches it steadily; c > 1 overshoots further each time)."""
    x, y = _value(gen, 0.7, 2.5), _value(gen, 0.5, 5.0)
    w0 = y / x + _value(gen, 1.0, 4.0)
    return (w0, x, y, float(rand(gen, 1, low=c_low, high=c_high)) / x ** 2, max_iter, tol, grad_tol)


def _descend_call(run) -> str:
    w0, x, y, lr, max_iter, tol, grad_tol = run
    options = "".join(f", {k}={v:.3g}" for k, v in (("tol", tol), ("grad_tol", grad_tol)) if v is not None)
    return f"descend({w0:.3g}, {x:.3g}, {y:.3g}, {lr:.3g}, {max_iter}{options})"


def _descend_probe(nb, runs):
    """The answers of ``runs``, each marked with whether descend returns (reason, ws) on
    every path: an extra run with max_iter = 0 shows what its last return gives."""
    zero = (*runs[0][:4], 0, None, None)
    got = nb.probe(probes.descend, what="descend(w0, x, y, lr, max_iter, tol, grad_tol)", cell="descend",
                   reference=FOR_DESCEND, runs=[*runs, zero]).parts(len(runs) + 1)
    swapped = _swapped(got[-1]["result"])
    for answer in got:
        answer.swapped_everywhere = swapped
    return got[:-1]


def _swapped(result) -> bool:
    return isinstance(result, (tuple, list)) and len(result) == 2 and isinstance(result[0], str) \
        and isinstance(result[1], (list, tuple))


def _descended(got, run, judge_order=False):
    """(ws as a float64 tensor, reason) from what descend returned. Returned as
    (reason, ws) on every path, it fails only where ``judge_order``; elsewhere it is
    judged the right way round. (Returned so by one ``return`` only, it fails where it shows.)"""
    call = _descend_call(run)
    result = got["result"]
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail(f"{call} returned {describe(result)}; it should return the pair (ws, reason).")
    ws, reason = result
    if _swapped(result):
        if judge_order or not getattr(got, "swapped_everywhere", False):
            fail(f"{call} returned (reason, ws); the order is (ws, reason): the list of w values first.",
                 mistake="swapped (ws, reason)")
        ws, reason = reason, ws
    if not isinstance(reason, str) or reason not in REASONS:
        fail(f"{call} gave the reason {describe(reason)}; it should be exactly one of "
             f"{', '.join(repr(r) for r in REASONS)}.", mistake="wrong reason text")
    if not isinstance(ws, (list, tuple)):
        fail(f"{call} returned ws = {describe(ws)}; it should be the list [w0, w1, ...] of every w visited.")
    return as_floats(ws, f"{call}'s ws"), reason, list(ws)


def _expect_descent(got, run, *, judge_order=False, judge_extra_update=False, rule=""):
    """Fail unless descend stopped where and why the reference does, on the same path. One
    update made before the rules were checked fails only where ``judge_extra_update``."""
    ws, reason, _ = _descended(got, run, judge_order)
    want_ws, want_reason = ref.descend(*run)
    call = _descend_call(run)
    updates, want_updates = len(ws) - 1, len(want_ws) - 1
    if reason == want_reason and updates == want_updates:
        expect_close(ws, torch.tensor(want_ws, dtype=torch.float64), f"{call}'s ws", atol=1e-6,
                     hint="Each update is w = w - lr * dloss_dw(w, x, y), as in gradient_descent.")
        return
    w0, x, y, lr, max_iter, tol, grad_tol = run
    if reason == "gradient" and grad_tol is not None and len(ws):
        slope = float(ref.dloss_dw(float(ws[-1]), x, y))
        if abs(slope) >= grad_tol:
            fail(f"{call} stopped with 'gradient' at w = {num(ws[-1])}, where dloss_dw is {num(slope)}: its size "
                 f"is not below grad_tol = {grad_tol:.3g}. Compare the size of the gradient, whatever its sign: "
                 "abs(dloss_dw(w, x, y)) < grad_tol.", mistake="gradient rule without abs")
    if reason == want_reason and updates == want_updates + 1:
        if not judge_extra_update:
            return
        also = (" Or its 'tol' rule compares something else: it holds when the loss fell by less than tol since "
                "the previous w (previous - current < tol), not when the loss itself is below tol."
                if reason == "tol" else "")
        fail(f"{call} stopped with {reason!r} but after {updates} updates, one too many: check the rules "
             f"before updating w, and stop without updating (ws ends with the w where the rule held).{also}",
             mistake="updated before stopping")
    fail(f"{call} stopped with {reason!r} after {updates} updates; expected {want_reason!r} after "
         f"{want_updates}. {rule}".rstrip())


@cell("test_descend")
def test_descend_records_every_w_and_stops_after_max_iter(nb, gen):
    run = _descend_run(gen, max_iter=randint(gen, 4, 12))
    start = randint(gen, -4, 4)
    got, none = _descend_probe(nb, [run, (start, *run[1:4], 0, None, None)])
    none.swapped_everywhere = False  # its own max_iter path: judged here
    _expect_descent(got, run, judge_order=True,
                    rule="With neither tol nor grad_tol and a loss that falls at every step, it makes all "
                         "max_iter updates and stops with 'max_iter'.")
    ws, _, raw = _descended(got, run)
    python_floats(raw, f"{_descend_call(run)}'s ws", "store float(w) for every value, w0 included.")
    ws, reason, raw = _descended(none, (start, *run[1:4], 0, None, None))
    if ws.tolist() != [float(start)] or reason != "max_iter":
        fail(f"descend({start}, x, y, lr, 0) returned ({describe(raw)}, {reason!r}); with max_iter = 0 there "
             f"is no update: ([{float(start)}], 'max_iter').")
    python_floats(raw, f"descend({start}, x, y, lr, 0)'s ws", "with an integer w0, start from float(w0).")


def _gradient_run(gen, k, tol=None):
    """A run whose gradient first falls below grad_tol before update k (well clear of rounding)."""
    run = _descend_run(gen)
    w0, x, y, lr = run[:4]
    path = ref.gradient_descent(w0, x, y, lr, k)
    slopes = [abs(float(ref.dloss_dw(w, x, y))) for w in path]
    return (w0, x, y, lr, k + randint(gen, 3, 15), tol, math.sqrt(slopes[k] * slopes[k - 1]))


@cell("test_descend")
def test_descend_stops_when_the_gradient_is_about_zero(nb, gen):
    run = _gradient_run(gen, randint(gen, 2, 8))
    w0, x, y = run[:3]
    mirror = (2 * y / x - w0, *run[1:])  # the other side of the minimum: the same sizes of gradient, other sign
    both = _gradient_run(gen, 1, tol=1e9)  # at update 1 the gradient rule and the tol rule both hold
    got = _descend_probe(nb, [run, mirror, both])
    for answer, this in zip(got, (run, mirror)):
        _expect_descent(answer, this, rule="The gradient rule: stop with 'gradient' as soon as abs(dloss_dw(w, x, y)) "
                                           "< grad_tol at the current w, before updating it.")
    _expect_descent(got[2], both, rule="The rules are checked in order, the gradient rule first: when it holds, "
                                       "the reason is 'gradient' even if another rule holds too.")


@cell("test_descend")
def test_descend_stops_when_the_loss_stops_decreasing(nb, gen):
    run = _descend_run(gen, 1.1, 1.4)
    with_tol = (*_descend_run(gen, 1.1, 1.4)[:5], 1e-9, None)  # tol holds too: the loss rose
    # lr = 1 / x**2 jumps to the mirror image of w across the minimum: the loss is exactly the same
    # (the numbers are chosen so that floats hold them exactly). Not below it: 'no decrease'.
    x = (0.5, 1.0, 2.0)[randint(gen, 0, 2)] * (1 if randint(gen, 0, 1) else -1)
    y, w0 = randint(gen, -12, 12) / 4, randint(gen, -12, 12) / 4
    tie = (w0 if w0 * x != y else w0 + 1.0, x, y, 1 / x ** 2, randint(gen, 5, 20), None, None)
    got = _descend_probe(nb, [run, with_tol, tie])
    _expect_descent(got[0], run, rule="This learning rate overshoots: the loss after the first update is higher, "
                                      "so the next iteration stops with 'no decrease' (the loss is not below the "
                                      "previous one).")
    _expect_descent(got[1], with_tol, rule="The 'no decrease' rule comes before the tol rule: a loss that rose "
                                           "stops the run with 'no decrease'.")
    _expect_descent(got[2], tie, rule="Here the loss after the first update equals the one before: a loss that is "
                                      "not below the previous one stops the run ('no decrease'), an equal one too.")


def _tol_descent(gen):
    # Slow steps (each loss at least half the one before): "fell by less than tol" and other
    # readings of the rule (the loss itself, or the sum of two losses, below tol) stop at different updates.
    run = _descend_run(gen, 0.05, 0.15)
    w0, x, y, lr = run[:4]
    k = randint(gen, 2, 8)
    losses = [float(ref.loss(w, x, y)) for w in ref.gradient_descent(w0, x, y, lr, k)]
    drops = [a - b for a, b in zip(losses, losses[1:])]   # drops[j - 1] = loss(w_{j-1}) - loss(w_j)
    return (w0, x, y, lr, k + randint(gen, 3, 15), math.sqrt(drops[k - 1] * drops[k - 2]), None)


@cell("test_descend")
def test_descend_stops_when_the_loss_falls_by_less_than_tol(nb, gen):
    run = _tol_descent(gen)
    got, = _descend_probe(nb, [run])
    _expect_descent(got, run, judge_extra_update=True, rule="The tol rule: stop with 'tol' when there is a previous loss and the loss fell "
                                   "by less than tol since it (previous - current < tol).")
