"""What a raw Python or PyTorch error means, in the course's terms.

A student whose code raises ``RuntimeError: a leaf Variable that requires grad
is being used in an in-place operation`` learns little from it. Each entry below
recognises one common cause (by the error's type, its message and the line of
the student's code it came from) and says what went wrong and what to do. The
name of each is the mistake the class report counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autograder.codec import StudentError


@dataclass(frozen=True)
class Meaning:
    mistake: str
    """A short name for the mistake, counted in the class report."""
    explanation: str


def _last_line(error: StudentError) -> str:
    lines = [line.strip() for line in error.traceback.splitlines() if line.startswith("    ")]
    return lines[-1] if lines else ""


def _matches(error: StudentError, types: tuple[str, ...], pattern: str, line_pattern: str = "") -> bool:
    if types and error.type_name not in types:
        return False
    if pattern and not re.search(pattern, error.message):
        return False
    return not line_pattern or bool(re.search(line_pattern, _last_line(error)))


_MEANINGS = [
    (("RuntimeError",), r"leaf Variable that requires grad .* in-place", "",
     Meaning("in-place update outside no_grad",
             "a parameter that requires grad was changed in place (p -= ..., p.sub_(...)) while autograd was "
             "recording: do the update under `with torch.no_grad():`, or on p.data.")),
    (("RuntimeError",), r"backward through the graph a second time", "",
     Meaning("backward() called twice",
             "loss.backward() ran twice on the same cost. backward_update already calls it, so do not call it "
             "again yourself, and compute a fresh cost every iteration.")),
    (("RuntimeError",), r"does not require grad and does not have a grad_fn", "",
     Meaning("cost not connected to the parameters",
             "backward() was called on a cost autograd cannot trace back to the parameters: it was detached "
             "(.item(), .detach(), .data, torch.tensor(...)) or the parameters lack requires_grad=True.")),
    (("RuntimeError",), r"grad can be implicitly created only for scalar outputs", "",
     Meaning("cost is not a single number",
             "backward() needs the cost as one number; this one has a value per sample. Average the squared "
             "errors (torch.mean) before calling backward().")),
    (("OverflowError",), r"Numerical result out of range", "",
     Meaning("a diverging float squared",
             "a Python float grew too large to square: gradient descent diverged with this learning rate. Compute "
             "the loss of the last w on a float64 tensor (torch.tensor(w, dtype=torch.float64)): there it becomes "
             "inf instead of raising, and math.isfinite tells.")),
    (("TypeError", "RuntimeError"), r"bitwise_xor|for \^|\^:", "",
     Meaning("^ instead of **", "`^` is Python's bitwise XOR, not a power: square with `** 2`.")),
    (("RuntimeError", "TypeError", "AttributeError"), r"", r"\bnn\.MSELoss\(\s*[^)\s]",
     Meaning("nn.MSELoss(yhat, y)",
             "nn.MSELoss(yhat, y) makes a loss *function* (its arguments are options), it computes nothing. "
             "Make the function, then call it on the tensors: nn.MSELoss()(yhat, y).")),
    (("AttributeError",), r"'MSELoss' object has no attribute", "",
     Meaning("nn.MSELoss(yhat, y)",
             "an nn.MSELoss module was used as if it were a cost: nn.MSELoss() makes the loss function, "
             "nn.MSELoss()(yhat, y) computes the cost.")),
    (("AttributeError", "TypeError"), r"NoneType", r"\.grad\b",
     Meaning("p.grad is None",
             "a parameter's .grad is None: there is no gradient yet. loss.backward() must run first, on a cost "
             "computed from these very tensors (the params given as the argument, not the global w, and no new "
             "tensors made from their values).")),
    (("RuntimeError",), r"size of tensor a \(\d+\) must match the size of tensor b \(\d+\)", "",
     Meaning("shapes do not match",
             "two tensors of different sizes were combined. Keep one row per sample, shape (N, 1), for X, Y and "
             "predictions (a flat (N,) tensor against an (N, 1) one broadcasts to (N, N) or fails).")),
    (("RuntimeError",), r"mat1 and mat2 shapes cannot be multiplied", "",
     Meaning("input does not fit the layer",
             "the input does not fit the layer: nn.Linear(in_features, out_features) takes inputs with "
             "in_features columns, one row per sample.")),
    (("RuntimeError", "ValueError"), r"only one element tensors can be converted to Python scalars", "",
     Meaning(".item() on many values",
             ".item() and float() turn a one-element tensor into a number; this tensor holds many values. "
             "Reduce it first (torch.mean) or keep it a tensor.")),
    (("RuntimeError",), r"Can't call numpy\(\) on Tensor that requires grad", "",
     Meaning("numpy() on a tensor that requires grad",
             "a tensor that requires grad cannot become a NumPy array directly: use .detach().numpy().")),
    (("RuntimeError",), r"expected (scalar type|m1 and m2 to have the same dtype)|Found dtype \w+ but expected", "",
     Meaning("float64 mixed with float32",
             "float64 and float32 tensors were mixed: make them the same dtype (torch.float32, PyTorch's "
             "default; torch.tensor(..., dtype=torch.float32)).")),
    (("TypeError",), r"(takes \d+ positional arguments? but \d+ (was|were) given|missing \d+ required "
                     r"positional argument|got an unexpected keyword argument)", "",
     Meaning("arguments differ from the stub",
             "the function does not take the arguments the assignment calls it with: keep its name, its "
             "arguments and their order exactly as in the stub.")),
    (("RuntimeError",), r"Only Tensors of floating point and complex dtype can require gradients", "",
     Meaning("integer parameters",
             "a tensor made from whole numbers (torch.tensor(2, ...)) holds integers, and only floating-point "
             "tensors can require gradients: write the numbers with a decimal point, torch.tensor(2.0, "
             "requires_grad=True), or give dtype=torch.float32.")),
    (("RecursionError",), r"", "",
     Meaning("calls itself without end",
             "a function kept calling itself (forward calling forward, or a name reused for two things).")),
]


def meaning(error: StudentError) -> Meaning | None:
    """What ``error`` means in the course's terms, if it is one of the common causes."""
    for types, pattern, line_pattern, found in _MEANINGS:
        if _matches(error, types, pattern, line_pattern):
            return found
    return None
