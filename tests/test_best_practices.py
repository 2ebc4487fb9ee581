"""best_practices graded end to end: solutions, untouched release, the catalogue."""

from tests.catalogue_suite import suite

globals().update(suite("best_practices", min_mistakes=10, min_variants=6))
