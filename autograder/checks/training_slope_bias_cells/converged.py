"""Hidden checks of the `training_slope_bias` lab: its `converged` cell.

Gathered, in the order they run, by ``autograder/checks/training_slope_bias.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import cell, describe, fail
from autograder.checkapi import steps


# ---------------------------------------------------------------- converged


@cell("test_converged", points=2)
def test_converged_slope_and_bias_match_reference_training(nb, gen):
    got = nb.snapshot("run_training")
    if got is None:
        fail("the cell that runs `losses, path = train_model(15, 0.1)` did not run, so there are no "
             "trained parameters.")
    w, b = got.get("w"), got.get("b")
    for name, value in (("w", w), ("b", b)):
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            fail(f"after `losses, path = train_model(15, 0.1)` the global {name} is {describe(value)}, "
                 "not a one-element tensor.")
    # The reference is the solution notebook's own run, on the data the provided cells make.
    want_run = nb.reference_snapshot("run_training")
    want = (float(want_run["w"].detach()), float(want_run["b"].detach()))
    value = (float(w.reshape(())), float(b.reshape(())))
    if all(abs(v - t) <= 1e-3 + 1e-3 * abs(t) for v, t in zip(value, want)):
        return
    steps.fail_if_the_data_changed(got, want_run, "`losses, path = train_model(15, 0.1)`")
    if value == (-15.0, -10.0):
        fail("after `losses, path = train_model(15, 0.1)` w and b are still -15 and -10: training did "
             "not update the global parameters.", mistake="did not train the globals")
    if abs(value[1] + 10.0) < 1e-6:
        fail(f"after training the bias is still b = -10 (w = {value[0]:.5g}): the bias was never updated.")
    fail(f"after `losses, path = train_model(15, 0.1)` your parameters are w = {value[0]:.5g}, "
         f"b = {value[1]:.5g}; training from (-15, -10) on the notebook's data should reach w = {want[0]:.5g}, "
         f"b = {want[1]:.5g}.")
