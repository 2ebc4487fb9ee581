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
import types

import matplotlib
import matplotlib.artist
import matplotlib.figure
import numpy as np
import torch

from autograder.sandbox import guard

#: How deep into containers and objects the fingerprint looks, and how many objects at most.
DEPTH, OBJECTS = 4, 5_000
#: The same for :func:`reachable`, which also looks inside the objects of libraries (a model, an optimizer).
REACHABLE_DEPTH = 10
#: Globals Python itself writes while a cell runs (a warning shown once per place).
IGNORED = frozenset({"__warningregistry__"})


class Unreadable(Exception):
    """The state holds something the fingerprint cannot vouch for."""


#: What reading an object may raise: the answer is then "unknown", so "changed".
_UNREADABLE = (Unreadable, RecursionError, TypeError, ValueError, RuntimeError, AttributeError)


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
    except _UNREADABLE:
        return None
    finally:
        keep.update(seen)
    return names, tuple(objects), _library_state()


def reachable(roots: list, keep: dict, figures: dict) -> tuple | None:
    """The identity and contents of everything ``roots`` reach, as far as code
    could change them, and the state of torch, matplotlib and the loaded modules
    but for the random generators (``None``: something it cannot vouch for).
    Matplotlib artists count as their figure, which goes in ``figures``: an
    artist changed through matplotlib marks its figure stale (see ``sharing``)."""
    if guard.version_of is None:
        return None
    seen: dict[int, object] = {}
    try:
        objects = tuple(_state(root, REACHABLE_DEPTH, seen, figures) for root in roots)
    except _UNREADABLE:
        return None
    finally:
        keep.update(seen)
    return objects, _library_state(with_random=False)


def _state(value, depth: int, seen: dict, figures: dict | None = None) -> object:
    """The identity and contents of ``value`` as far as a cell could change them
    (artists only where ``figures`` collects their figures)."""
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
        return _tensor(value, depth, seen, figures)
    if depth == 0:
        raise Unreadable("too deep")
    inner = depth - 1
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, id(value), len(value), tuple(_state(v, inner, seen, figures) for v in value))
    if isinstance(value, dict):
        return ("dict", id(value), _version(value),
                tuple(_state(v, inner, seen, figures) for v in list(value.values())))
    if isinstance(value, (set, frozenset)):
        return ("set", id(value), len(value), tuple(sorted(id(v) for v in value)))
    if isinstance(value, np.ndarray):
        return ("ndarray", id(value), value.shape, value.dtype.str, hashlib.sha1(value.tobytes()).hexdigest())
    if callable(value) and hasattr(value, "__code__"):
        return _function(value, inner, seen, figures)
    if isinstance(value, types.BuiltinFunctionType):  # len, torch.mean, a list's append
        return ("builtin", id(value), _state(value.__self__, inner, seen, figures))
    if isinstance(value, type):
        return ("class", id(value), _version(guard.dict_of(value)))
    if figures is not None and isinstance(value, matplotlib.artist.Artist):
        figure = _figure_of(value)
        figures[id(figure)] = figure
        return ("artist", id(value), id(figure))
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return ("object", id(value), type(value).__qualname__, _state(attributes, inner, seen, figures))
    raise Unreadable(type(value).__name__)


def _function(value, depth: int, seen: dict, figures: dict | None) -> tuple:
    """A function's code, and what it keeps between calls: its attributes, its default
    values (a ``list`` default filling up) and the variables of its closure."""
    cells = []
    for cell in value.__closure__ or ():
        try:
            cells.append(_state(cell.cell_contents, depth, seen, figures))
        except ValueError:  # a closure variable not bound yet
            cells.append("empty")
    return ("function", id(value), id(value.__code__), _state(value.__defaults__, depth, seen, figures),
            _state(value.__kwdefaults__, depth, seen, figures), tuple(cells), _state(vars(value), depth, seen, figures))


def _figure_of(artist) -> matplotlib.figure.Figure:
    """The top figure an artist is drawn in (any change to the artist marks it stale)."""
    figure = artist
    for _ in range(8):
        if isinstance(figure, matplotlib.figure.Figure):
            return figure
        figure = getattr(figure, "figure", None)
    raise Unreadable("an artist outside a figure")


def _tensor(t: torch.Tensor, depth: int, seen: dict, figures: dict | None) -> tuple:
    if type(t) not in (torch.Tensor, torch.nn.Parameter):
        raise Unreadable("a tensor subclass")
    grad = t.grad if t.is_leaf or t.retains_grad else None  # (reading a non-leaf's .grad warns)
    kept = (vars(t), t._backward_hooks, t._post_accumulate_grad_hooks)  # its attributes and hooks
    kept = _state(kept, depth, seen, figures) if any(kept) else None
    return ("tensor", id(t), t._version, t.data_ptr(), t.requires_grad, t.retains_grad, tuple(t.shape),
            tuple(t.stride()), str(t.dtype), _contents(t), kept,
            id(grad), None if grad is None else (grad._version, grad.data_ptr(), _contents(grad)))


def _contents(t: torch.Tensor) -> str:
    """A digest of the tensor's values. Its version counter is not enough: a write through
    ``t.data`` (``w.data -= lr * w.grad``), ``t.detach()`` or ``t.numpy()`` leaves it as it was."""
    if t.layout != torch.strided or t.device.type != "cpu":
        raise Unreadable("a tensor outside the CPU's memory")
    return hashlib.sha1(t.detach().contiguous().numpy().tobytes()).hexdigest()  # (no numpy dtype: TypeError)


def _version(d: dict) -> int:
    return guard.version_of(d)


def _library_state(with_random: bool = True) -> tuple:
    """Everything outside the namespace a cell might change for the cells after it."""
    generators = (
        bytes(torch.default_generator.get_state().numpy()),
        hash(random.getstate()),
        hashlib.sha1(np.random.get_state()[1].tobytes()).hexdigest(),
    ) if with_random else ()
    return generators + (
        torch.is_grad_enabled(), torch.is_inference_mode_enabled(), torch.is_anomaly_enabled(),
        torch.get_default_dtype(), torch.are_deterministic_algorithms_enabled(), torch.get_num_threads(),
        _version(matplotlib.rcParams), len(sys.modules), _version(sys.modules),
        os.getcwd(), _version(os.environ._data),
    )
