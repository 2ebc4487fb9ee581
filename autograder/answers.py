"""A probe's answer, as a check may read it without ever crashing.

A probe builds its answer (a dict, or a list of dicts) around the values the
student's code returned. Student code can still break that structure: by
forging a reply, or by replacing a built-in (``list``, ``isinstance``) while the
probe runs. So before a check reads an answer, :func:`guard`

* checks that the answer is of the kind the probe's own code returns (a dict
  when every ``return`` of the probe returns one, a list when it returns a
  list), and fails the check with a message saying so otherwise;
* turns every dict into an :class:`Answer` and every list into an
  :class:`Items`, so that a missing key or an index out of range fails the
  check with a message instead of raising ``KeyError`` or ``IndexError``.

What the values themselves are (inf, nan, text, a tensor of the wrong shape)
is for the check to judge, with ``checking``'s conversions.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap

from autograder.checking import StudentCrashed, fail


class Answer(dict):
    """A dict read by a check: a missing key fails the check, with a message."""

    what = "the answer"

    def __missing__(self, key):
        fail(f"{self.what} came back without its {key!r} (was a built-in replaced while it ran, or a "
             "value returned that is not what the assignment asks for?).", mistake="broke the probe")

    # What the probe's own code put there (flags, names, counts) is read with
    # these: a value of any other kind means the reply was changed, and fails.

    def _changed(self, key, wanted: str):
        fail(f"{self.what} came back with its {key!r} changed ({wanted} expected; was a built-in replaced "
             "while it ran?).", mistake="broke the probe")

    def flag(self, key) -> bool:
        """A flag the probe set: ``True`` or ``False``."""
        value = self[key]
        if value is True or value is False:
            return value
        self._changed(key, "True or False")

    def text(self, key) -> str | None:
        """A string the probe set (or ``None``)."""
        value = self[key]
        if value is None or isinstance(value, str):
            return value
        self._changed(key, "a string")

    def count(self, key) -> int | None:
        """A whole number the probe set (or ``None``)."""
        value = self[key]
        if value is None or isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2 ** 62:
            return value
        self._changed(key, "a whole number")

    def texts(self, key) -> list[str]:
        """A list of strings the probe set."""
        value = self[key]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        self._changed(key, "a list of names")

    def part(self, key) -> "Answer":
        """A dict inside the answer."""
        value = self[key]
        if isinstance(value, Answer):
            return value
        self._changed(key, "a dict")


class Items(list):
    """A list read by a check: an index out of range fails the check, with a message."""

    what = "the answer"

    def __getitem__(self, index):
        try:
            return super().__getitem__(index)
        except IndexError:
            fail(f"{self.what} came back with {len(self)} values, too few for what was asked.",
                 mistake="wrong number of values")
        except TypeError:
            fail(f"{self.what} came back as a list where something else was expected.", mistake="broke the probe")


    def parts(self, count: int) -> list["Answer"]:
        """The ``count`` dicts a probe that answers once per run sent back."""
        return self.values(count, Answer)

    def values(self, count: int, kind: type = object) -> list:
        """The ``count`` values (each a ``kind``) a probe that answers once per call or run sent back."""
        if len(self) != count or not all(isinstance(v, kind) for v in self):
            fail(f"{self.what} came back changed: {count} answer{'s' * (count != 1)} expected, one for each "
                 "input it was given (was a built-in replaced while it ran?).", mistake="broke the probe")
        return list(self)


def _wrap(value, what: str, depth: int = 0):
    if depth > 40:
        return value
    if isinstance(value, dict) and not isinstance(value, Answer):
        wrapped = Answer({k: _wrap(v, what, depth + 1) for k, v in value.items()})
        wrapped.what = what
        return wrapped
    if isinstance(value, list) and not isinstance(value, Items):
        wrapped = Items(_wrap(v, what, depth + 1) for v in value)
        wrapped.what = what
        return wrapped
    if isinstance(value, tuple):
        return tuple(_wrap(v, what, depth + 1) for v in value)
    return value


@functools.lru_cache(maxsize=256)
def kind_of(fn) -> str:
    """``dict``, ``list`` or ``any``: what every ``return`` of the probe ``fn`` returns."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    probe = tree.body[0]
    assigned: dict[str, set[str]] = {}
    returns = []

    def visit(node, top: bool):
        for child in ast.iter_child_nodes(node):
            nested = isinstance(child, (ast.FunctionDef, ast.Lambda, ast.ClassDef))
            if top and isinstance(child, ast.Return) and child.value is not None:
                returns.append(child.value)
            if top and isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, set()).add(_literal(child.value))
            visit(child, top and not nested)

    visit(probe, True)
    kinds = set()
    for value in returns:
        kind = _literal(value)
        if kind == "any" and isinstance(value, ast.Name):
            found = assigned.get(value.id, {"any"})
            kind = next(iter(found)) if len(found) == 1 else "any"
        kinds.add(kind)
    return kinds.pop() if len(kinds) == 1 else "any"


def _literal(node) -> str:
    if isinstance(node, ast.IfExp):
        kinds = {_literal(node.body), _literal(node.orelse)}
        return kinds.pop() if len(kinds) == 1 else "any"
    if isinstance(node, (ast.Dict, ast.DictComp)):
        return "dict"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("dict", "describe_axes", "describe_plot"):
        return "dict"  # the probe scope's describe_axes and describe_plot always return a dict
    if isinstance(node, (ast.List, ast.ListComp)):
        return "list"
    return "any"


def guard(fn, value, what: str):
    """``value``, the answer the probe ``fn`` sent back, made safe to read (see the module's docstring)."""
    kind = kind_of(fn)
    if kind == "dict" and not isinstance(value, dict) or kind == "list" and not isinstance(value, list):
        raise StudentCrashed(what, "its answer came back changed (was a built-in such as list or isinstance "
                                   "replaced while the grader's probe ran?)")
    return _wrap(value, what)


def guard_values(values: dict, what: str) -> Answer:
    """Copies of a notebook's globals (a snapshot), made safe to read like an answer."""
    return _wrap(values if isinstance(values, dict) else {}, what)
