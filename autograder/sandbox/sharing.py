"""One copy for many probes, while each leaves it as a fresh copy would be (off by default).

A probe the grader sends with ``keep`` (one that carries no reference code: see
``harness``) runs in a copy that stays afterwards for the next such probe, but
only if the probe left the copy as a fresh copy would be. Before the copy's
first probe, :class:`Baseline` records:

* the student's namespace, the mapping itself (a probe sets its inputs as
  globals: the mapping is put back after every probe);
* a fingerprint of everything the namespace and the snapshots reach
  (``audit.reachable``): every tensor's version, storage, values, attributes and
  hooks (a write through ``.data`` leaves the version as it was), the items of
  lists, dicts and sets, objects' attributes, functions' defaults and closures,
  matplotlib's settings, torch's switches, the loaded modules. Artists count as
  their figure, which is marked not stale first: any change made to one through
  matplotlib marks it stale again, and a draw of it (``savefig`` too) is counted;
* the random generators (put back before every later probe, so each draws
  what it would in a fresh copy);
* the process: its threads and children, signal handlers and timers, limits,
  umask, recursion limit, garbage collector and warnings
  filters, and its memory (a probe may leave at most :data:`GROWTH` more).

After a probe, the copy is kept if the probe returned, patched nothing the
guard watches (``guard.untouched``) and everything above reads the same.
Anything that cannot be read counts as changed, and the copy ends.

**Off unless asked for** (``AUTOGRADER_SHARE_COPIES=1``). It is exact for code
that does not try to tell, but code that tries can always tell a copy that ran
a probe before from a fresh one: a file named by its pid, the process's CPU
time, state kept in C (``functools.lru_cache``, ``sys.argv`` changed in place,
the signal mask). An outside tester wrote 28 notebooks that are right only in a
copy an earlier probe marked: with sharing they got 15 of 15 where a fresh copy
per probe gives 11. Such code gains nothing it could not have had by being
right (it learns only the inputs of earlier probes; a probe with reference code
never shares a copy), but the same notebook must get the same grade however it
is graded, so every probe gets a fresh copy by default.
"""

from __future__ import annotations

import functools
import gc
import os
import resource
import signal
import sys
import warnings

import numpy as np
import torch

from autograder.sandbox import audit, guard, leftovers

#: ``AUTOGRADER_SHARE_COPIES=1`` (in the grader's environment) lets probes share copies. Off by
#: default: it is exact for every notebook that does not try to tell (see the module's docstring).
ENV = "AUTOGRADER_SHARE_COPIES"
#: How much more memory a probe may leave mapped in a kept copy (the next probe's headroom).
GROWTH = 64 * 1024 * 1024
_LIMITS = tuple(getattr(resource, name) for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE",
                                                     "RLIMIT_NPROC", "RLIMIT_CORE", "RLIMIT_STACK", "RLIMIT_DATA")
                if hasattr(resource, name))
_TIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)


def on() -> bool:
    """Whether probes without reference code may share a copy (read in the grader)."""
    return os.environ.get(ENV, "0") == "1"


class Baseline:
    """What a kept copy must look like again after each probe."""

    def __init__(self, namespace: dict, snapshots: dict):
        self.names = dict(namespace)
        self.generators = (guard.random_state(), torch.default_generator.get_state(), np.random.get_state())
        figures: dict = {}
        self.state = _reachable(self.names, snapshots, figures)
        self.drawn: list[int] = []
        for figure in figures.values():
            figure._stale = False  # from here on, a change through matplotlib marks it stale again
            # Drawing it (savefig included, whatever the canvas) leaves it not stale: it is counted instead.
            figure._canvas_callbacks.connect("draw_event", functools.partial(_count, self.drawn))
        self.figures = _figures(figures)
        self.process = _process()
        self.memory = _memory()

    @classmethod
    def take(cls, namespace: dict, snapshots: dict) -> Baseline | None:
        """The baseline, or ``None`` if some of it cannot be read (then no probe shares the copy)."""
        try:
            baseline = cls(namespace, snapshots)
        except BaseException:  # noqa: BLE001 - anything unreadable counts as changed
            return None
        return baseline if baseline.state is not None else None

    def restore_generators(self) -> None:
        python, cpu, numpy = self.generators
        guard.restore_random_state(python)
        torch.default_generator.set_state(cpu)
        np.random.set_state(numpy)

    def left_as_found(self, namespace: dict, snapshots: dict) -> bool:
        """Put the namespace's mapping back; then whether all else reads as recorded."""
        namespace.clear()
        namespace.update(self.names)
        try:
            figures: dict = {}
            state = _reachable(self.names, snapshots, figures)
            return (state is not None and state == self.state and _figures(figures) == self.figures and not self.drawn
                    and _process() == self.process and _memory() - self.memory <= GROWTH and guard.untouched())
        except BaseException:  # noqa: BLE001 - anything unreadable counts as changed
            return False


def _reachable(names: dict, snapshots: dict, figures: dict) -> tuple | None:
    keep: dict = {}  # every object read stays alive until the comparison: no id is reused
    state = audit.reachable([*names.values(), snapshots], keep, figures)
    return None if state is None else (tuple(names), tuple(map(id, names.values())), state)


def _count(drawn: list, event) -> None:
    drawn.append(1)


def _figures(figures: dict) -> tuple:
    """Whether each figure changed (stale) or was drawn on a canvas that keeps its renderer."""
    found = []
    for figure in figures.values():
        canvas = vars(figure).get("canvas")
        found.append((id(figure), vars(figure).get("_stale"), id(canvas),
                      id(getattr(canvas, "__dict__", {}).get("renderer")), len(figure.axes)))
    return tuple(sorted(found))


def _process() -> tuple:
    handlers = []
    for number in signal.valid_signals():
        try:
            handlers.append((number, id(signal.getsignal(number))))
        except (OSError, ValueError):
            pass
    mask = os.umask(0o022)
    os.umask(mask)
    return (
        len(os.listdir("/proc/self/task")), len(leftovers.children()), tuple(handlers),
        tuple(signal.getitimer(t) for t in _TIMERS), tuple(resource.getrlimit(kind) for kind in _LIMITS),
        mask, len(os.listdir("/proc/self/fd")),
        sys.getrecursionlimit(), sys.getswitchinterval(), gc.isenabled(), gc.get_threshold(),
        id(warnings.filters), tuple(map(id, warnings.filters)), tuple(sorted(np.geterr().items())),
    )


def _memory() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()
