"""Hidden checks of the `best_practices` lab: what the checks of several of its cells share.

See ``autograder/checks/best_practices.py``, which gathers the checks.
"""

import numpy as np
import torch

from autograder.checkapi import as_float, as_tensor, close, describe, fail, is_number


def _table(value, what):
    """A returned tensor (numpy arrays accepted) as float64."""
    if isinstance(value, np.ndarray):
        try:
            return torch.from_numpy(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            fail(f"{what} is {describe(value)}, expected a tensor of numbers.")
    return as_tensor(value, what)


def _rows(value, what):
    """A returned table with at least one dimension (rows)."""
    table = _table(value, what)
    if table.dim() == 0:
        fail(f"{what} is a single number ({describe(table)}); expected a tensor with one row per sample.",
             mistake="wrong shape")
    return table


# What the probes' own code computed (numbers, flags, model states) is read
# once, here: a value of any other kind means the reply was changed.

def _number(value) -> float | None:
    """A number the probe recorded, or None for anything else."""
    if is_number(value):
        return as_float(value, "a number")
    return None


def _numbers(values) -> list:
    return [_number(v) for v in values] if isinstance(values, list) else []


def _changed(what):
    fail(f"{what} came back changed (was a built-in replaced while the grader's probe ran?).",
         mistake="broke the probe")


def _state(value, what) -> dict:
    """A model's state_dict the probe copied: {'weight', 'bias'} as float64 tensors."""
    if not isinstance(value, dict) or set(value) != {"weight", "bias"} \
            or not all(isinstance(v, torch.Tensor) for v in value.values()):
        _changed(what)
    return {k: as_tensor(v, f"{what}[{k!r}]") for k, v in value.items()}


def _triple(got, what, names):
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        fail(f"{what} returned {describe(got)}; it should return {len(names)} values: ({', '.join(names)}).")
    return got


def _state_close(got_state, want_state, tol=1e-4):
    return all(k in got_state and close(got_state[k], want_state[k], rtol=tol, atol=1e-6) for k in want_state)
