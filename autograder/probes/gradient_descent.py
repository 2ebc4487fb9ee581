"""Probes of the `gradient_descent` assignment (public: see ``autograder/probes/__init__.py``).

Each runs inside a copy of the student's process as ``probe(ns, **inputs)``
and returns what the student's code gave back, as data. The verdicts, the
inputs and the reference answers stay in ``autograder/checks/gradient_descent_cells/``.
"""

import torch


def make_data(ns, calls):
    results = []
    for w, b, n, noise_std, seed, global_seed in calls:
        torch.manual_seed(global_seed)
        result = ns["make_data"](w, b, n, noise_std, seed)
        if isinstance(result, (tuple, list)) and len(result) == 2:
            shapes = [list(v.shape) if isinstance(v, torch.Tensor) else None for v in result]
            small = [v if not isinstance(v, torch.Tensor) or v.numel() <= 4 * n else None for v in result]
            results.append({"pair": True, "X": small[0], "Y": small[1], "shapes": shapes})
        else:
            results.append({"pair": False, "value": result})
    return results



def pointwise(ns, name, samples, grid, x, y):
    f = ns[name]
    values = [f(w, xs, ys) for w, xs, ys in samples]
    try:
        grid_out, grid_error = f(grid, x, y), None
    except Exception as exc:  # noqa: BLE001 - reported as data, judged by the check
        if type(exc).__name__ == "NotImplementedError":
            raise
        grid_out, grid_error = None, f"{type(exc).__name__}: {exc}"
    return {"values": values, "grid": grid_out, "grid_error": grid_error}



def gradient_descent(ns, runs):
    out = []
    for w0, x, y, lr, n_iter in runs:
        path = ns["gradient_descent"](w0, x, y, lr, n_iter)
        listed = isinstance(path, (list, tuple))
        out.append({"path": list(path) if listed else path, "listed": listed, "tuple": isinstance(path, tuple),
                    "types": ["float" if isinstance(v, float) else type(v).__name__ for v in path] if listed else None})
    return out



def cost(ns, name, w, b, X, Y):
    value = ns[name](w, b, X, Y)
    wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    again = ns[name](wt, bt, X, Y)
    grads = None
    if isinstance(again, torch.Tensor) and again.requires_grad and again.numel() == 1:
        again.sum().backward()
        grads = [wt.grad, bt.grad]
    return {"value": value, "again": again, "grads": grads}



def cost_gradient(ns, w, b, X, Y):
    return ns["cost_gradient"](w, b, X, Y)



def batch(ns, runs):
    out = []
    for w0, b0, X, Y, lr, n_iter, tol in runs:
        if tol is None:
            result = ns["batch_gradient_descent"](w0, b0, X, Y, lr, n_iter)
        else:
            result = ns["batch_gradient_descent"](w0, b0, X, Y, lr, n_iter, tol=tol)
        info = {"result": result}
        if isinstance(result, (tuple, list)) and len(result) == 3 and isinstance(result[2], (list, tuple)):
            info["types"] = ["float" if isinstance(c, float) else type(c).__name__ for c in result[2]]
        out.append(info)
    return out


def descend(ns, runs):
    out = []
    for w0, x, y, lr, max_iter, tol, grad_tol in runs:
        options = {k: v for k, v in (("tol", tol), ("grad_tol", grad_tol)) if v is not None}
        out.append({"result": ns["descend"](w0, x, y, lr, max_iter, **options)})
    return out


def lr_sweep(ns, runs):
    out = []
    for w0, x, y, lrs, n_iter in runs:
        finals, best = ns["lr_sweep"](w0, x, y, lrs, n_iter)
        # JSON keys are text: the dict goes back as its (key, value) pairs, in its order.
        pairs = [[k, v] for k, v in finals.items()] if isinstance(finals, dict) else None
        out.append({"pairs": pairs, "finals": None if isinstance(finals, dict) else finals, "best": best})
    return out
