"""Mistakes generated from a reference answer cell, with the ``ast`` module.

Each operator walks the cell's syntax tree and, at every place it applies to,
yields one mutant: the cell's source with that one change. A mutant is named
by its cell, its operator and the place (``forward:swap-arithmetic:2``), which
stays the same for as long as the reference cell does.

The operators are the usual ones of mutation testing, plus the mistakes a
PyTorch course sees most: ``mean`` and ``sum`` exchanged, ``.item()``
dropped, ``torch.no_grad()`` dropped, and an argument read from the notebook's
global of the same name (``forward(x)`` computing with ``X``).
"""

from __future__ import annotations

import ast
import copy
import itertools
from dataclasses import dataclass
from typing import Callable, Iterator


@dataclass(frozen=True)
class Mutant:
    cell: str
    """The answer cell's grade_id."""
    operator: str
    place: int
    """Which place in the cell (in the order the operator meets them)."""
    source: str
    """The cell's code with the one change."""
    change: str
    """What changed, in words (``a + b -> a - b``)."""

    @property
    def name(self) -> str:
        return f"{self.cell}:{self.operator}:{self.place}"


_ARITHMETIC = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div, ast.Add], ast.Div: [ast.Mult],
               ast.Pow: [ast.Mult], ast.FloorDiv: [ast.Div], ast.Mod: [ast.FloorDiv]}
_COMPARISON = {ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt], ast.Gt: [ast.GtE, ast.Lt], ast.GtE: [ast.Gt],
               ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is],
               ast.In: [ast.NotIn], ast.NotIn: [ast.In]}
_REDUCTIONS = {"mean": "sum", "sum": "mean"}


def _text(node) -> str:
    return ast.unparse(node) if not isinstance(node, list) else "; ".join(ast.unparse(n) for n in node)


def _sites(tree, kind) -> list:
    return [node for node in ast.walk(tree) if isinstance(node, kind)]


def _variants(tree, predicate, change: Callable) -> Iterator[tuple[ast.AST, str]]:
    """For each node matching ``predicate`` (in walk order) and each way
    ``change(node_copy)`` rewrites it, the mutated tree and a description."""
    count = sum(1 for node in ast.walk(tree) if predicate(node))
    for index in range(count):
        probe = copy.deepcopy(tree)
        target = [node for node in ast.walk(probe) if predicate(node)][index]
        before = _text(target)
        for option in range(8):
            mutated = copy.deepcopy(tree)
            node = [n for n in ast.walk(mutated) if predicate(n)][index]
            described = change(node, option)
            if described is None:
                break
            yield mutated, f"{before} -> {described}"


# ------------------------------------------------------------------ operators


def swap_arithmetic(tree, context):
    def change(node, option):
        ops = node.op if isinstance(node, (ast.BinOp, ast.AugAssign)) else None
        choices = _ARITHMETIC.get(type(ops), [])
        if option >= len(choices):
            return None
        node.op = choices[option]()
        return _text(node)
    yield from _variants(tree, lambda n: isinstance(n, (ast.BinOp, ast.AugAssign)), change)


def drop_negation(tree, context):
    def change(node, option):
        if option:
            return None
        node.op = ast.UAdd()
        return _text(node)
    yield from _variants(tree, lambda n: isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub), change)


def swap_comparison(tree, context):
    def change(node, option):
        choices = _COMPARISON.get(type(node.ops[0]), [])
        if option >= len(choices):
            return None
        node.ops = [choices[option]()] + node.ops[1:]
        return _text(node)
    yield from _variants(tree, lambda n: isinstance(n, ast.Compare), change)


def change_constant(tree, context):
    def change(node, option):
        value = node.value
        if isinstance(value, bool):
            options = [not value]
        elif isinstance(value, int):
            options = [value + 1, value - 1] if value not in (0, 1) else [1 - value, value + 2]
        elif isinstance(value, float):
            options = [value + 1.0, -value] if value else [1.0]
        elif value is None:
            options = []
        else:
            return None  # strings: names and labels, judged elsewhere (a changed label is still a label)
        if option >= len(options):
            return None
        node.value = options[option]
        return _text(node)
    yield from _variants(tree, lambda n: isinstance(n, ast.Constant) and not isinstance(n.value, str), change)


def off_by_one_range(tree, context):
    def is_range(n):
        return isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "range" and n.args

    def change(node, option):
        if option == 0:
            node.args[-1 if len(node.args) < 3 else 1] = ast.BinOp(node.args[-1 if len(node.args) < 3 else 1],
                                                                     ast.Add(), ast.Constant(1))
        elif option == 1:
            node.args[-1 if len(node.args) < 3 else 1] = ast.BinOp(node.args[-1 if len(node.args) < 3 else 1],
                                                                     ast.Sub(), ast.Constant(1))
        elif option == 2:
            node.args = [ast.Constant(1), node.args[0]] if len(node.args) == 1 else node.args
            if len(node.args) == 1:
                return None
        else:
            return None
        return _text(node)
    yield from _variants(tree, is_range, change)


def drop_statement(tree, context):
    """One statement replaced by ``pass`` (a forgotten ``return``, update or reset)."""
    def places(t):
        found = []
        for parent in ast.walk(t):
            for field in ("body", "orelse"):
                body = getattr(parent, field, None)
                if not isinstance(body, list):
                    continue
                for i, statement in enumerate(body):
                    docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                    if not isinstance(statement, (ast.FunctionDef, ast.ClassDef, ast.Pass)) and not docstring:
                        found.append((parent, field, i))
        return found

    for index in range(len(places(tree))):
        mutated = copy.deepcopy(tree)
        parent, field, i = places(mutated)[index]
        body = getattr(parent, field)
        before = _text(body[i]).splitlines()[0]
        body[i] = ast.Pass()
        yield mutated, f"{before} -> (dropped)"


def reorder_returned_values(tree, context):
    def tuple_return(n):
        return isinstance(n, ast.Return) and isinstance(n.value, ast.Tuple) and len(n.value.elts) >= 2

    def change(node, option):
        orders = list(itertools.permutations(range(len(node.value.elts))))[1:]
        if option >= len(orders) or option >= 3:
            return None
        node.value.elts = [node.value.elts[i] for i in orders[option]]
        return _text(node)
    yield from _variants(tree, tuple_return, change)


def swap_mean_and_sum(tree, context):
    def reduction(n):
        return isinstance(n, ast.Attribute) and n.attr in _REDUCTIONS

    def change(node, option):
        if option:
            return None
        node.attr = _REDUCTIONS[node.attr]
        return _text(node)
    yield from _variants(tree, reduction, change)


def drop_item(tree, context):
    """``x.item()`` -> ``x`` (and ``float(x)`` -> ``x``): a tensor kept where a number belongs."""
    def to_number(n):
        return isinstance(n, ast.Call) and (
            isinstance(n.func, ast.Attribute) and n.func.attr == "item" and not n.args
            or isinstance(n.func, ast.Name) and n.func.id == "float" and len(n.args) == 1)

    class Unwrap(ast.NodeTransformer):
        def __init__(self, target):
            self.target = target

        def visit_Call(self, node):
            self.generic_visit(node)
            if node is self.target:
                return node.func.value if isinstance(node.func, ast.Attribute) else node.args[0]
            return node

    count = sum(1 for n in ast.walk(tree) if to_number(n))
    for index in range(count):
        mutated = copy.deepcopy(tree)
        target = [n for n in ast.walk(mutated) if to_number(n)][index]
        before = _text(target)
        mutated = Unwrap(target).visit(mutated)
        yield mutated, f"{before} -> {_text(target.func.value if isinstance(target.func, ast.Attribute) else target.args[0])}"


def drop_no_grad(tree, context):
    def no_grad(n):
        return isinstance(n, ast.With) and any("no_grad" in _text(item.context_expr) for item in n.items)

    count = sum(1 for n in ast.walk(tree) if no_grad(n))
    for index in range(count):
        mutated = copy.deepcopy(tree)
        target = [n for n in ast.walk(mutated) if no_grad(n)][index]
        for parent in ast.walk(mutated):
            for field in ("body", "orelse"):
                body = getattr(parent, field, None)
                if isinstance(body, list) and target in body:
                    at = body.index(target)
                    body[at:at + 1] = target.body
        yield mutated, "with torch.no_grad(): ... -> (no no_grad)"


def argument_from_global(tree, context):
    """A function reads the notebook's global of its argument's name (``x`` -> ``X``)."""
    notebook_globals = context.get("globals", set())
    choices = []
    for fn in _sites(tree, ast.FunctionDef):
        for arg in fn.args.args:
            if arg.arg in notebook_globals:
                choices.append((fn.name, arg.arg, arg.arg))
            elif arg.arg.upper() != arg.arg and arg.arg.upper() in notebook_globals:
                choices.append((fn.name, arg.arg, arg.arg.upper()))
    for fn_name, arg, global_name in choices:
        mutated = copy.deepcopy(tree)
        fn = next(f for f in _sites(mutated, ast.FunctionDef) if f.name == fn_name)
        if global_name == arg:  # the parameter is renamed away, so the body's uses read the global
            next(a for a in fn.args.args if a.arg == arg).arg = f"{arg}_unused"
        else:
            for node in ast.walk(fn):
                if isinstance(node, ast.Name) and node.id == arg and isinstance(node.ctx, ast.Load):
                    node.id = global_name
        yield mutated, f"{fn_name} reads the global {global_name} instead of its argument {arg}"


OPERATORS = {
    "swap-arithmetic": swap_arithmetic,
    "drop-negation": drop_negation,
    "swap-comparison": swap_comparison,
    "change-constant": change_constant,
    "off-by-one-range": off_by_one_range,
    "drop-statement": drop_statement,
    "reorder-returned-values": reorder_returned_values,
    "swap-mean-and-sum": swap_mean_and_sum,
    "drop-item": drop_item,
    "drop-no-grad": drop_no_grad,
    "argument-from-global": argument_from_global,
}


def mutants(cell: str, source: str, notebook_globals: set[str]) -> list[Mutant]:
    """Every mutant of one answer cell's code (comments and solution markers dropped)."""
    tree = ast.parse(source)
    found, seen = [], {ast.unparse(tree)}
    for name, operator in OPERATORS.items():
        place = 0
        for mutated, change in operator(copy.deepcopy(tree), {"globals": notebook_globals}):
            ast.fix_missing_locations(mutated)
            text = ast.unparse(mutated)
            if text in seen:
                continue
            seen.add(text)
            found.append(Mutant(cell, name, place, text + "\n", change))
            place += 1
    return found
