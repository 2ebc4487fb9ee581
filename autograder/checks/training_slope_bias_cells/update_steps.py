"""Hidden checks of the `training_slope_bias` lab: its `update_steps` cell.

Gathered, in the order they run, by ``autograder/checks/training_slope_bias.py`` (the file pytest is handed).
"""

from autograder.checkapi import cell
from autograder.checkapi import steps


# ------------------------------------------------- backward_update, zero_grad
# The same step as in every lab that trains by hand: see autograder/checks/steps.py.

TRAINED = ("w", "b")


@cell("test_backward_update")
def test_backward_update_steps_each_parameter_against_its_own_gradient(nb, gen):
    steps.judge_update_step(steps.update_case(nb, gen, TRAINED), TRAINED, second="b")


@cell("test_backward_update")
def test_backward_update_keeps_the_same_leaf_tensors(nb, gen):
    steps.judge_update_keeps_leaves(steps.update_case(nb, gen, TRAINED))


@cell("test_zero_grad")
def test_zero_grad_stops_gradients_accumulating(nb, gen):
    steps.judge_zero_stops_accumulating(steps.zero_case(nb, gen), second="b")


@cell("test_zero_grad")
def test_zero_grad_clears_gradients_and_leaves_the_parameters_alone(nb, gen):
    steps.judge_zero_clears_and_keeps(steps.zero_case(nb, gen))
