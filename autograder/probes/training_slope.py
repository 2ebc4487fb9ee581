"""Probes of the `training_slope` assignment (public: see ``autograder/probes/__init__.py``).

Each runs inside a copy of the student's process as ``probe(ns, **inputs)``
and returns what the student's code gave back, as data. The verdicts, the
inputs and the reference answers stay in ``autograder/checks/training_slope.py``.
"""

import torch

# Besides these, a probe's globals hold the rest of autograder.sandbox.scope.NAMES
# (describe_axes, SNAPSHOTS): the linter is told where a probe uses them.


def forward(ns, w, x, X):
    ns["w"] = torch.tensor(w, requires_grad=True)
    ns["X"] = X
    out = ns["forward"](x)
    grad = None
    if isinstance(out, torch.Tensor) and out.requires_grad:
        out.sum().backward()
        grad = ns["w"].grad
    return {"out": out, "w_grad": grad}



def train_model(ns, w0, X, Y, n_iter, lr):
    ns["w"] = torch.tensor(w0, requires_grad=True)
    ns["X"], ns["Y"] = X, Y
    losses = ns["train_model"](n_iter, lr)
    w = ns.get("w")
    listed = isinstance(losses, (list, tuple))
    return {
        "losses": list(losses) if listed else losses,
        "is_float": [isinstance(v, float) for v in losses] if listed else None,
        "types": [type(v).__name__ for v in losses] if listed else None,
        "w": w.detach().clone() if isinstance(w, torch.Tensor) else w,
    }



def plot_loss(ns, losses):
    ax = ns["plot_loss"](losses)
    return describe_plot(ax)  # noqa: F821
