"""Hidden checks of the `gradient_descent` assignment: data, loss, derivative, gradient descent, cost.

The probes (``autograder/probes/gradient_descent.py``) run inside the student's sandboxed
process and only collect values; every verdict is made in the checks, against
`solutions/`, one module per answer cell in ``autograder/checks/gradient_descent_cells/``.
This file, the one pytest is handed, gathers them in the order they run (the
order of ``results.json``).
"""

from autograder.checks.gradient_descent_cells.make_data import (  # noqa: F401 - collected by pytest from here
    test_make_data_spaces_X_evenly_in_columns,
    test_make_data_adds_gaussian_noise_of_the_given_std,
    test_make_data_is_reproducible_for_a_seed,
)
from autograder.checks.gradient_descent_cells.loss import (  # noqa: F401 - collected by pytest from here
    test_loss_is_the_squared_error_of_one_sample,
    test_loss_works_on_a_tensor_of_w_values,
    test_dloss_dw_is_the_analytic_derivative,
    test_dloss_dw_matches_autograd,
)
from autograder.checks.gradient_descent_cells.gradient_descent import (  # noqa: F401 - collected by pytest from here
    test_gradient_descent_returns_n_iter_plus_1_floats_from_w0,
    test_gradient_descent_follows_the_update_rule,
    test_gradient_descent_converges_or_diverges_with_the_learning_rate,
)
from autograder.checks.gradient_descent_cells.cost import (  # noqa: F401 - collected by pytest from here
    test_cost_is_the_mean_squared_error,
    test_cost_is_a_tensor_autograd_can_differentiate,
    test_total_cost_is_the_sum_of_squared_errors,
)
from autograder.checks.gradient_descent_cells.cost_gradient import (  # noqa: F401 - collected by pytest from here
    test_cost_gradient_dJ_dw_matches_autograd,
    test_cost_gradient_dJ_db_matches_autograd,
)
from autograder.checks.gradient_descent_cells.batch_gradient_descent import (  # noqa: F401 - collected by pytest from here
    test_batch_gradient_descent_returns_w_b_and_one_float_cost_per_update,
    test_batch_gradient_descent_updates_w_and_b_together,
    test_batch_gradient_descent_stops_early_with_tol,
    test_batch_gradient_descent_finds_least_squares_or_diverges,
)
from autograder.checks.gradient_descent_cells.descend import (  # noqa: F401 - collected by pytest from here
    test_descend_records_every_w_and_stops_after_max_iter,
    test_descend_stops_when_the_gradient_is_about_zero,
    test_descend_stops_when_the_loss_stops_decreasing,
    test_descend_stops_when_the_loss_falls_by_less_than_tol,
)
from autograder.checks.gradient_descent_cells.lr_sweep import (  # noqa: F401 - collected by pytest from here
    test_lr_sweep_records_the_final_loss_of_each_rate,
    test_lr_sweep_gives_inf_for_a_diverging_rate,
    test_lr_sweep_picks_the_rate_with_the_lowest_final_loss,
)

#: Where this assignment comes in the module (SPEC §1's order): `assignments.NAMES` is read from it.
TEACHING_ORDER = 2
