"""The gradient-descent step, checked the same way in both slope labs.

`backward_update(loss, params, lr)` and `zero_grad(params)` have the same
contract in `training_slope` (params = [w]) and `training_slope_bias`
(params = [w, b]); each lab's checks call these with the globals its notebook
trains and, for messages, what the lab calls its second parameter.
"""

import torch

from autograder.checking import as_float, as_tensor, close, describe, fail, rand
from autograder.probes import steps as probes


# ----------------------------------------------------------- backward_update


def update_case(nb, gen, trained: tuple[str, ...]):
    """Three parameters with a known loss, run through the student's
    ``backward_update``, while the notebook's ``trained`` globals hold decoys."""
    k = 3
    values = [float(v) for v in rand(gen, k, low=-4, high=4)]
    targets = [float(v) for v in rand(gen, k, low=-4, high=4)]
    coefs = [float(v) for v in rand(gen, k, low=0.5, high=3.0)]
    lr = float(rand(gen, 1, low=0.02, high=0.2))
    decoys = {name: float(rand(gen, 1)) for name in trained}
    got = nb.probe(probes.backward_update, what="backward_update(loss, params, lr)", cell="backward_update",
                   values=values, targets=targets, coefs=coefs, lr=lr, trained=decoys)
    grads = [2 * c * (v - t) for c, v, t in zip(coefs, values, targets)]
    return values, grads, lr, got


def judge_update_step(case, trained: tuple[str, ...], second: str = "") -> None:
    """Each parameter moved by ``-lr * its own gradient``, or the closest known mistake.
    ``second``: what the lab's second parameter is (``"b"``), for the messages."""
    values, grads, lr, got = case
    after = torch.tensor([as_float(v, "an updated parameter") for v in got["values"]], dtype=torch.float64)
    before, g = torch.tensor(values, dtype=torch.float64), torch.tensor(grads, dtype=torch.float64)
    want = before - lr * g
    if close(after, want):
        return
    if all(x is None for x in got["grads"]):
        fail("backward_update did not call loss.backward(), so no gradient was computed and "
             "nothing could be updated.")
    if close(after, before):
        if not got["same_objects"]:
            fail("backward_update put new tensors into params (params[i] = ...) instead of updating "
                 "the ones it was given: update each p in place through p.data.")
        if got["globals_changed"]:
            fail(f"backward_update changed the global {' and '.join(trained)} instead of the tensors in params.")
        fail("backward_update left the parameters unchanged: `p = p - lr * p.grad` only rebinds the "
             "loop variable; update p.data (or use `with torch.no_grad(): p -= lr * p.grad`).")
    if close(after, before + lr * g):
        fail("backward_update moved the parameters up the gradient: gradient descent subtracts, "
             "p - lr * p.grad.")
    if close(after, before - g):
        fail("backward_update ignored the learning rate: the step is lr * p.grad.")
    if close(after[:1], want[:1]) and close(after[1:], before[1:]):
        fail("backward_update updated only the first parameter (a `return` inside the loop?)"
             + (f": with [w, {second}] {second} would never move." if second else "."))
    if close(after, before - lr * g[0]):
        fail("backward_update used the first parameter's gradient for every parameter"
             + (f" (e.g. updated {second} with w's gradient)" if second else "")
             + "; each parameter must move by its own gradient p.grad.")
    fail(f"backward_update gave parameters {describe(after)}, expected {describe(want)} "
         f"(each p - lr * p.grad with lr = {lr:.3g}).")


def judge_update_keeps_leaves(case) -> None:
    """The tensors in params are the same leaf tensors afterwards, still requiring grad."""
    got = case[3]
    if not got["same_objects"]:
        fail("after backward_update, params no longer holds the tensors it was given: update them "
             "in place (p.data = ...) instead of replacing them.")
    if not all(got["leaf"]) or not all(got["requires_grad"]):
        fail("after backward_update a parameter is no longer a leaf tensor that requires grad: "
             "the update must not be recorded by autograd (use p.data or torch.no_grad()).")


# ---------------------------------------------------------------- zero_grad


def zero_case(nb, gen):
    """Three parameters with gradients, cleared by the student's ``zero_grad``, then a second backward()."""
    values = [float(v) for v in rand(gen, 3, low=0.5, high=3.0)]
    coefs = [float(v) for v in rand(gen, 3, low=0.5, high=2.0)]
    coefs2 = [float(v) for v in rand(gen, 3, low=0.5, high=2.0)]
    got = nb.probe(probes.zero_grad, what="zero_grad(params)", cell="zero_grad",
                   values=values, coefs=coefs, coefs2=coefs2)
    return values, coefs, coefs2, got


def judge_zero_stops_accumulating(case, second: str = "") -> None:
    """After zero_grad, the next backward() leaves only the new gradients."""
    values, coefs, coefs2, got = case
    fresh = torch.tensor([3 * c * v ** 2 for c, v in zip(coefs2, values)], dtype=torch.float64)
    old = torch.tensor([2 * c * v for c, v in zip(coefs, values)], dtype=torch.float64)
    got_second = torch.tensor([as_float(g, "a gradient") if g is not None else float("nan")
                               for g in got["second"]], dtype=torch.float64)
    if close(got_second, fresh):
        return
    if close(got_second[:1], fresh[:1]) and close(got_second[1:], fresh[1:] + old[1:]):
        fail("zero_grad cleared only the first parameter's gradient; the others"
             + (f" ({second} in training)" if second else "")
             + " kept accumulating: clear p.grad for every p in params.")
    if close(got_second, fresh + old):
        fail("after zero_grad the next backward() added to the old gradients: zero_grad must clear "
             "every p.grad (p.grad.zero_() or p.grad = None).")
    fail(f"after zero_grad and a new backward(), the gradients were {describe(got_second)}, expected "
         f"{describe(fresh)}.")


def judge_zero_clears_and_keeps(case) -> None:
    """Every gradient is cleared and no parameter changed."""
    values, _, _, got = case
    kept = torch.tensor([as_float(v, "a parameter") for v in got["values"]], dtype=torch.float64)
    if not close(kept, torch.tensor(values, dtype=torch.float64)):
        fail("zero_grad changed the parameters themselves (p.data.zero_()?); it must clear the "
             "gradients p.grad and leave the parameters alone.")
    left = [i for i, g in enumerate(got["cleared"]) if g is not None and bool((as_tensor(g, "p.grad") != 0).any())]
    if left:
        which = "the first" if left == [0] else f"{len(left)} of {len(values)}"
        guess = " (only the first was cleared?)" if left == list(range(1, len(values))) else ""
        fail(f"zero_grad left {which} parameters' gradients non-zero{guess}: clear p.grad for every "
             "parameter in params.")


# ---------------------------------------------------------------- converged


def fail_if_the_data_changed(got: dict, reference: dict, cell: str) -> None:
    """After a lab's training cell: say so when the student's code replaced or
    changed the data ``X`` and ``Y`` the provided cells made."""
    for name in ("X", "Y"):
        mine, theirs = got.get(name), reference.get(name)
        if not isinstance(mine, torch.Tensor) or not close(mine, theirs):
            fail(f"after {cell} the data {name} is not what the provided cells made ({describe(mine)}): "
                 "training must read X and Y, never replace or change them.")
