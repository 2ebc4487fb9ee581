"""Hidden checks of the `best_practices` lab: its `to_original_units` cell.

Gathered, in the order they run, by ``autograder/checks/best_practices.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import as_float, cell, close, describe, fail, num, python_floats, rand, randint, signed
from autograder.probes import best_practices as probes
from solutions import best_practices as ref


# --------------------------------------------------------- to_original_units


def _scaling(gen):
    """(w_std, b_std, x_mean, x_std, y_mean, y_std): means away from 0, spreads far from 1 and from each other."""
    x_std, y_std = float(rand(gen, 1, low=2.0, high=6.0)), float(rand(gen, 1, low=8.0, high=30.0))
    return (signed(gen, 0.3, 0.9), signed(gen, 0.05, 0.5), signed(gen, 20.0, 80.0), x_std,
            signed(gen, 100.0, 400.0), y_std)


def _converted(value, call):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(f"{call} returned {describe(value)}; it should return the pair (w, b).")
    return as_float(value[0], f"{call}'s w"), as_float(value[1], f"{call}'s b"), list(value)


@cell("test_to_original_units")
def test_to_original_units_gives_the_slope_and_bias_in_the_datas_units(nb, gen):
    args = _scaling(gen)
    call = "to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std)"
    got, = nb.probe(probes.to_original_units, what=call, cell="to_original_units", calls=[args]).values(1)
    w, b, _ = _converted(got, call)
    want_w, want_b = ref.to_original_units(*args)
    w_std, b_std, x_mean, x_std, y_mean, y_std = args
    shown = (f"(w_std, b_std, x_mean, x_std, y_mean, y_std) = ({', '.join(f'{v:.4g}' for v in args)})")
    if not close(w, want_w, rtol=1e-6, atol=1e-9):
        if close(w, w_std * x_std / y_std, rtol=1e-6):
            fail(f"for {shown} to_original_units gave w = {num(w)} = w_std * x_std / y_std: the ratio is upside "
                 f"down. A unit of x is 1 / x_std standardised units, and a standardised unit of y is y_std units "
                 f"of y, so w = w_std * y_std / x_std = {num(want_w)}.", mistake="stds swapped")
        if close(w, w_std, rtol=1e-6):
            fail(f"for {shown} to_original_units returned w_std itself as w: rescale it, w = w_std * y_std / x_std.")
        fail(f"for {shown} to_original_units gave w = {num(w)}; expected w_std * y_std / x_std = {num(want_w)}.")
    if close(b, want_b, rtol=1e-6, atol=1e-9):
        return
    if close(b, y_mean + y_std * b_std, rtol=1e-6):
        fail(f"for {shown} to_original_units gave b = {num(b)}, which leaves out - w * x_mean: moving x by its mean "
             f"moves the line too. Expected b = y_mean + y_std * b_std - w * x_mean = {num(want_b)}.",
             mistake="forgot - w * x_mean")
    if close(b, y_mean + y_std * b_std - w_std * x_mean, rtol=1e-6):
        fail(f"for {shown} to_original_units used w_std in the bias; it needs the slope in original units: "
             f"b = y_mean + y_std * b_std - w * x_mean = {num(want_b)}.")
    if close(b, y_mean + b_std - want_w * x_mean, rtol=1e-6):
        fail(f"for {shown} to_original_units added b_std without scaling it: b_std is in standardised units of y, "
             f"so it counts y_std * b_std. Expected b = {num(want_b)}.")
    fail(f"for {shown} to_original_units gave b = {num(b)}; expected y_mean + y_std * b_std - w * x_mean = "
         f"{num(want_b)}.")


@cell("test_to_original_units")
def test_to_original_units_takes_tensors_and_returns_python_floats(nb, gen):
    args = _scaling(gen)
    shapes = [(), (1,), (1, 1)]
    as_tensors = tuple(torch.tensor([[v]]).reshape(shapes[randint(gen, 0, 2)]) if randint(gen, 0, 2) else v
                       for v in args)
    as_tensors = (torch.tensor(args[0]), *as_tensors[1:])  # at least one of each kind
    as_tensors = (*as_tensors[:3], float(args[3]), *as_tensors[4:])
    call = "to_original_units with one-element tensors among its arguments"
    got, plain = nb.probe(probes.to_original_units, what=call, cell="to_original_units",
                          calls=[as_tensors, args]).values(2)
    w, b, raw = _converted(got, call)
    # Judged against the student's own answer for the same numbers as floats (its value is the other check's).
    want_w, want_b, _ = _converted(plain, "to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std)")
    if not (close(w, want_w, rtol=1e-5, atol=1e-6) and close(b, want_b, rtol=1e-5, atol=1e-6)):
        fail(f"{call} returned (w, b) = ({num(w)}, {num(b)}); with the same numbers as plain floats it returns "
             f"({num(want_w)}, {num(want_b)}). Each argument may be a float or a one-element tensor: turn each into "
             "a number first (float(v)).")
    python_floats(raw, f"{call}: (w, b)", "return Python floats: float(w), float(b).")
