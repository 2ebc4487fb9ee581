"""The hidden checks of `best_practices`, one module per answer cell.

``autograder/checks/best_practices.py`` gathers them, in the order they run.
"""
