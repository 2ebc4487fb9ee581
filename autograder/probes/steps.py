"""Probes of the checks the slope labs share: the cost and the gradient-descent step.

Public: see ``autograder/probes/__init__.py``.

Each runs inside a copy of the student's process as ``probe(ns, **inputs)``
and returns what the student's code gave back, as data. The verdicts, the
inputs and the reference answers stay in ``autograder/checks/steps.py``.
"""

import torch


def criterion(ns, yhat, y, Y):
    ns["Y"] = Y
    yhat = yhat.clone().requires_grad_(True)
    loss = ns["criterion"](yhat, y)
    grad = None
    if isinstance(loss, torch.Tensor) and loss.requires_grad and loss.numel() == 1:
        loss.sum().backward()
        grad = yhat.grad
    return {"loss": loss, "grad": grad}


def backward_update(ns, values, targets, coefs, lr, trained):
    params = [torch.tensor(v, requires_grad=True) for v in values]
    originals = list(params)
    loss = sum(c * (p - t) ** 2 for c, p, t in zip(coefs, params, targets))
    for name, value in trained.items():
        ns[name] = torch.tensor(value, requires_grad=True)
    before = {name: ns[name] for name in trained}
    ns["backward_update"](loss, params, lr)
    after = {name: ns.get(name) for name in trained}
    return {
        "values": [p.detach().clone() for p in originals],
        "current": [p.detach().clone() if isinstance(p, torch.Tensor) else p for p in params],
        "grads": [None if p.grad is None else p.grad.detach().clone() for p in originals],
        "leaf": [p.is_leaf for p in originals],
        "requires_grad": [p.requires_grad for p in originals],
        "same_objects": len(params) == len(originals) and all(a is b for a, b in zip(params, originals)),
        "globals_changed": not all(after[name] is before[name] and isinstance(after[name], torch.Tensor)
                                   and float(after[name].detach()) == value for name, value in trained.items()),
    }



def zero_grad(ns, values, coefs, coefs2):
    params = [torch.tensor(v, requires_grad=True) for v in values]
    sum(c * p ** 2 for c, p in zip(coefs, params)).backward()
    ns["zero_grad"](params)
    cleared = [None if p.grad is None else p.grad.detach().clone() for p in params]
    kept = [p.detach().clone() for p in params]
    sum(c * p ** 3 for c, p in zip(coefs2, params)).backward()
    return {"cleared": cleared, "values": kept, "second": [None if p.grad is None else p.grad for p in params]}
