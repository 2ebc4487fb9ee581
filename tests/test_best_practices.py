"""best_practices graded end to end (solutions, untouched release, the catalogue), and the same
submissions under real `nbgrader autograde` giving every cell the same score."""

from tests import parity_suite
from tests.catalogue_suite import suite

globals().update(suite("best_practices", min_mistakes=10, min_variants=6))
globals().update(parity_suite.suite("best_practices"))
