"""Hidden checks of the `training_slope_bias` lab: its `converged` cell.

Gathered, in the order they run, by ``autograder/checks/training_slope_bias.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import cell, describe, fail
from autograder.checkapi import steps


# ---------------------------------------------------------------- converged


#: Where the notebook's `run_training` cell starts the slope and the bias.
START = {"w": -15.0, "b": -10.0}


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
    want = {"w": float(want_run["w"].detach()), "b": float(want_run["b"].detach())}
    value = {"w": float(w.reshape(())), "b": float(b.reshape(()))}
    if steps.converged(value, want):
        return
    steps.fail_if_the_data_changed(got, want_run, "`losses, path = train_model(15, 0.1)`")
    if value == START:
        fail("after `losses, path = train_model(15, 0.1)` w and b are still -15 and -10: training did "
             "not update the global parameters.", mistake="did not train the globals")
    if abs(value["b"] - START["b"]) < 1e-6:
        fail(f"after training the bias is still b = -10 (w = {value['w']:.5g}): the bias was never updated.")
    steps.fail_training_ended_elsewhere("`losses, path = train_model(15, 0.1)`", "slope and bias", value, want, START,
                                        "forward, criterion, backward_update, zero_grad and train_model")
