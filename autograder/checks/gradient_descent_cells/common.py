"""Hidden checks of the `gradient_descent` lab: what the checks of several of its cells share.

See ``autograder/checks/gradient_descent.py``, which gathers the checks.
"""

from autograder.checkapi import rand, randint


#: Functions of the reference that replace the student's when a later function is checked.
FOR_GRADIENT_DESCENT = ("loss", "dloss_dw")
FOR_BATCH = ("cost", "cost_gradient")


def _value(gen, low=0.5, high=4.0) -> float:
    """A number away from 0, of either sign."""
    value = float(rand(gen, 1, low=low, high=high))
    return value if randint(gen, 0, 1) else -value


# ------------------------------------------------------------ cost, total_cost


def _data(gen, n_low=6, n_high=20):
    n = randint(gen, n_low, n_high)
    return rand(gen, n, 1), rand(gen, n, 1, low=-4.0, high=4.0)
FOR_SWEEP = ("loss", "dloss_dw", "gradient_descent")
