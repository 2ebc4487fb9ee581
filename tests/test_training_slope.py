"""training_slope graded end to end (solutions, untouched release, the catalogue), and the same
submissions under real `nbgrader autograde` giving every cell the same score."""

from tests import parity_suite
from tests.catalogue_suite import suite

globals().update(suite("training_slope", min_mistakes=15, min_variants=10))
globals().update(parity_suite.suite("training_slope"))
