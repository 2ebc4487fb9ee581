"""The check author's API: everything a hidden check or a probe is written with.

Every module under ``autograder/checks/`` imports from here only (besides
torch, its lab's probes ``autograder/probes/<a>.py`` and its reference
``solutions/<a>.py``); ``tests/test_checkapi.py`` holds them to it. The names
are implemented elsewhere (``checking``, ``harness``, ``sandbox.scope``) and
listed here once, in :data:`__all__`.

**A check** is a pytest test function in ``autograder/checks/<a>.py``, marked
with the test cell it belongs to and its points, taking two fixtures::

    from autograder.checkapi import cell, close, expect_close, fail, off_center, randint
    from autograder.probes import training_slope as probes
    from solutions import training_slope as ref

    @cell("test_criterion")
    def test_criterion_is_mean_squared_error(nb, gen):
        n = randint(gen, 6, 19)
        yhat, y = off_center(gen, n), off_center(gen, n)
        got = nb.probe(probes.criterion, what="criterion(yhat, y)", cell="criterion", yhat=yhat, y=y)
        want = ref.criterion(yhat, y)
        if close(got["loss"], want * n):
            fail("criterion returned N times the cost: sum instead of mean?", mistake="sum instead of mean")
        expect_close(got["loss"], want, "criterion(yhat, y)")

* ``nb`` (:class:`Notebook`): the student's notebook, alive in its sandbox,
  one per submission (pytest's session scope). Probe it; never trust what
  comes back (every helper here takes any value and judges it or fails).
* ``gen``: a ``torch.Generator`` seeded from the student and the test cell, so
  every student gets fresh inputs, a re-grade the same ones, and the checks
  of one cell the same ones (they then share their probes' answers). Draw
  inputs with :func:`rand`, :func:`randint`, :func:`signed`, :func:`off_center`.

A check passes by returning and fails with :func:`fail` (or one of the
``expect_*`` helpers), in the course's words; only that message reaches the
student. The points of a cell's checks add up to the cell's points.

**A probe** is the half of a check that runs in a copy of the student's
process (``autograder/probes/<a>.py``, public by design: it calls the student's
code and returns what came back, as data). It runs as ``probe(ns, **inputs)``
with ``ns`` the student's globals (a :class:`StudentNamespace`); its module
globals are exactly :data:`PROBE_SCOPE` (plus builtins), defined once in
``autograder/sandbox/scope.py``, which builds them. So a probe module imports
nothing but what that scope also holds (``torch``, ``nn``, ``np``, ``plt``,
``math``) and no ``autograder`` module at all; ``tests/test_probes.py`` checks
every probe's free names against the scope.

**A check used by two labs** has one home: ``autograder/checks/steps.py``
(:data:`steps`), which holds the case (inputs drawn, probe sent) and the judges
of each reused idea, with the probe in ``autograder/probes/steps.py``. A lab
reuses one by writing its own ``@cell`` test functions that call them with its
own parameters (what it trains, what it calls its bias, its reference);
a lab never imports another lab's checks.

**A lab too large for one module** (over about 400 lines) keeps its entry file
``autograder/checks/<a>.py``, the one pytest is handed (and the home of
``SNAPSHOT_AFTER``): it imports every check from its parts, one module per
answer cell in ``autograder/checks/<a>_cells/`` (what several cells share in
``common.py``), in the order the checks run, which is the order of
``results.json``. pytest collects the imported test functions from the entry
file, under its node ids. :func:`check_modules` finds the parts: their text
counts as the checks' own (``taint``), their probes as the lab's.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Protocol

import torch

from autograder.checking import (
    CheckFailed, StudentProblem, all_yes, as_float, as_floats, as_tensor, cell, close, describe, expect_close,
    expect_list, expect_shape, fail, first_difference, is_number, num, numbers_or_none, nums, off_center,
    python_floats, rand, randint, ratio, signed, type_word, where, yes,
)


class Notebook(Protocol):
    """The ``nb`` fixture: what a check sees of a student's notebook
    (implemented by ``autograder.harness.Notebook``)."""

    student_id: str

    def probe(self, fn, /, *, what: str, cell: str | None = None, reference: tuple[str, ...] = (),
              **kwargs) -> object:
        """Run the public probe ``fn(ns, **kwargs)`` in a copy of the notebook's process as
        the notebook left it (fresh, or one earlier probes left as fresh: ``sandbox.sharing``) and return its
        value (decoded data: tensors, numbers, lists, dicts, ``Opaque`` for what could not
        be sent, ``StudentError`` for a caught error).
        ``what`` names the student's code being called, for messages (``"criterion(yhat, y)"``);
        ``cell`` the answer cell it comes from (a ``NameError`` then says why that cell failed).
        ``reference`` names solution functions put in place of the student's (so an
        earlier cell's mistake is not punished twice): no text the student's code wrote
        comes back from such a copy. When the student's code raises, times out or
        crashes, a :class:`StudentProblem` fails the check with its own message.
        Probes with the same inputs are run once per submission."""

    def probe_each(self, fn, /, *, what: str, cell: str | None = None, reference: tuple[str, ...] = (),
                   **kwargs) -> list[tuple[str, object]]:
        """:meth:`probe` with the ``reference`` functions, then once more for each other
        right way of writing one of them (the solution module's ``VARIANTS``):
        ``[("", answer), (how, answer), ...]``, ``how`` the variant's docstring."""

    def snapshot(self, grade_id: str) -> dict | None:
        """The globals the entry file's ``SNAPSHOT_AFTER[grade_id]`` names, as they were right
        after that cell ran (``None`` when it never ran); no probe needed."""

    def reference_snapshot(self, grade_id: str) -> dict | None:
        """The same globals as the solution notebook left them, from the same provided cells."""

    def cell_problem(self, grade_id: str) -> str | None:
        """Why the answer cell ``grade_id`` did not define what it should (missing,
        raised, timed out), in words for a message; ``None`` when it ran."""


if TYPE_CHECKING:
    from autograder.sandbox.scope import NAMES as PROBE_SCOPE
    from autograder.sandbox.scope import StudentNamespace


def __getattr__(name: str):
    """``PROBE_SCOPE`` (``autograder.sandbox.scope.NAMES``: each name a probe's code may use
    besides builtins, and what it is) and ``StudentNamespace`` (the ``ns`` a probe is given),
    imported when asked for: the probe scope brings matplotlib and TensorBoard, which the
    grader's own process does not otherwise load."""
    if name in ("PROBE_SCOPE", "StudentNamespace"):
        from autograder.sandbox import scope

        return scope.NAMES if name == "PROBE_SCOPE" else scope.StudentNamespace
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_modules(entry: types.ModuleType) -> list[types.ModuleType]:
    """The modules a lab's checks are made of: its entry file ``entry`` and every module
    under ``autograder.checks`` reachable from it (its ``<a>_cells`` parts, whose checks it
    imports, and the shared :data:`steps`), in the order they are found. Their text is
    the checks' own (``taint.vocabulary``); the probes they import are the lab's
    (``Assignment.probe_modules``)."""
    found, queue = [entry], [entry]
    while queue:
        for value in list(vars(queue.pop(0)).values()):
            module = value if isinstance(value, types.ModuleType) else \
                sys.modules.get(getattr(value, "__module__", None) or "") if callable(value) else None
            if module is not None and module.__name__.startswith("autograder.checks.") and module not in found:
                found.append(module)
                queue.append(module)
    return found


#: The ``gen`` fixture's type.
Generator = torch.Generator

__all__ = [
    # fixtures
    "Notebook", "Generator",
    # marking a check, failing it
    "cell", "fail", "CheckFailed", "StudentProblem",
    # probes
    "PROBE_SCOPE", "StudentNamespace",
    # reading what came back
    "as_tensor", "as_float", "as_floats", "numbers_or_none", "python_floats", "is_number", "yes", "all_yes",
    # comparisons
    "close", "first_difference", "expect_close", "expect_list", "expect_shape", "ratio",
    # messages
    "num", "nums", "describe", "type_word", "where",
    # inputs
    "rand", "randint", "signed", "off_center",
    # checks shared by labs, and the modules a lab's checks are made of
    "steps", "check_modules",
]

# Last, because the shared checks are written with the names above.
from autograder.checks import steps  # noqa: E402
