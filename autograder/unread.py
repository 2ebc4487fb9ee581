"""Provided cells no grade reads: grading leaves them out.

Most of a notebook's own running time is its provided plotting cells, which
draw for the student and bind names nobody reads afterwards. Grading leaves
such a cell out only when it can prove the result is what running it gives;
students still see every figure in Jupyter. A provided cell is left out when:

1. **Nothing before it ran student code** (:func:`_clean_prefix`), in the
   submission and in the solution notebook alike. Every answer or extra cell
   before it only defines functions (no decorators, defaults or annotations,
   which run code), and no provided cell up to it mentions a name those cells
   bind. So it would run on exactly the state it runs on in the solution
   notebook: the same provided values, the same random generators, the same
   modules. It mentions none of the names that differ.
2. **In the solution notebook it ran cleanly and changed nothing but its own
   names** (``sandbox.audit``: globals, tensors, generators, torch's switches,
   matplotlib's settings, loaded modules). Run on the same state, it would do
   the same in the submission. So it raises nothing, prints nothing anyone
   grades, and leaves only its own names.
3. **No grade reads a name it binds** (:func:`skippable`, to a fixed point).
   Nothing that runs mentions the name: no cell that runs, whatever its
   position (a function defined earlier may be called later), and no check,
   probe or solution (their whole text, string constants included). A cell
   that reads globals by a computed name (``globals()``, ``eval``, ``getattr``,
   ``__dict__``, ...) stops every cell from being left out.

Should a cell or a probe still fail on a name a left-out cell binds, the
notebook is run again with every cell (``execute``, ``harness``).

**Off unless asked for** (``AUTOGRADER_SKIP_UNREAD_CELLS=1``). Hostile code can
still tell whether a left-out cell ran, without naming anything it binds: state
inside the libraries that no fingerprint covers (matplotlib's lazily built
marker paths, autograd's sequence counter), or a name spelled only in pieces
of a string (``'{0.__glob' + 'als__[by' + '_hand]}'.format(forward)``). Such a
notebook can then be graded differently with the cells left out than with
every cell run, so by default every cell runs. ``tests/test_unread.py`` keeps
the three notebooks an outside tester wrote to show this.
"""

from __future__ import annotations

import ast
import functools
import inspect
import os
import re
from dataclasses import dataclass

#: Set to 1 to leave out the provided cells no grade reads (see the module's docstring for the risk).
ENV = "AUTOGRADER_SKIP_UNREAD_CELLS"
#: Words that reach globals by a name computed at run time.
DYNAMIC = frozenset({
    "globals", "locals", "vars", "eval", "exec", "compile", "dir", "getattr", "setattr", "delattr", "hasattr",
    "attrgetter", "methodcaller", "sys", "gc", "inspect", "ctypes", "builtins", "importlib", "get_ipython",
    "user_ns", "modules", "f_globals", "f_locals", "f_back", "tb_frame", "gi_frame", "cr_frame", "_getframe",
    "currentframe", "pickle", "dill", "shelve", "runpy",
})
#: Dunder names that do not reach globals (any other does: ``__dict__``, ``__globals__``, ``__main__``).
_HARMLESS_DUNDERS = frozenset({
    "__init__", "__name__", "__call__", "__repr__", "__str__", "__len__", "__getitem__", "__setitem__",
    "__iter__", "__next__", "__enter__", "__exit__", "__future__", "__version__", "__doc__", "__eq__",
    "__hash__", "__lt__", "__add__", "__mul__", "__sub__", "__truediv__", "__neg__", "__contains__",
    "__post_init__", "__slots__", "__annotations__", "__qualname__", "__module__",
})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def enabled() -> bool:
    return os.environ.get(ENV, "") in ("1", "true", "yes")


@dataclass(frozen=True)
class Words:
    """What one cell's text says about names."""

    reads: frozenset[str]
    """Every identifier it mentions other than as a plain assignment target,
    every word inside its strings, and every attribute name."""
    binds: frozenset[str]
    """Every name it may bind or delete (over-approximated)."""
    defines_only: bool
    """Running it only defines functions: it runs none of its own code."""
    code: frozenset[str] = frozenset()
    """The identifiers and attribute names of its code (``reads`` without its strings' words)."""

    @property
    def mentions(self) -> frozenset[str]:
        return self.reads | self.binds

    @property
    def dynamic(self) -> bool:
        return bool(self.code & DYNAMIC) or any(w.startswith("__") and w.endswith("__") and w not in _HARMLESS_DUNDERS
                                                for w in self.code)


@functools.lru_cache(maxsize=4096)
def words(source: str) -> Words | None:
    """The :class:`Words` of a cell (``None``: it does not parse, so it raises when run)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    reads: set[str] = set()
    binds: set[str] = set()
    strings: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.update(_IDENTIFIER.findall(node.value))
        else:
            _note(node, reads, binds)
    return Words(frozenset(reads | strings), frozenset(binds), all(map(_only_defines, tree.body)), frozenset(reads))


def _note(node: ast.AST, reads: set[str], binds: set[str]) -> None:
    if isinstance(node, ast.Name):
        (binds if isinstance(node.ctx, ast.Store) else reads).add(node.id)
        if isinstance(node.ctx, ast.Del):
            binds.add(node.id)
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        reads.add(node.target.id)
    elif isinstance(node, ast.Attribute):
        reads.add(node.attr)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        binds.add(node.name)
    elif isinstance(node, ast.alias):
        binds.add((node.asname or node.name).split(".")[0])
        reads.update(node.name.split("."))
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        binds.update(node.names)
        reads.update(node.names)
    elif isinstance(node, ast.ExceptHandler) and node.name:
        binds.add(node.name)
    elif isinstance(node, ast.keyword) and node.arg:
        reads.add(node.arg)
    elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        binds.add(node.name)
    elif isinstance(node, ast.MatchMapping) and node.rest:
        binds.add(node.rest)


def _only_defines(statement: ast.stmt) -> bool:
    """A top-level statement that runs no code of the cell's: a plain ``def``, a docstring, ``pass``."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return True
    if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    args = statement.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]
    return (not statement.decorator_list and not args.defaults and all(d is None for d in args.kw_defaults)
            and statement.returns is None and all(a.annotation is None for a in every)
            and not getattr(statement, "type_params", None))


def vocabulary(*modules) -> frozenset[str]:
    """Every word the checks, probes and solutions mention (their :class:`Words`):
    a name in it may be read by a grade."""
    found: set[str] = set()
    for module in modules:
        try:
            cell = words(inspect.getsource(module))
        except (OSError, TypeError):
            cell = None
        if cell is None:
            raise ValueError(f"cannot read the source of {module!r}: every cell would have to run")
        found |= cell.mentions
    return frozenset(found)


def _clean_prefix(cells) -> set[str]:
    """Labels of the provided cells before which no student code can have run
    (see the module's docstring, condition 1)."""
    found: set[str] = set()
    bound: set[str] = set()        # by answer and extra cells so far
    mentioned: set[str] = set()    # by provided cells so far
    for cell in cells:
        said = words(cell.source)
        if said is None:
            return found
        if cell.origin == "provided":
            if said.mentions & bound or said.dynamic:
                return found
            mentioned |= said.mentions
            found.add(cell.label)
        else:
            if not said.defines_only or said.binds & mentioned:
                return found
            bound |= said.binds
    return found


def candidates(reference_cells, readers: frozenset[str]) -> frozenset[str]:
    """The provided cells any submission could have left out: those after which
    nothing of the solution's ran, binding no name a grade reads. Only these are
    audited, in the solution's run that the checks' snapshots need anyway."""
    found = _clean_prefix(reference_cells)
    return frozenset(c.label for c in reference_cells if c.label in found and not words(c.source).binds & readers)


def skippable(cells, reference_cells, readers: frozenset[str], effect_free: frozenset[str]) -> frozenset[str]:
    """The labels of the provided cells of ``cells`` (a submission's program)
    grading may leave out. ``reference_cells`` is the solution notebook's
    program, ``readers`` the :func:`vocabulary` of what grades it, and
    ``effect_free`` the provided cells its run showed change nothing but their names."""
    left_out = _clean_prefix(cells) & _clean_prefix(reference_cells) & effect_free
    said = [(cell.label, words(cell.source)) for cell in cells]
    if not left_out or any(w is None or w.dynamic for label, w in said if label not in left_out):
        return frozenset()
    while left_out:
        read = set(readers).union(*(w.reads for label, w in said if label not in left_out))
        needed = {label for label, w in said if label in left_out and w.binds & read}
        if not needed:
            break
        left_out -= needed
    return frozenset(left_out)


def bound_by(cells, labels: frozenset[str]) -> frozenset[str]:
    """The names the cells ``labels`` bind (a ``NameError`` on one means: run them after all)."""
    return frozenset().union(*(words(c.source).binds for c in cells if c.label in labels))


def fails_on(error, names: frozenset[str]) -> bool:
    """Whether ``error`` (a student's ``codec.StudentError``) says one of ``names`` is not defined."""
    return (error is not None and error.type_name in ("NameError", "UnboundLocalError")
            and any(repr(name) in error.message for name in names))
