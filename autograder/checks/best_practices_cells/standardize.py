"""Hidden checks of the `best_practices` lab: its `standardize` cell.

Gathered, in the order they run, by ``autograder/checks/best_practices.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import cell, close, describe, fail, rand, randint
from autograder.checks.best_practices_cells.common import _table, _triple
from autograder.probes import best_practices as probes


# --------------------------------------------------------------- standardize


def _features(gen, n):
    """Columns on very different scales."""
    centres = torch.tensor([float(rand(gen, 1, low=200, high=600)), float(rand(gen, 1, low=-3, high=3)),
                            float(rand(gen, 1, low=10, high=40))])
    scales = torch.tensor([float(rand(gen, 1, low=50, high=150)), float(rand(gen, 1, low=0.2, high=1.0)),
                           float(rand(gen, 1, low=3, high=10))])
    return centres + scales * torch.randn(n, 3, generator=gen)


def _standardized(nb, call, judge_input=False, **inputs):
    """What standardize returned; where ``judge_input``, it fails when standardize changed the X it was given."""
    got = nb.probe(probes.standardize, what=call, cell="standardize", **inputs)
    if judge_input and got.flag("changed_X"):
        fail(f"{call} changed the X it was given (X -= mean, X /= std work in place): the notebook's later cells "
             "still need the data in its own units. Compute a new tensor, (X - mean) / std.",
             mistake="standardized X in place")
    return got["result"]


@cell("test_standardize")
def test_standardize_scales_each_column_with_its_own_statistics(nb, gen):
    n = randint(gen, 15, 40)
    X = _features(gen, n)
    got = _standardized(nb, "standardize(X)", judge_input=True, X=X, mean=None, std=None)
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
    got = _standardized(nb, "standardize(X, mean, std)", X=X, mean=mean, std=std)
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
