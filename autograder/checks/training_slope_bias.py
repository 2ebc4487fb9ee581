"""Hidden checks of the `training_slope_bias` lab: slope and bias, the cost surface.

Each check judges one idea, so that one misunderstanding costs one check. The
probes (``autograder/probes/training_slope_bias.py``) only collect values in
the student's process; every verdict is made in the checks (one module per
answer cell in ``autograder/checks/training_slope_bias_cells/``, gathered here
in the order they run), against `solutions/`, on
inputs drawn fresh for every student: off-centre data, grids that are never
square, slopes and biases away from 0, 1 and the notebook's own numbers.
"""

from autograder.checks.training_slope_bias_cells.forward import (  # noqa: F401 - collected by pytest from here
    test_forward_computes_slope_times_input_plus_bias,
    test_forward_lets_the_gradient_reach_w_and_b,
)
from autograder.checks.training_slope_bias_cells.criterion import (  # noqa: F401 - collected by pytest from here
    test_criterion_is_mean_squared_error,
    test_criterion_sends_the_gradient_back_to_yhat,
)
from autograder.checks.training_slope_bias_cells.cost_surface import (  # noqa: F401 - collected by pytest from here
    test_cost_surface_has_one_row_per_bias_and_one_column_per_slope,
    test_cost_surface_holds_the_cost_of_every_line,
)
from autograder.checks.training_slope_bias_cells.update_steps import (  # noqa: F401 - collected by pytest from here
    test_backward_update_steps_each_parameter_against_its_own_gradient,
    test_backward_update_keeps_the_same_leaf_tensors,
    test_zero_grad_stops_gradients_accumulating,
    test_zero_grad_clears_gradients_and_leaves_the_parameters_alone,
)
from autograder.checks.training_slope_bias_cells.train_model import (  # noqa: F401 - collected by pytest from here
    test_train_model_returns_one_float_cost_per_epoch,
    test_train_model_costs_follow_gradient_descent_on_w_and_b,
    test_train_model_path_is_epochs_plus_1_float_pairs_from_the_start,
    test_train_model_path_follows_the_updates_of_w_and_b,
)
from autograder.checks.training_slope_bias_cells.plot_contour import (  # noqa: F401 - collected by pytest from here
    test_plot_contour_draws_the_contours_of_z_over_w_and_b,
    test_plot_contour_draws_the_path_over_the_contours,
)
from autograder.checks.training_slope_bias_cells.converged import (  # noqa: F401 - collected by pytest from here
    test_converged_slope_and_bias_match_reference_training,
)

#: Where this assignment comes in the module (SPEC §1's order): `assignments.NAMES` is read from it.
TEACHING_ORDER = 4

#: Globals copied aside right after these provided cells ran (checks read them with
#: nb.snapshot(grade_id); probes as SNAPSHOTS[grade_id]).
SNAPSHOT_AFTER = {"run_training": ["w", "b", "X", "Y"]}
