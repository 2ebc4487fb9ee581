"""The trusted state of the student's process, and putting it back.

Imported by the fork server once torch, numpy and matplotlib are loaded, before
any student code runs: it records the namespaces below as they are then. After
every cell, and before every probe, :func:`restore_trusted_state` puts back
whatever student code monkeypatched in them, so probes and the student's own
functions run against the real torch, numpy and builtins.
"""

from __future__ import annotations

import _random
import builtins
import copy
import ctypes
import gc
import io
import linecache
import math
import os
import random
import socket
import sys
import traceback
from dataclasses import dataclass

import matplotlib.axes
import matplotlib.lines
import numpy as np
import torch
import torch.nn.functional

from autograder import codec
from autograder.sandbox import wire

#: Module prefixes student code may not import.
FORBIDDEN_MODULES = ("autograder", "solutions")

#: Namespaces whose patching is undone *and reported* to the student.
_REPORTED = [
    builtins, torch, torch.Tensor, torch.nn, torch.nn.Module, torch.nn.Linear,
    torch.nn.functional, torch.autograd, torch.optim, torch.optim.Optimizer, torch.optim.SGD, torch.testing,
    np, np.testing, math, matplotlib.axes.Axes, matplotlib.lines.Line2D,
]
#: Namespaces the sandbox's own code relies on: restored silently.
_SILENT = [os, sys, socket, io, copy, traceback, linecache, codec, wire]


def dict_of(obj) -> dict:
    """The dict behind ``vars(obj)`` (for a class, the one its mappingproxy shows)."""
    namespace = vars(obj)
    if isinstance(namespace, dict):
        return namespace
    return next(r for r in gc.get_referents(namespace) if isinstance(r, dict))


def _version_reader():
    """A function giving a dict's version tag (PEP 509: CPython changes it on
    every change to the dict), or ``None`` where this interpreter's dicts do not
    behave so. Checking ~40 tags is how a probe knows nothing was patched
    without reading every guarded value: reading a value writes its reference
    count, which copies about 1,500 memory pages into every forked probe (5 ms)."""
    if sys.implementation.name != "cpython" or ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    # PyDictObject: refcount, type, ma_used, ma_version_tag, ...
    used_at, version_at = 16, 24

    def version(d: dict) -> int:
        return ctypes.c_uint64.from_address(id(d) + version_at).value

    probe = {"a": 1}
    seen = {version(probe)}
    for change in (lambda d: d.__setitem__("a", 2), lambda d: d.__setitem__("b", 1), lambda d: d.pop("b"),
                   lambda d: d.update(c=3), lambda d: d.clear()):
        change(probe)
        now = version(probe)
        if now in seen or ctypes.c_ssize_t.from_address(id(probe) + used_at).value != len(probe):
            return None
        seen.add(now)
    return version


version_of = _version_reader()


@dataclass
class _Guarded:
    """A guarded namespace as it was before any student code ran."""

    obj: object
    saved: dict
    reported: bool
    backing: dict
    """The dict that holds ``obj``'s attributes (its version tag tells whether they changed)."""
    version: int | None
    """``backing``'s version tag when it last matched ``saved``."""

    @classmethod
    def now(cls, obj) -> _Guarded:
        backing = dict_of(obj)
        return cls(obj, dict(backing), obj in _REPORTED, backing, None)

    def settle(self) -> None:
        """Remember the tag of ``backing`` as it is now (it matches ``saved``)."""
        self.version = version_of(self.backing) if version_of else None

    def untouched(self) -> bool:
        return version_of is not None and version_of(self.backing) == self.version


_SNAPSHOT = [_Guarded.now(obj) for obj in _REPORTED + _SILENT]
for _guarded in _SNAPSHOT:
    _guarded.settle()
_REAL_MODULES = {
    m.__name__: m for m in _REPORTED + _SILENT
    if isinstance(m, type(os)) and m.__name__.split(".")[0] not in FORBIDDEN_MODULES
}
_MISSING = object()


def _wraps(new, old) -> bool:
    """Whether ``new`` is a ``functools.wraps`` wrapper of ``old``: how torch
    itself decorates some functions lazily (``torch.manual_seed`` once dynamo
    loads, ``Optimizer.step`` for profiling). Those are restored too, but not
    reported as the student's doing."""
    for _ in range(8):
        try:
            new = vars(new).get("__wrapped__", _MISSING) if hasattr(new, "__dict__") else _MISSING
        except TypeError:
            return False
        if new is old:
            return True
        if new is _MISSING:
            return False
    return False


def _shadows(obj: type, name: str) -> bool:
    """Whether a name added to class ``obj`` hides one it inherits (``torch.Tensor.tolist``
    comes from the C base ``TensorBase``): then it can be reported by name."""
    return any(name in vars(base) for base in obj.__mro__[1:])


def untouched() -> bool:
    """Whether nothing :func:`restore_trusted_state` would put back has changed since
    it last ran: no guarded namespace, no entry of ``sys.modules`` it keeps, no trace function."""
    return (version_of is not None and all(guarded.untouched() for guarded in _SNAPSHOT)
            and sys.gettrace() is None and sys.getprofile() is None
            and all(sys.modules.get(name) is module for name, module in _REAL_MODULES.items()))


def restore_trusted_state() -> list[str]:
    """Undo monkeypatching of guarded modules and classes. Returns what was
    patched in the reported namespaces, as ``owner.name`` strings. Only names
    the real object has (or inherits) are reported: a name the student made up
    is removed, never repeated back."""
    patched = []
    sys.settrace(None)
    sys.setprofile(None)
    for guarded in _SNAPSHOT:
        if guarded.untouched():
            continue  # untouched since it was last restored (checked before touching anything else)
        obj, saved, reported = guarded.obj, guarded.saved, guarded.reported
        current = vars(obj)
        owner = getattr(obj, "__name__", "?")
        for name, value in saved.items():
            if current.get(name, _MISSING) is not value:
                new = current.get(name, _MISSING)
                try:
                    setattr(obj, name, value)
                except (AttributeError, TypeError):
                    continue
                if reported and not name.startswith("_") and not _wraps(new, value):
                    patched.append(f"{owner}.{name}")
        if isinstance(obj, type):
            # A name added to a class shadows what it inherits: it goes. (Names added to a
            # module shadow nothing.)
            for name in [name for name in current if name not in saved]:
                try:
                    delattr(obj, name)
                except (AttributeError, TypeError):
                    continue
                if reported and not name.startswith("_") and _shadows(obj, name):
                    patched.append(f"{owner}.{name}")
        guarded.settle()
    for name, module in _REAL_MODULES.items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
            patched.append(f"sys.modules[{name!r}]")
    return patched


def trust(obj, **values) -> None:
    """Set attributes of a guarded namespace and make them part of its trusted state, so that
    restoring keeps them: the node's own ``sys.argv`` (the fork server's would show the
    grader's path) and its output buffer as ``sys.stdout`` (each cell and probe writes
    there; restoring the server's stream would change ``sys`` every time, and the next
    restore would read all of ``sys``, copying its pages into every copy)."""
    guarded = next(g for g in _SNAPSHOT if g.obj is obj)
    for name, value in values.items():
        setattr(obj, name, value)
        guarded.saved[name] = value
    restore_trusted_state()


class ForbiddenImports:
    """A meta-path finder refusing the grader's own packages."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in FORBIDDEN_MODULES:
            raise ImportError(f"No module named {fullname!r} (not available while grading)")
        return None


#: The seed of torch's and Python's random generators when a student's notebook starts.
#: No assignment asks for it (they ask for 0, 1, 3 or 5), so a forgotten
#: ``torch.manual_seed(1)`` is never hidden by it.
GRADING_SEED = 912_374


def seed_everything() -> None:
    """Seed every generator as :func:`fresh_random_state` does, the accelerators'
    too (``torch.manual_seed`` queues their seeds: no device here ever runs).
    The fork server does it once; each node then only resets the generators
    student code on this machine draws from."""
    torch.manual_seed(GRADING_SEED)
    random.seed(GRADING_SEED)


def fresh_random_state() -> None:
    """Seed the random generators the student's code draws from when it does not
    seed them itself. A fresh kernel draws a new seed each time, and the fork
    server's state depends on what it did before; with a fixed one a notebook
    that never seeds gets the same numbers, so the same grade and the same
    message, every time and on every machine it is graded. (The CPU generator is
    reset directly: ``torch.manual_seed`` would take 4 ms per node to queue seeds
    for devices this machine has not got, which :func:`seed_everything` did once.)"""
    torch.default_generator.manual_seed(GRADING_SEED)
    random.seed(GRADING_SEED)


#: The generator behind ``random``'s functions, taken before any student code ran. Its
#: state is read and written with the C methods of its base class: nothing a cell can
#: replace or break (``random.getstate``, ``VERSION``, ``gauss_next``) is used or trusted.
_RANDOM = random._inst


def random_state() -> tuple:
    """Python's ``random`` state (the Mersenne Twister's, and a pending ``gauss`` value),
    to be put back in a forked copy: Python reseeds it from the OS in every child."""
    try:
        gauss_next = dict.get(object.__getattribute__(_RANDOM, "__dict__"), "gauss_next", None)
    except BaseException:  # noqa: BLE001 - the instance's attributes replaced by something odd
        gauss_next = None
    return _random.Random.getstate(_RANDOM), gauss_next


def restore_random_state(state: tuple) -> None:
    """Put back what :func:`random_state` read. Should student code have made that
    impossible, the copy starts from :data:`GRADING_SEED` instead: never from the OS."""
    twister, gauss_next = state
    try:
        _random.Random.setstate(_RANDOM, twister)
        dict.__setitem__(object.__getattribute__(_RANDOM, "__dict__"), "gauss_next", gauss_next)
    except BaseException:  # noqa: BLE001 - the instance's attributes replaced by something odd
        _random.Random.seed(_RANDOM, GRADING_SEED)


def grader_finders() -> list:
    """Every import finder that knows where the grader's packages are (an
    editable install's finder maps ``autograder`` and ``solutions`` to the
    checkout, whatever ``sys.path`` says)."""
    import importlib.machinery

    standard = (importlib.machinery.BuiltinImporter, importlib.machinery.FrozenImporter,
                importlib.machinery.PathFinder)
    found = []
    for finder in sys.meta_path:
        if finder in standard or isinstance(finder, standard):
            continue
        try:
            knows = any(finder.find_spec(name, None) is not None for name in FORBIDDEN_MODULES)
        except Exception:  # noqa: BLE001 - a finder that cannot answer is not trusted either
            knows = True
        if knows:
            found.append(finder)
    return found


def drop_grader_finders(finders: list | tuple | None = None) -> None:
    """Remove the :func:`grader_finders` (``finders``, when they were listed
    before): with them gone, code that gets past ``ForbiddenImports`` still finds
    nothing of the grader's to import."""
    for finder in grader_finders() if finders is None else finders:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
