"""training_slope graded end to end (solutions, untouched release, the catalogue), and the same
submissions under real `nbgrader autograde` giving every cell the same score."""

from tests import parity_suite
from tests.catalogue_suite import suite

globals().update(suite("training_slope", min_mistakes=15, min_variants=10,
                       diverges="update_climbs_the_gradient", ends_elsewhere="train_model_on_the_first_ten_points"))
globals().update(parity_suite.suite("training_slope"))

