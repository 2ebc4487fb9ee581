"""training_slope graded end to end: solutions, untouched release, the catalogue."""

from tests.catalogue_suite import suite

globals().update(suite("training_slope", min_mistakes=15, min_variants=10))
