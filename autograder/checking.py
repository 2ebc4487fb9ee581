"""The vocabulary hidden checks are written in.

A hidden check is a pytest test that takes the ``nb`` fixture (the student's
notebook, alive in the sandbox) and ``gen`` (a seeded ``torch.Generator``),
probes the notebook for values, compares them with the reference solution and
fails with :func:`fail` in words a student can act on::

    @cell("test_criterion")
    def test_criterion_is_mean_not_sum(nb, gen):
        ...
        got = nb.probe(_call, yhat=yhat, y=y)
        expect_close(got, want, "criterion(yhat, y)")

Only the message of :class:`CheckFailed` (and of the student problems below)
ever reaches a student: never the check's source or its traceback.
"""

from __future__ import annotations

import math

import pytest
import torch

from autograder.codec import Opaque, StudentError


class CheckFailed(AssertionError):
    """A check's verdict: the message is shown to the student."""


def fail(message: str) -> None:
    raise CheckFailed(message)


def cell(grade_id: str, points: float = 1):
    """Mark a check as belonging to the test cell ``grade_id``, worth ``points``."""
    return pytest.mark.cell(grade_id=grade_id, points=points)


# ------------------------------------------------------ problems with the code


class StudentProblem(Exception):
    """The student's code could not answer a probe."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StudentRaised(StudentProblem):
    def __init__(self, error: StudentError, what: str, cell_error: str | None = None,
                 with_reference: list[str] | None = None, own_ran: bool = False):
        self.error = error
        if with_reference:
            text = (f"{what} raised {error.type_name} when it ran with the reference "
                    f"{', '.join(with_reference)} (so that your earlier cells' mistakes do not count "
                    "twice)" + ("; with your own versions it ran without an error" if own_ran else "")
                    + ". Check what it passes to them and what it does with what they return. (The "
                    "grader does not show that error's message: the reference code was in the same process.)")
        elif error.type_name == "MemoryError" or "can't allocate memory" in error.message \
                or "not enough memory" in error.message:
            text = (f"{what} exceeded the memory limit (it tried to allocate more memory than a "
                    "submission may use). Check the sizes of the tensors it creates.")
        elif error.type_name == "NotImplementedError":
            text = (f"{what} still raises NotImplementedError: replace `raise NotImplementedError()` "
                    "with your own code.")
        elif error.type_name == "NameError" and cell_error:
            text = f"{what} could not run ({error}) because {cell_error}."
        else:
            text = f"{what} raised {error}."
            if error.traceback:
                text += f"\nWhere it happened:\n{error.traceback}"
        super().__init__(text)


class StudentTimedOut(StudentProblem):
    def __init__(self, what: str, seconds: float):
        super().__init__(f"{what} did not finish within {seconds:g} seconds and was stopped "
                         "(an infinite loop, or far too many iterations?).")


class StudentCrashed(StudentProblem):
    def __init__(self, what: str, reason: str = ""):
        if reason:
            super().__init__(f"{what} gave the grader nothing it could check: {reason}.")
        else:
            super().__init__(f"{what} stopped the Python process (sys.exit, os._exit, or running out "
                             "of memory?), so nothing could be checked.")


# ---------------------------------------------------------------- comparisons


def describe(value) -> str:
    """A short description of a value, for messages."""
    if isinstance(value, torch.Tensor):
        flat = value.detach().reshape(-1)
        shown = ", ".join(f"{float(v):.4g}" for v in flat[:4])
        more = ", ..." if flat.numel() > 4 else ""
        if value.dim() == 0:
            return f"tensor({float(value):.6g})"
        return f"a tensor of shape {tuple(value.shape)} starting [{shown}{more}]"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (Opaque, StudentError)):
        return str(value)
    if value is None:
        return "None"
    text = repr(value)
    return f"a {type(value).__name__} {text[:80]}{'...' if len(text) > 80 else ''}"


def as_tensor(value, what: str) -> torch.Tensor:
    """``value`` as a float tensor, or a failure explaining what came back."""
    if isinstance(value, torch.Tensor):
        return value.detach().to(torch.float64)
    if value is None:
        fail(f"{what} returned None: did you forget `return`?")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return torch.tensor(float(value), dtype=torch.float64)
    fail(f"{what} should return a tensor, but returned {describe(value)}.")


def as_float(value, what: str) -> float:
    """``value`` as a Python float (a one-element tensor is accepted)."""
    if isinstance(value, bool) or value is None:
        fail(f"{what} returned {describe(value)}, expected a number.")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.reshape(()))
    fail(f"{what} returned {describe(value)}, expected a number.")


def close(got, want, *, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """Numerically equal within tolerance (shapes must match exactly)."""
    got_t = got if isinstance(got, torch.Tensor) else torch.tensor(float(got), dtype=torch.float64)
    want_t = want if isinstance(want, torch.Tensor) else torch.tensor(float(want), dtype=torch.float64)
    if tuple(got_t.shape) != tuple(want_t.shape):
        return False
    got_t, want_t = got_t.detach().to(torch.float64), want_t.detach().to(torch.float64)
    if not bool(torch.isfinite(got_t).all()):
        return bool(torch.equal(got_t, want_t))
    return bool(torch.allclose(got_t, want_t, rtol=rtol, atol=atol))


def expect_shape(got: torch.Tensor, shape: tuple, what: str, hint: str = "") -> None:
    if tuple(got.shape) != tuple(shape):
        fail(f"{what} has shape {tuple(got.shape)}, expected {tuple(shape)}.{' ' + hint if hint else ''}")


def expect_close(got, want, what: str, *, rtol: float = 1e-4, atol: float = 1e-6, hint: str = "") -> None:
    """Fail unless ``got`` equals ``want`` within tolerance, saying both."""
    got_t = as_tensor(got, what)
    want_t = want.detach().to(torch.float64) if isinstance(want, torch.Tensor) else torch.tensor(float(want), dtype=torch.float64)
    expect_shape(got_t, tuple(want_t.shape), what)
    if not close(got_t, want_t, rtol=rtol, atol=atol):
        fail(f"{what} is wrong: expected {describe(want_t)}, got {describe(got_t)}."
             + (f" {hint}" if hint else ""))


def ratio(got, want) -> float:
    """``got / want`` for scalars, NaN when undefined."""
    try:
        g, w = float(got), float(want)
    except (TypeError, ValueError):
        return math.nan
    return g / w if w != 0 else math.nan


def rand(gen: torch.Generator, *shape: int, low: float = -3.0, high: float = 3.0) -> torch.Tensor:
    """Uniform float32 values in [low, high), drawn from ``gen``."""
    return low + (high - low) * torch.rand(*shape, generator=gen)


def randint(gen: torch.Generator, low: int, high: int) -> int:
    """An integer in [low, high]."""
    return int(torch.randint(low, high + 1, (1,), generator=gen))
