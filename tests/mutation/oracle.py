"""Does a mutant behave differently from the reference? Decided on SPEC's domain.

Each answer cell has a :class:`Behaviour`: a hypothesis strategy drawing inputs
from the whole domain SPEC gives the function (sizes, signs, scales, the
optional arguments), and an ``observe`` that runs the cell's code on one input
and returns what SPEC says about its result, as plain data: values, shapes,
the Python types SPEC names, the gradients that must flow, what it does to the
notebook's globals. Two implementations behave the same when every
observation agrees on every input hypothesis draws; anything SPEC leaves
open (a label's wording, ``p.grad = None`` against ``zero_()``) is left out of
the observation, so a mutant that only changes that is equivalent.

The oracle runs our own generated code (never a student's), in this process,
each call under a time limit.
"""

from __future__ import annotations

import contextlib
import math
import signal
import time
from dataclasses import dataclass
from typing import Callable

import hypothesis
import torch
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

#: How many inputs hypothesis draws per mutant (the same ones every run).
EXAMPLES = 60
#: Seconds one observation may take.
OBSERVE_SECONDS = 5
#: Seconds an observation gets again when the reference itself was slow: a loaded machine,
#: not a changed behaviour, is then the likelier cause of a time-out.
RETRY_SECONDS = 60


class CannotJudge(RuntimeError):
    """The reference itself did not finish in time: nothing can be said about the mutant."""


@dataclass(frozen=True)
class Behaviour:
    """What SPEC says one answer cell does, and the inputs it may get."""

    cell: str
    inputs: st.SearchStrategy
    observe: Callable[[dict, dict], object]
    """``observe(namespace, case)``: run the cell's function (already defined in
    ``namespace``) on ``case`` and return the observation."""
    run_cell: bool = False
    """True for a cell that is a program, not a function (``params``): its code runs in ``observe``."""
    examples: int = EXAMPLES


class Raised(Exception):
    pass


@dataclass(frozen=True)
class Verdict:
    differs: bool
    example: str = ""
    """An input on which they differ, and the two observations."""


def same(a, b, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """Observations agree: numbers within tolerance, everything else exactly."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)) or a.shape != b.shape:
            return False
        a, b = a.detach().double(), b.detach().double()
        finite = torch.isfinite(a) & torch.isfinite(b)
        if not torch.equal(torch.isfinite(a), torch.isfinite(b)):
            return False
        if not bool(torch.allclose(a[finite], b[finite], rtol=rtol, atol=atol)):
            return False
        return bool(torch.equal(a[~finite].nan_to_num(0.5), b[~finite].nan_to_num(0.5)))
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= atol + rtol * abs(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rtol, atol) for k in a)
    return a == b


@contextlib.contextmanager
def _time_limit(seconds: int):
    def stop(signum, frame):
        raise TimeoutError("the observation took too long")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _observe(behaviour: Behaviour, prelude: list, source: str, case: dict, seconds: int | None = None):
    """``prelude``: compiled code run first, into a fresh namespace (the imports
    and the reference versions of the other cells, whose globals it then is).
    Returns the observation and the seconds it took."""
    namespace: dict = {"__name__": "__main__"}
    for code in prelude:
        exec(code, namespace)
    torch.manual_seed(12345)
    start = time.monotonic()
    try:
        with _time_limit(OBSERVE_SECONDS if seconds is None else seconds):
            if not behaviour.run_cell:
                exec(compile(source, f"<{behaviour.cell}>", "exec"), namespace)
            return behaviour.observe(namespace, dict(case, _source=source)), time.monotonic() - start
    except Exception as exc:  # noqa: BLE001 - a mutant may raise anything: that is its behaviour
        return ("raised", type(exc).__name__), time.monotonic() - start


def _timed_out(observation) -> bool:
    return observation == ("raised", "TimeoutError")


def compare(behaviour: Behaviour, prelude: list, reference: str, mutant: str) -> Verdict:
    """Run both on the same inputs; the first input where they disagree, if any.
    A reference that times out is given :data:`RETRY_SECONDS`, and then raises
    :class:`CannotJudge` (it never makes every input look outside its domain, which
    would call the mutant equivalent); a mutant that times out where the reference
    was slow too is given as long before it counts as different."""
    found: list[str] = []

    @settings(max_examples=behaviour.examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(behaviour.inputs)
    def agree(case):
        want, took = _observe(behaviour, prelude, reference, case)
        if _timed_out(want):
            want, took = _observe(behaviour, prelude, reference, case, RETRY_SECONDS)
            if _timed_out(want):
                raise CannotJudge(f"the reference {behaviour.cell} took over {RETRY_SECONDS} s on {_short(case)}")
        got, _ = _observe(behaviour, prelude, mutant, case)
        if _timed_out(got) and took > OBSERVE_SECONDS / 5:
            got, _ = _observe(behaviour, prelude, mutant, case, RETRY_SECONDS)
        if isinstance(want, tuple) and want[:1] == ("raised",):
            hypothesis.reject()  # not in the reference's domain after all
        if not same(got, want):
            found.append(f"on {_short(case)}: reference {_short(want)}, mutant {_short(got)}")
            raise AssertionError(found[-1])

    try:
        agree()
    except AssertionError:
        return Verdict(True, found[-1] if found else "")
    except hypothesis.errors.Unsatisfiable:
        return Verdict(False, "no input the reference accepts")
    return Verdict(False)


def _short(value, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ------------------------------------------------------------ strategies


def number(low: float = -5.0, high: float = 5.0) -> st.SearchStrategy:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def column(rows=st.integers(1, 12), low: float = -4.0, high: float = 4.0) -> st.SearchStrategy:
    """A float32 tensor of shape (N, 1)."""
    return rows.flatmap(lambda n: st.lists(number(low, high), min_size=n, max_size=n)).map(
        lambda values: torch.tensor(values, dtype=torch.float32).view(-1, 1))


def matrix(rows: int, cols: int, low: float = -3.0, high: float = 3.0) -> st.SearchStrategy:
    return st.lists(number(low, high), min_size=rows * cols, max_size=rows * cols).map(
        lambda values: torch.tensor(values, dtype=torch.float32).view(rows, cols))


def same_rows(n_rows=st.integers(2, 12), cols: int = 1, low: float = -4.0, high: float = 4.0):
    """Two float32 tensors with the same number of rows (X, Y)."""
    return n_rows.flatmap(lambda n: st.tuples(matrix(n, cols, low, high), matrix(n, 1, low, high)))


def observed(value):
    """A value as an observation: tensors detached and float64, Python types kept."""
    if isinstance(value, torch.Tensor):
        return ("tensor", value.detach().double().clone())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [observed(v) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: observed(v) for k, v in value.items()})
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    return ("object", type(value).__name__)
