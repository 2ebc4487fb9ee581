"""Whether a cell changed anything but the names it binds: a node's fingerprint.

Grading may leave out a provided cell that no grade reads (``autograder.unread``)
only if, in the run of the instructor's solution notebook, that cell changed
nothing else. :func:`fingerprint` is what is compared before and after it: the
identity of every global (but the cell's own), the state of the tensors, lists,
dicts and objects they hold, the random generators, torch's global switches,
matplotlib's settings and the set of loaded modules. Anything it cannot read
makes the cell count as changing something: the answer fails closed.

It is only ever asked in the run of the solution notebook, whose code is the
instructor's, so reading its objects runs nothing of a student's.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys

import matplotlib
import numpy as np
import torch

from autograder.sandbox import guard

#: How deep into containers and objects the fingerprint looks, and how many objects at most.
DEPTH, OBJECTS = 4, 5_000
#: Globals Python itself writes while a cell runs (a warning shown once per place).
IGNORED = frozenset({"__warningregistry__"})


class Unreadable(Exception):
    """The state holds something the fingerprint cannot vouch for."""


def fingerprint(namespace: dict, ignore: frozenset[str] | set[str], keep: dict) -> tuple | None:
    """What a cell could change besides its own names (``None``: unknown, so changed).
    Every object read is put in ``keep``: holding on to them until the second
    fingerprint is made means no id they had can be reused by a new object."""
    if guard.version_of is None:
        return None
    seen: dict[int, object] = {}
    try:
        names = tuple(sorted((name, id(value)) for name, value in namespace.items()
                             if name not in ignore and name not in IGNORED))
        objects = [_state(namespace[name], DEPTH, seen) for name, _ in names]
    except (Unreadable, RecursionError, TypeError, ValueError, RuntimeError):
        return None
    finally:
        keep.update(seen)
    return names, tuple(objects), _library_state()


def _state(value, depth: int, seen: dict) -> object:
    """The identity and contents of ``value`` as far as a cell could change them."""
    if isinstance(value, type(sys)):
        return ("module", id(value), _version(vars(value)))
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return id(value)
    if id(value) in seen:
        return ("seen", id(value))
    if len(seen) >= OBJECTS:
        raise Unreadable("too many objects")
    seen[id(value)] = value  # kept alive, so no id is reused while the fingerprint is made
    if isinstance(value, torch.Tensor):
        return _tensor(value)
    if depth == 0:
        raise Unreadable("too deep")
    inner = depth - 1
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, id(value), len(value), tuple(_state(v, inner, seen) for v in value))
    if isinstance(value, dict):
        return ("dict", id(value), _version(value), tuple(_state(v, inner, seen) for v in list(value.values())))
    if isinstance(value, (set, frozenset)):
        return ("set", id(value), len(value), tuple(sorted(id(v) for v in value)))
    if isinstance(value, np.ndarray):
        return ("ndarray", id(value), value.shape, value.dtype.str, hashlib.sha1(value.tobytes()).hexdigest())
    if callable(value) and hasattr(value, "__code__"):
        return ("function", id(value), id(value.__code__), id(value.__defaults__), _state(vars(value), inner, seen))
    if isinstance(value, type):
        return ("class", id(value), _version(guard.dict_of(value)))
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return ("object", id(value), type(value).__qualname__, _state(attributes, inner, seen))
    raise Unreadable(type(value).__name__)


def _tensor(t: torch.Tensor) -> tuple:
    if type(t) not in (torch.Tensor, torch.nn.Parameter):
        raise Unreadable("a tensor subclass")
    grad = t.grad if t.is_leaf or t.retains_grad else None  # (reading a non-leaf's .grad warns)
    return ("tensor", id(t), t._version, t.data_ptr(), t.requires_grad, tuple(t.shape), tuple(t.stride()),
            str(t.dtype), id(grad), None if grad is None else (grad._version, grad.data_ptr()))


def _version(d: dict) -> int:
    return guard.version_of(d)


def _library_state() -> tuple:
    """Everything outside the namespace a cell might change for the cells after it."""
    return (
        bytes(torch.default_generator.get_state().numpy()),
        hash(random.getstate()),
        hashlib.sha1(np.random.get_state()[1].tobytes()).hexdigest(),
        torch.is_grad_enabled(), torch.is_inference_mode_enabled(), torch.is_anomaly_enabled(),
        torch.get_default_dtype(), torch.are_deterministic_algorithms_enabled(), torch.get_num_threads(),
        _version(matplotlib.rcParams), len(sys.modules), _version(sys.modules),
        os.getcwd(), _version(os.environ._data),
    )
