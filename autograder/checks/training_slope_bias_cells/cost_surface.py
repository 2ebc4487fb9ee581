"""Hidden checks of the `training_slope_bias` lab: its `cost_surface` cell.

Gathered, in the order they run, by ``autograder/checks/training_slope_bias.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import (
    as_tensor, cell, close, describe, fail, first_difference, nums, off_center, rand, randint,
)
from autograder.checks.training_slope_bias_cells.common import _param
from autograder.probes import training_slope_bias as probes
from solutions import training_slope_bias as ref


# ------------------------------------------------------------- cost_surface


def _surface_case(nb, gen):
    """A grid that is never square (a transposed surface cannot pass), on off-centre data."""
    m = randint(gen, 7, 12)
    k = m + randint(gen, 2, 5)
    w_values = torch.linspace(float(rand(gen, 1, low=-6, high=-3)), float(rand(gen, 1, low=3, high=6)), m)
    b_values = torch.linspace(float(rand(gen, 1, low=-9, high=-5)), float(rand(gen, 1, low=1, high=4)), k)
    n = randint(gen, 8, 20)
    X = off_center(gen, n)
    Y = _param(gen, low=0.5, high=3) * X + _param(gen, low=0.5, high=2) + 0.3 * rand(gen, n, 1)
    got = nb.probe(probes.cost_surface, what="cost_surface(w_values, b_values, X, Y)", cell="cost_surface",
                   reference=("forward", "criterion"), w_values=w_values, b_values=b_values, X=X, Y=Y,
                   w0=float(rand(gen, 1)), b0=float(rand(gen, 1)), X_global=off_center(gen, n + 4),
                   Y_global=off_center(gen, n + 4))
    want = ref.cost_surface(w_values.double(), b_values.double(), X.double(), Y.double()).double()
    return w_values, b_values, X, Y, _surface(got), want


def _surface(got) -> torch.Tensor:
    """What cost_surface returned, as a float64 tensor: a tensor, a NumPy array or a
    table of numbers, which the notebook's plotting cells take too (torch.as_tensor)."""
    Z, kind = got["Z"], got.text("kind")
    if kind == "list of tensors":
        fail("cost_surface returned a Python list of row tensors; return one tensor: torch.stack(rows) "
             "(the notebook's plotting cells need a single table).", mistake="returned a list of tensors")
    if hasattr(Z, "dtype") and hasattr(Z, "shape") and not isinstance(Z, torch.Tensor):  # a NumPy array
        try:
            Z = torch.as_tensor(Z, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            fail(f"cost_surface returned {describe(Z)}, which is not a table of numbers.")
    return as_tensor(Z, "cost_surface(w_values, b_values, X, Y)")


@cell("test_cost_surface")
def test_cost_surface_has_one_row_per_bias_and_one_column_per_slope(nb, gen):
    w_values, b_values, _, _, Z, want = _surface_case(nb, gen)
    m, k = len(w_values), len(b_values)
    if tuple(Z.shape) == (k, m):
        return
    if tuple(Z.shape) == (m, k):
        fail(f"for {m} slopes and {k} biases cost_surface returned shape {(m, k)}: the surface is "
             f"transposed. Z needs one row per bias and one column per slope, shape "
             f"(len(b_values), len(w_values)) = {(k, m)} (meshgrid with indexing='xy', or Z[i, j] "
             "for b_values[i], w_values[j]).", mistake="transposed the surface")
    fail(f"for {m} slopes and {k} biases cost_surface returned {describe(Z)}; expected a tensor of "
         f"shape (len(b_values), len(w_values)) = {(k, m)}.", mistake="wrong shape")


@cell("test_cost_surface", points=2)
def test_cost_surface_holds_the_cost_of_every_line(nb, gen):
    w_values, b_values, X, Y, Z, want = _surface_case(nb, gen)
    n = X.shape[0]
    # Rows and columns swapped is the shape check's idea: here the values count, read the right way round.
    if Z.shape == want.T.shape and Z.shape != want.shape:
        Z = Z.T
    if close(Z, want, rtol=1e-4, atol=1e-4):
        return
    if Z.shape != want.shape:
        fail(f"cost_surface returned shape {tuple(Z.shape)}, so its values could not be compared with "
             f"the expected surface of shape {tuple(want.shape)}.", mistake="wrong shape")
    if Z.numel() > 1 and close(Z, torch.full_like(Z, float(Z.reshape(-1)[0]))):
        fail("every entry of cost_surface's Z is the same number: the cost must be computed at each "
             "grid point (w_values[j], b_values[i]), not with the global w and b.", mistake="used the global w and b")
    swapped = ref.cost_surface(b_values.double(), w_values.double(), X.double(), Y.double()).T
    if close(Z, swapped, rtol=1e-4, atol=1e-4):
        fail("cost_surface used the bias values as slopes and the slope values as biases: the line at "
             "grid point (i, j) is w_values[j] * x + b_values[i].", mistake="swapped slope and bias")
    if close(Z, want * n, rtol=1e-4, atol=1e-4):
        fail("cost_surface's values are N times too big: sum instead of mean? Each entry is the mean "
             "squared error.", mistake="sum instead of mean")
    if close(Z, want.sqrt(), rtol=1e-4, atol=1e-4):
        fail("cost_surface holds the square roots of the costs (RMSE); use the mean squared error.",
             mistake="square root (RMSE)")
    (i, j), got_value, want_value, _ = first_difference(Z, want, rtol=1e-4, atol=1e-4)
    shown, expected = nums(got_value, want_value)
    fail(f"cost_surface's Z[{i}, {j}] is {shown}, but the mean squared error of the line "
         f"w = {float(w_values[j]):.4g}, b = {float(b_values[i]):.4g} on X, Y is {expected}.")
