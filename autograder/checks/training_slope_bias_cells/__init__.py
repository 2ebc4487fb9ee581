"""The hidden checks of `training_slope_bias`, one module per answer cell.

``autograder/checks/training_slope_bias.py`` gathers them, in the order they run.
"""
