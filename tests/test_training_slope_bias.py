"""training_slope_bias graded end to end (solutions, untouched release, the catalogue), and the same
submissions under real `nbgrader autograde` giving every cell the same score."""

from tests import parity_suite
from tests.catalogue_suite import suite

globals().update(suite("training_slope_bias", min_mistakes=10, min_variants=6,
                       diverges="update_climbs_the_gradient", ends_elsewhere="train_model_on_one_random_point_per_epoch"))
globals().update(parity_suite.suite("training_slope_bias"))

