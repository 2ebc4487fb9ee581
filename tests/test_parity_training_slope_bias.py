"""nbgrader autograde and python -m autograder grade agree on training_slope_bias (see tests/parity_suite.py)."""

from tests.parity_suite import suite

globals().update(suite("training_slope_bias"))
