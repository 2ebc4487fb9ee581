"""The vocabulary hidden checks are written in.

A hidden check is a pytest test that takes the ``nb`` fixture (the student's
notebook, alive in the sandbox) and ``gen`` (a seeded ``torch.Generator``),
probes the notebook for values (with a public probe, ``autograder/probes/``),
compares them with the reference solution and fails with :func:`fail` in words
a student can act on, naming the mistake when it is a known one::

    @cell("test_criterion")
    def test_criterion_is_mean_squared_error(nb, gen):
        ...
        got = nb.probe(probes.criterion, what="criterion(yhat, y)", cell="criterion", yhat=yhat, y=y)
        if close(value, want * n):
            fail("criterion returned N times the cost: sum instead of mean?", mistake="sum instead of mean")
        expect_close(value, want, "criterion(yhat, y)")

Everything here takes whatever a student's code sent back (any type, inf,
nan, numbers too large for a float, nested lists) and either judges it or fails
with a message: nothing a student returns makes a check crash. Only the message
of :class:`CheckFailed` (and of the student problems below) ever reaches a
student: never the check's source or its traceback.
"""

from __future__ import annotations

import math
from typing import NoReturn

import pytest
import torch

from autograder import errors, outcomes
from autograder.codec import Opaque, StudentError


class CheckFailed(AssertionError):
    """A check's verdict: the message is shown to the student."""

    def __init__(self, message: str, mistake: str | None = None):
        super().__init__(message)
        self.message = message
        self.mistake = mistake
        """The known mistake it diagnosed (``"sum instead of mean"``), counted in the class report."""


def fail(message: str, mistake: str | None = None) -> NoReturn:
    raise CheckFailed(message, mistake)


def cell(grade_id: str, points: float = 1):
    """Mark a check as belonging to the test cell ``grade_id``, worth ``points``."""
    return pytest.mark.cell(grade_id=grade_id, points=points)


# ------------------------------------------------------ problems with the code


class StudentProblem(Exception):
    """The student's code could not answer a probe. Every outcome message lives here."""

    def __init__(self, message: str, mistake: str | None = None):
        super().__init__(message)
        self.message = message
        self.mistake = mistake


class StudentRaised(StudentProblem):
    def __init__(self, error: StudentError, what: str, cell_error: str | None = None,
                 with_reference: list[str] | None = None, own_ran: bool = False):
        self.error = error
        mistake = None
        if with_reference:
            text = (f"{what} raised {error.type_name} when it ran with the reference "
                    f"{', '.join(with_reference)} (so that your earlier cells' mistakes do not count "
                    "twice)" + ("; with your own versions it ran without an error" if own_ran else "")
                    + ". Check what it passes to them and what it does with what they return. (The "
                    "grader does not show that error's message: the reference code was in the same process.)")
        elif error.type_name == "MemoryError" or "can't allocate memory" in error.message \
                or "not enough memory" in error.message:
            text, mistake = outcomes.probe_out_of_memory(what), "out of memory"
        elif error.type_name == "NotImplementedError":
            text, mistake = (f"{what} still raises NotImplementedError: replace `raise NotImplementedError()` "
                             "with your own code."), "not attempted"
        elif error.type_name == "NameError" and cell_error:
            text = f"{what} could not run ({error}) because {cell_error}."
        else:
            found = errors.meaning(error)
            text = f"{what} raised {error}."
            if found is not None:
                text += f" {outcomes.that_means(found.explanation)}"
                mistake = found.mistake
            if error.traceback:
                text += f"\nWhere it happened:\n{error.traceback}"
        super().__init__(text, mistake)


class StudentTimedOut(StudentProblem):
    def __init__(self, what: str, seconds: float):
        super().__init__(outcomes.probe_timed_out(what, seconds), "timed out")


class StudentCrashed(StudentProblem):
    def __init__(self, what: str, reason: str = ""):
        if reason:
            super().__init__(outcomes.probe_sent_nothing(what, reason), "sent back nothing usable")
        else:
            super().__init__(outcomes.probe_crashed(what), "crashed")


# --------------------------------------------------------------- numbers


def num(value) -> str:
    """A number with about 4 significant figures (``inf`` and ``nan`` as such)."""
    if isinstance(value, torch.Tensor) and value.is_complex() and value.numel() == 1:
        z = complex(value.detach().reshape(()))
        return f"{z.real:.4g}{z.imag:+.4g}j"
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError, RuntimeError):
        return describe(value)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.4g}"


def nums(a, b) -> tuple[str, str]:
    """Two different numbers, each with enough figures to tell them apart."""
    for digits in (4, 6, 8, 10, 12, 17):
        sa, sb = f"{float(a):.{digits}g}", f"{float(b):.{digits}g}"
        if sa != sb:
            return sa, sb
    return repr(float(a)), repr(float(b))


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def yes(value) -> bool:
    """A probe's flag: true only when it is ``True`` itself (whatever else came back is not)."""
    return value is True


def all_yes(values, count: int | None = None) -> bool:
    """Every one of a probe's flags is ``True`` (and there are ``count`` of them)."""
    return isinstance(values, list) and all(v is True for v in values) and (count is None or len(values) == count)


def describe(value) -> str:
    """A short description of a value, for messages."""
    if isinstance(value, torch.Tensor):
        flat = value.detach().reshape(-1)
        if value.dim() == 0:
            return f"tensor({num(flat[0])})"
        shown = ", ".join(num(v) for v in flat[:4])
        more = ", ..." if flat.numel() > 4 else ""
        return f"a tensor of shape {tuple(value.shape)} [{shown}{more}]"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return num(value) if abs(value) < 1e15 or not isinstance(value, int) else f"{float(value):.4g}"
    if isinstance(value, (Opaque, StudentError)):
        return str(value)
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        if all(is_number(v) for v in value):
            shown = ", ".join(num(v) for v in value[:5])
            return f"a {kind} of {len(value)} numbers [{shown}{', ...' if len(value) > 5 else ''}]"
        inner = ", ".join(_short(v) for v in value[:4])
        return f"a {kind} of {len(value)} [{inner}{', ...' if len(value) > 4 else ''}]"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))[:6]}"
    text = repr(value)
    return f"a {type(value).__name__} {text[:80]}{'...' if len(text) > 80 else ''}"


def _short(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {tuple(value.shape)}" if value.dim() else f"tensor({num(value)})"
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of {len(value)}"
    return describe(value)


def type_word(value) -> str:
    """What a value is, in a word: ``a float``, ``a tensor``, ``None``."""
    if value is None:
        return "None"
    if isinstance(value, torch.Tensor):
        return "a tensor"
    if isinstance(value, Opaque):
        return f"a {value.type_name}"
    return f"a {type(value).__name__}"


# ----------------------------------------------------------- conversions


def _finite_tensor(t: torch.Tensor) -> torch.Tensor:
    return t.detach().to(torch.float64)


def as_tensor(value, what: str) -> torch.Tensor:
    """``value`` as a float64 tensor (a number is a 0-dim tensor), or a failure saying what came back."""
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            fail(f"{what} returned a complex tensor; expected real numbers.")
        return _finite_tensor(value)
    if value is None:
        fail(f"{what} returned None: did you forget `return`?", mistake="returns None")
    if is_number(value):
        return torch.tensor(_float(value), dtype=torch.float64)
    fail(f"{what} should return a tensor, but returned {describe(value)}.")


def _float(value) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def as_float(value, what: str) -> float:
    """``value`` as a Python float (a one-element tensor is accepted)."""
    if isinstance(value, bool) or value is None:
        fail(f"{what} is {describe(value)}, expected a number.")
    if is_number(value):
        return _float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        return float(value.detach().reshape(()))
    fail(f"{what} is {describe(value)}, expected a number.")


def as_floats(values, what: str) -> torch.Tensor:
    """A list (or tuple) of numbers as a float64 tensor; a failure for anything else."""
    if not isinstance(values, (list, tuple)):
        fail(f"{what} is {describe(values)}, expected a list of numbers.")
    return torch.tensor([as_float(v, f"{what}[{i}]") for i, v in enumerate(values)], dtype=torch.float64)


def numbers_or_none(value) -> torch.Tensor | None:
    """A list (of lists...) of numbers as a float64 tensor; ``None`` when it is
    anything else (ragged, text, ...). For data a probe read off a plot."""
    if isinstance(value, torch.Tensor):
        return None if value.is_complex() else _finite_tensor(value)
    try:
        if not isinstance(value, (list, tuple)) or not _all_numbers(value):
            return None
        return torch.tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        return None


def _all_numbers(value, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if isinstance(value, (list, tuple)):
        return all(_all_numbers(v, depth + 1) for v in value)
    return is_number(value)


def python_floats(values, what: str, hint: str = "") -> None:
    """Fail unless every element of ``values`` is a Python float (SPEC says so)."""
    for i, v in enumerate(values):
        if not isinstance(v, float):
            extra = " (a stored tensor keeps its autograd graph alive)" if isinstance(v, torch.Tensor) else ""
            fail(f"{what}[{i}] is {type_word(v)}, not a Python float{extra}: "
                 + (hint or "append float(value) or value.item()."), mistake="not Python floats")


# ----------------------------------------------------------- comparisons


def _tensor_of(value) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor) and not value.is_complex():
        return _finite_tensor(value)
    if is_number(value):
        return torch.tensor(_float(value), dtype=torch.float64)
    return None


def close(got, want, *, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """Numerically equal within tolerance: shapes equal, the same entries non-finite.
    Anything that is not a number or a tensor is never close."""
    got_t, want_t = _tensor_of(got), _tensor_of(want)
    if got_t is None or want_t is None or tuple(got_t.shape) != tuple(want_t.shape):
        return False
    return bool(torch.isclose(got_t, want_t, rtol=rtol, atol=atol, equal_nan=True).all())


def first_difference(got: torch.Tensor, want: torch.Tensor, *, rtol: float = 1e-4, atol: float = 1e-6):
    """(index, got value, wanted value, how many differ) for same-shaped tensors, or None."""
    bad = ~torch.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if not bool(bad.any()):
        return None
    index = tuple(int(i) for i in bad.nonzero()[0])
    return index, float(got[index]), float(want[index]), int(bad.sum())


def where(index: tuple, name: str = "") -> str:
    """``[3]`` or ``[2, 0]`` (``row 3`` for a column)."""
    return f"{name}[{', '.join(map(str, index))}]" if index else name


def expect_shape(got: torch.Tensor, shape: tuple, what: str, hint: str = "") -> None:
    if tuple(got.shape) != tuple(shape):
        fail(f"{what} has shape {tuple(got.shape)}, expected {tuple(shape)}.{' ' + hint if hint else ''}",
             mistake="wrong shape")


def expect_close(got, want, what: str, *, rtol: float = 1e-4, atol: float = 1e-6, hint: str = "",
                 mistake: str | None = None) -> None:
    """Fail unless ``got`` equals ``want`` within tolerance, saying where they
    first differ: the index and the two values (never two equal ones)."""
    got_t = as_tensor(got, what)
    want_t = want.detach().to(torch.float64) if isinstance(want, torch.Tensor) else \
        torch.tensor(_float(want), dtype=torch.float64)
    expect_shape(got_t, tuple(want_t.shape), what)
    found = first_difference(got_t, want_t, rtol=rtol, atol=atol)
    if found is None:
        return
    index, g, w, count = found
    shown_g, shown_w = nums(g, w) if math.isfinite(g) and math.isfinite(w) else (num(g), num(w))
    place = f" at {where(index)}" if index else ""
    others = f" ({count - 1} other value{'s' if count > 2 else ''} differ too)" if count > 1 else ""
    fail(f"{what}{place}: expected {shown_w}, got {shown_g}{others}." + (f" {hint}" if hint else ""),
         mistake=mistake)


def expect_list(got, want: list, what: str, *, rtol: float = 1e-4, atol: float = 1e-6, hint: str = "") -> None:
    """Fail unless the list ``got`` has ``want``'s length and values, saying the
    first place they part."""
    values = as_floats(got, what)
    if len(values) != len(want):
        fail(f"{what} has {len(values)} values, expected {len(want)}." + (f" {hint}" if hint else ""),
             mistake="wrong number of values")
    expect_close(values, torch.tensor(want, dtype=torch.float64), what, rtol=rtol, atol=atol, hint=hint)


def ratio(got, want) -> float:
    """``got / want`` for scalars, NaN when undefined."""
    try:
        g, w = float(got), float(want)
    except (TypeError, ValueError, OverflowError):
        return math.nan
    return g / w if w != 0 and math.isfinite(w) else math.nan


# ----------------------------------------------------------------- inputs


def rand(gen: torch.Generator, *shape: int, low: float = -3.0, high: float = 3.0) -> torch.Tensor:
    """Uniform float32 values in [low, high), drawn from ``gen``."""
    return low + (high - low) * torch.rand(*shape, generator=gen)


def randint(gen: torch.Generator, low: int, high: int) -> int:
    """An integer in [low, high]."""
    return int(torch.randint(low, high + 1, (1,), generator=gen))


def signed(gen: torch.Generator, low: float, high: float) -> float:
    """A number whose size is in [low, high), of either sign: never near 0 or 1 by accident."""
    value = float(rand(gen, 1, low=low, high=high))
    return value if randint(gen, 0, 1) else -value


def off_center(gen: torch.Generator, n: int, spread: float = 3.0) -> torch.Tensor:
    """(n, 1) inputs over a range of width ``2 * spread`` whose centre is not 0
    (0.3 to 1 times ``spread`` away from it, of either sign), in random order.
    A mistake only inputs symmetric around 0 would hide (a bias updated with
    the slope already updated, a sum of x where a mean belongs) shows."""
    centre = signed(gen, 0.3 * spread, spread)
    return centre + spread * (2 * torch.rand(n, 1, generator=gen) - 1)
