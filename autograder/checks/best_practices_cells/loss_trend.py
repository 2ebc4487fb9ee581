"""Hidden checks of the `best_practices` lab: its `loss_trend` cell.

Gathered, in the order they run, by ``autograder/checks/best_practices.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import cell, describe, fail, rand, randint
from autograder.probes import best_practices as probes
from solutions import best_practices as ref


# ---------------------------------------------------------------- loss_trend

TRENDS = ("increasing", "plateau", "decreasing")


def _trend_probe(nb, calls):
    what = "loss_trend(losses, window, rel_tol)"
    got = nb.probe(probes.loss_trend, what=what, cell="loss_trend", calls=calls).parts(len(calls))
    problem = nb.cell_problem("loss_trend")
    if problem and any(answer.text("error") == "NameError" for answer in got):
        fail(f"{what} could not run (NameError) because {problem}.")
    return got


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
