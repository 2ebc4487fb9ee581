"""Hidden checks of the `training_slope_bias` lab: its `criterion` cell.

Gathered, in the order they run, by ``autograder/checks/training_slope_bias.py`` (the file pytest is handed).
"""

from autograder.checkapi import cell
from autograder.checkapi import steps
from solutions import training_slope_bias as ref


# ----------------------------------------------------------------- criterion
# The same cost as in every lab that trains by hand: see autograder/checks/steps.py.


@cell("test_criterion")
def test_criterion_is_mean_squared_error(nb, gen):
    steps.judge_criterion_is_mean_squared_error(steps.criterion_case(nb, gen), ref.criterion)


@cell("test_criterion")
def test_criterion_sends_the_gradient_back_to_yhat(nb, gen):
    steps.judge_criterion_sends_the_gradient_back(steps.criterion_case(nb, gen), ref.criterion)
