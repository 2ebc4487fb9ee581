"""nbgrader autograde and python -m autograder grade agree on prediction (see tests/parity_suite.py)."""

from tests.parity_suite import suite

globals().update(suite("prediction"))
