"""prediction graded end to end: solutions, untouched release, the catalogue."""

from tests.catalogue_suite import suite

globals().update(suite("prediction", min_mistakes=10, min_variants=6))
