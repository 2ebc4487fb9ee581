"""Hidden checks of the `gradient_descent` lab: its `make_data` cell.

Gathered, in the order they run, by ``autograder/checks/gradient_descent.py`` (the file pytest is handed).
"""

import math

import torch

from autograder.checkapi import as_tensor, cell, close, describe, expect_close, fail, rand, randint
from autograder.checks.gradient_descent_cells.common import _value
from autograder.probes import gradient_descent as probes


# ----------------------------------------------------------------- make_data


def _shape_of(value) -> tuple | None:
    """A shape the probe sent (a list of whole numbers), or None."""
    if isinstance(value, list) and len(value) <= 8 and all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2 ** 40 for d in value):
        return tuple(value)
    return None


def _pair(result, call, n, judge_order=False):
    """(X, Y) from what make_data returned, as float64 tensors of shape (n, 1).
    A pair returned as (Y, X) fails only where ``judge_order`` (one mistake, one
    check); elsewhere it is judged the right way round."""
    if not isinstance(result, dict) or not result.flag("pair"):
        fail(f"{call} returned {describe(result.get('value') if isinstance(result, dict) else result)}; "
             "it should return the pair (X, Y).")
    shapes = result["shapes"]
    if not isinstance(shapes, list) or len(shapes) != 2:
        fail(f"{call}'s answer came back changed (was a built-in replaced while it ran?).", mistake="broke the probe")
    x_shape, y_shape = _shape_of(shapes[0]), _shape_of(shapes[1])
    for name, value, shape in (("X", result["X"], x_shape), ("Y", result["Y"], y_shape)):
        if shape is None:
            fail(f"{call}'s {name} is {describe(value)}; make_data should return two tensors (X, Y).")
    if (x_shape, y_shape) != ((n, 1), (n, 1)):
        _shapes(x_shape, y_shape, n, call)
    X, Y = as_tensor(result["X"], f"{call}'s X"), as_tensor(result["Y"], f"{call}'s Y")
    if tuple(X.shape) != (n, 1) or tuple(Y.shape) != (n, 1):
        fail(f"{call}'s answer came back changed (was a built-in replaced while it ran?).", mistake="broke the probe")
    line = torch.linspace(-3, 3, n, dtype=torch.float64).view(-1, 1)
    if not close(X, line, atol=1e-5) and close(Y, line, atol=1e-5):
        if judge_order:
            fail(f"{call} returned (Y, X): the inputs come first, then the targets: return X, Y.",
                 mistake="swapped (X, Y)")
        X, Y = Y, X
    return X, Y


def _shapes(x_shape, y_shape, n, call):
    """Fail with the likely cause of X or Y not having shape (n, 1)."""
    x_numel = math.prod(x_shape)
    if tuple(x_shape) == (n,):
        fail(f"{call} gave X of shape {tuple(x_shape)}: make it a column of shape ({n}, 1), one row per "
             "sample, with .view(-1, 1).")
    if x_numel != n:
        fail(f"{call} gave X with {x_numel} values; it should hold n = {n} evenly spaced values: "
             f"torch.linspace(-3, 3, n) (not arange with a fixed step).")
    if tuple(y_shape) == (n, n):
        fail(f"{call} gave Y of shape ({n}, {n}): noise of shape ({n},) was broadcast against X of shape "
             f"({n}, 1). Draw the noise with X's shape, e.g. torch.randn(X.shape).")
    fail(f"{call} gave X of shape {tuple(x_shape)} and Y of shape {tuple(y_shape)}; both should be ({n}, 1).")


def _noise_level(gen) -> float:
    """A noise standard deviation clearly different from 1, from its square and from its root."""
    return float(rand(gen, 1, low=0.3, high=0.6)) if randint(gen, 0, 1) else float(rand(gen, 1, low=1.6, high=2.5))


@cell("test_make_data")
def test_make_data_spaces_X_evenly_in_columns(nb, gen):
    w, b, n, sigma, seed = _value(gen), _value(gen), randint(gen, 8, 40), _noise_level(gen), randint(gen, 0, 10_000)
    call = f"make_data({w:.3g}, {b:.3g}, {n}, {sigma:.3g}, seed={seed})"
    got = nb.probe(probes.make_data, what=call, cell="make_data", calls=[(w, b, n, sigma, seed, 0)]).parts(1)
    X, Y = _pair(got[0], call, n, judge_order=True)
    expect_close(X, torch.linspace(-3, 3, n).view(-1, 1), f"{call}'s X", atol=1e-5,
                 hint="X should hold n evenly spaced values from -3 to 3: torch.linspace(-3, 3, n).view(-1, 1).")


@cell("test_make_data")
def test_make_data_adds_gaussian_noise_of_the_given_std(nb, gen):
    w, b, sigma, seed = _value(gen), _value(gen), _noise_level(gen), randint(gen, 0, 10_000)
    n = randint(gen, 2000, 3000)
    call = f"make_data({w:.3g}, {b:.3g}, {n}, {sigma:.3g}, seed={seed})"
    got = nb.probe(probes.make_data, what=call, cell="make_data",
                   calls=[(w, b, n, 0.0, seed, 0), (w, b, n, sigma, seed, 0)]).parts(2)
    X0, Y0 = _pair(got[0], call, n)
    X, Y = _pair(got[1], call, n)
    if not close(Y0, w * X0 + b, atol=1e-4):
        fail(f"with noise_std = 0, Y should lie exactly on the line w * X + b (here w = {w:.3g}, b = {b:.3g}), "
             f"but it does not: got {describe(Y0)} for X = {describe(X0)}.")
    noise = (Y - (w * X + b)).reshape(-1)
    mean, std = float(noise.mean()), float(noise.std())
    if not math.isfinite(mean) or not math.isfinite(std):
        fail(f"{call} gave Y with values that are not finite numbers: {describe(Y)}.")
    if std < 0.01 * sigma and abs(mean) > 0.01 * sigma:
        fail(f"every sample got the same noise ({mean:.3g}): draw one random number per sample, with X's "
             "shape, e.g. noise_std * torch.randn(X.shape).", mistake="one noise value for all samples")
    if abs(mean) > 0.15 * sigma:
        if abs(mean - 0.5 * sigma) < 0.1 * sigma:
            fail(f"the noise averages {mean:.3g}, about noise_std / 2: torch.rand draws uniform numbers on "
                 "[0, 1); the course's noise is Gaussian with mean 0: torch.randn.")
        fail(f"the noise Y - (w X + b) averages {mean:.3g}; Gaussian noise has mean 0 (torch.randn).")
    if abs(std - sigma) <= 0.1 * sigma:
        return
    if abs(std - 1.0) < 0.1:
        fail(f"the noise has standard deviation {std:.3g} instead of noise_std = {sigma:.3g}: multiply the "
             "standard normal noise by noise_std.")
    if abs(std - sigma ** 2) < 0.1 * sigma ** 2:
        fail(f"the noise has standard deviation {std:.3g} = noise_std ** 2: noise_std is the standard "
             "deviation itself, so multiply by noise_std, not by its square (the variance).")
    if abs(std - sigma / math.sqrt(3)) < 0.05 * sigma:
        fail(f"the noise has standard deviation {std:.3g} and looks uniform, not Gaussian: use torch.randn.")
    fail(f"the noise Y - (w X + b) has standard deviation {std:.3g}; with noise_std = {sigma:.3g} it should "
         "be about that much: Y = w * X + b + noise_std * torch.randn(X.shape).")


@cell("test_make_data")
def test_make_data_is_reproducible_for_a_seed(nb, gen):
    w, b, n, sigma = _value(gen), _value(gen), randint(gen, 10, 40), _noise_level(gen)
    seed, other = randint(gen, 0, 5000), randint(gen, 5001, 10_000)
    call = f"make_data({w:.3g}, {b:.3g}, {n}, {sigma:.3g}, seed={seed})"
    got = nb.probe(probes.make_data, what=call, cell="make_data",
                   calls=[(w, b, n, sigma, seed, 11), (w, b, n, sigma, seed, 12345),
                          (w, b, n, sigma, other, 11)]).parts(3)
    (_, Y1), (_, Y2), (_, Y3) = (_pair(r, call, n) for r in got)
    if Y1.shape != Y2.shape or not torch.equal(Y1, Y2):
        fail("make_data gave different data for the same seed: seed the noise with the seed argument "
             "(torch.Generator().manual_seed(seed) passed to torch.randn, or torch.manual_seed(seed)) so "
             "the data can be reproduced.")
    if Y1.shape == Y3.shape and torch.equal(Y1, Y3):
        fail(f"make_data gave the same data for seeds {seed} and {other}: use the seed argument, not a fixed seed.")
