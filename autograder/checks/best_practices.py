"""Hidden checks of the `best_practices` lab: scaling, validation, clipping, early stopping, monitoring.

The probes (``autograder/probes/best_practices.py``) run inside the student's sandboxed
process and only collect values; every verdict is made in the checks, against
`solutions/`, one module per answer cell in ``autograder/checks/best_practices_cells/``.
This file, the one pytest is handed, gathers them in the order they run (the
order of ``results.json``).
"""

from autograder.checks.best_practices_cells.standardize import (  # noqa: F401 - collected by pytest from here
    test_standardize_scales_each_column_with_its_own_statistics,
    test_standardize_uses_the_training_statistics_when_given,
)
from autograder.checks.best_practices_cells.train_val_split import (  # noqa: F401 - collected by pytest from here
    test_train_val_split_gives_disjoint_parts_of_the_right_sizes,
    test_train_val_split_keeps_each_input_with_its_target,
    test_train_val_split_is_shuffled_and_reproducible,
)
from autograder.checks.best_practices_cells.early_stopping import (  # noqa: F401 - collected by pytest from here
    test_early_stopping_stops_after_patience_epochs_without_improvement,
    test_early_stopping_tracks_the_best_loss_and_min_delta,
    test_early_stopping_keeps_a_copy_of_the_best_weights,
)
from autograder.checks.best_practices_cells.train_step import (  # noqa: F401 - collected by pytest from here
    test_train_step_returns_the_loss_before_the_step,
    test_train_step_takes_one_sgd_step_with_fresh_gradients,
    test_train_step_clips_the_gradient_norm_before_the_step,
)
from autograder.checks.best_practices_cells.fit import (  # noqa: F401 - collected by pytest from here
    test_fit_records_the_losses_of_every_epoch,
    test_fit_stops_when_early_stopping_says_so,
    test_fit_returns_the_best_epoch_and_restores_its_weights,
    test_fit_follows_the_step_learning_rate_schedule,
    test_fit_logs_both_losses_to_the_writer,
)
from autograder.checks.best_practices_cells.to_original_units import (  # noqa: F401 - collected by pytest from here
    test_to_original_units_gives_the_slope_and_bias_in_the_datas_units,
    test_to_original_units_takes_tensors_and_returns_python_floats,
)
from autograder.checks.best_practices_cells.loss_trend import (  # noqa: F401 - collected by pytest from here
    test_loss_trend_compares_the_last_loss_with_the_one_window_epochs_before,
    test_loss_trend_calls_a_small_relative_fall_a_plateau,
    test_loss_trend_needs_window_plus_one_losses,
)

#: Where this assignment comes in the module (SPEC §1's order): `assignments.NAMES` is read from it.
TEACHING_ORDER = 5
