"""Hidden checks of the `training_slope_bias` lab: what the checks of several of its cells share.

See ``autograder/checks/training_slope_bias.py``, which gathers the checks.
"""

from autograder.checkapi import signed


EARLIER = ("forward", "criterion", "backward_update", "zero_grad")
TOL = {"rtol": 1e-4, "atol": 1e-5}


def _param(gen, low=1.5, high=6.0) -> float:
    """A parameter value away from 0 and 1, with a random sign."""
    return signed(gen, low, high)
