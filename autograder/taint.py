"""What may come back out of a probe that ran reference code.

Some probes bring reference versions of earlier cells into the student's
process (so that one bug is not punished twice). Student code running beside
them could read them (their source, their bytecode, the process's memory) and
try to smuggle them out in the feedback. So from such a *tainted* probe no text
the student's code chose reaches anyone:

* a string is kept only if it is one of the strings the assignment's own
  probes, checks and solutions spell (the reasons ``descend`` may return, the
  keys of ``fit``'s history); any other becomes :data:`HIDDEN`;
* an exception keeps its class name only if it is a built-in exception, and
  loses its message and traceback;
* an object that could not be sent keeps its type's name only if that names a
  real class of a loaded module, and loses its ``repr``.

Numbers and tensors pass: a check shows a few of them, formatted by the grader.

When something was hidden, the grader runs the same probe again with the
student's own earlier functions (see ``harness``): if that gives the same
answer apart from the hidden text, its answer is used, text and all, since no
reference code was in that process.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import json
import sys

import torch

from autograder import codec
from autograder.codec import Opaque, StudentError

#: What a string a tainted probe returned becomes.
HIDDEN = "[text hidden]"
_BUILTIN_EXCEPTIONS = {name for name, value in vars(builtins).items()
                       if isinstance(value, type) and issubclass(value, BaseException)}


@functools.lru_cache(maxsize=1)
def class_names() -> frozenset[str]:
    """The names of the classes of builtins, torch, torch.nn and numpy: what
    probes report as ``type(value).__name__`` (a student's class may share one
    of these names, but cannot choose a new one)."""
    import numpy

    names = {"NoneType", "function", "method", "generator", "module", "builtin_function_or_method"}
    for namespace in (builtins, torch, torch.nn, numpy):
        names |= {name for name, value in vars(namespace).items() if isinstance(value, type)}
    return frozenset(names)


@functools.lru_cache(maxsize=32)
def vocabulary(*modules) -> frozenset[str]:
    """Every string constant spelled in ``modules``' source (short ones: a
    sentence of a message is not something a student's value needs to match),
    and the class names a probe may report."""
    from autograder.checkapi import check_modules

    words: set[str] = set(class_names())
    # A lab's checks are their entry file and the modules it is made of (its parts, the shared checks).
    for module in [m for given in modules for m in check_modules(given)]:
        try:
            tree = ast.parse(inspect.getsource(module))
        except (OSError, TypeError, SyntaxError):
            continue
        words.update(node.value for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) <= 40)
    return frozenset(words)


def _real_class(name: str) -> bool:
    module, _, qualname = name.rpartition(".")
    if not module:
        return isinstance(getattr(builtins, name, None), type)
    obj = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return isinstance(obj, type)


def hides_something(value, words: frozenset[str]) -> bool:
    """Whether :func:`redact` would change ``value``."""
    return _key(redact(value, words)) != _key(value)


def same(a, b) -> bool:
    """Whether two decoded values are the same data (tensors compared bit for bit)."""
    return _key(a) == _key(b)


def _key(value) -> str:
    return json.dumps(codec.encode(value, torch=torch), sort_keys=True, default=str)


def redact(value, words: frozenset[str], depth: int = 0):
    """``value`` with everything the student's code could have written into it replaced."""
    if depth > 40:
        return HIDDEN
    if isinstance(value, str):
        return value if value in words else HIDDEN
    if isinstance(value, list):
        return [redact(v, words, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(redact(v, words, depth + 1) for v in value)
    if isinstance(value, dict):
        out = {}
        for i, (key, item) in enumerate(value.items()):
            key = redact(key, words, depth + 1)
            out[f"{HIDDEN} {i}" if key == HIDDEN else key] = redact(item, words, depth + 1)
        return out
    if isinstance(value, StudentError):
        return redact_error(value)
    if isinstance(value, Opaque):
        return Opaque(value.type_name if _real_class(value.type_name) else "object", "")
    return value


def redact_error(error: StudentError) -> StudentError:
    return StudentError(error.type_name if error.type_name in _BUILTIN_EXCEPTIONS else "Exception", "", "")
