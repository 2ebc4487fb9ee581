"""Probes: the half of each hidden check that runs in the student's process.

A hidden check has two halves. Its *probe* (here) is sent into a fresh copy of
the student's process: it calls the student's code with the inputs it is given
and returns what came back, as data. Its *judge* (``autograder/checks/``)
draws those inputs, computes the reference answer and decides, in the
grader's own process.

Probes are public by design: the student's code can read them while they run,
so they hold nothing secret. No verdict, no reference answer, no input
generator, no path of the course's. A probe's globals are exactly
``autograder.sandbox.scope.NAMES``; ``tests/test_probes.py`` checks both rules.
"""
