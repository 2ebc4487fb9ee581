"""The hidden checks of `gradient_descent`, one module per answer cell.

``autograder/checks/gradient_descent.py`` gathers them, in the order they run.
"""
