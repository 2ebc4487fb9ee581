"""Probes of the `training_slope_bias` assignment (public: see ``autograder/probes/__init__.py``).

Each runs inside a copy of the student's process as ``probe(ns, **inputs)``
and returns what the student's code gave back, as data. The verdicts, the
inputs and the reference answers stay in ``autograder/checks/training_slope_bias_cells/``.
"""

import numpy as np
import torch

# Besides these, a probe's globals hold the rest of autograder.sandbox.scope.NAMES
# (describe_axes, SNAPSHOTS): the linter is told where a probe uses them.


def forward(ns, w, b, x, X):
    ns["w"] = torch.tensor(w, requires_grad=True)
    ns["b"] = torch.tensor(b, requires_grad=True)
    ns["X"] = X
    out = ns["forward"](x)
    grads = None
    if isinstance(out, torch.Tensor) and out.requires_grad:
        out.sum().backward()
        grads = {"w": ns["w"].grad, "b": ns["b"].grad}
    return {"out": out, "grads": grads}



def cost_surface(ns, w_values, b_values, X, Y, w0, b0, X_global, Y_global):
    ns["w"] = torch.tensor(w0, requires_grad=True)
    ns["b"] = torch.tensor(b0, requires_grad=True)
    ns["X"], ns["Y"] = X_global, Y_global
    Z = ns["cost_surface"](w_values, b_values, X, Y)
    kind = type(Z).__name__
    if isinstance(Z, (list, tuple)):
        rows_of_tensors = bool(Z) and all(isinstance(r, torch.Tensor) for r in Z)
        kind = "list of tensors" if rows_of_tensors else "list"
        try:
            Z = torch.stack([torch.as_tensor(r) for r in Z]) if rows_of_tensors else torch.tensor(Z, dtype=torch.float64)
        except Exception:  # noqa: BLE001 - report what came back instead
            pass
    return {"Z": Z, "kind": kind}



def train_model(ns, w0, b0, X, Y, epochs, lr):
    ns["w"] = torch.tensor(w0, requires_grad=True)
    ns["b"] = torch.tensor(b0, requires_grad=True)
    ns["X"], ns["Y"] = X, Y
    result = ns["train_model"](epochs, lr)
    w, b = ns.get("w"), ns.get("b")

    def number(v):
        if isinstance(v, torch.Tensor) and v.numel() == 1:
            return ("tensor", float(v.detach().reshape(())))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return (type(v).__name__, float(v))
        return (type(v).__name__, None)

    out = {"kind": type(result).__name__, "w": w.detach().clone() if isinstance(w, torch.Tensor) else None,
           "b": b.detach().clone() if isinstance(b, torch.Tensor) else None}
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        out["result"] = result
        return out
    losses, path = result
    out["losses"] = [number(v) for v in losses] if isinstance(losses, (list, tuple)) else None
    out["losses_repr"] = None if isinstance(losses, (list, tuple)) else losses
    points = None
    if isinstance(path, (list, tuple)) or (isinstance(path, torch.Tensor) and path.dim() == 2):
        points = []
        for point in path:
            if isinstance(point, torch.Tensor) and point.numel() == 2:
                point = [point.reshape(-1)[0], point.reshape(-1)[1]]
            if isinstance(point, (list, tuple)) and len(point) == 2:
                points.append([number(point[0]), number(point[1])])
            else:
                points.append(None)
    out["path"] = points
    out["path_repr"] = None if points is not None else path
    return out



def plot_contour(ns, w_values, b_values, Z, path):
    ax, returned = plotted_axes(ns["plot_contour"](w_values, b_values, Z, path))  # noqa: F821
    info = dict(describe_axes(ax), returned=returned) if ax is not None else {  # noqa: F821
        "is_axes": False, "type": returned, "returned": returned}
    if not info.get("is_axes"):
        return info
    contours = []
    for coll in ax.collections:
        if type(coll).__name__ not in ("QuadContourSet", "ContourSet", "TriContourSet"):
            continue
        levels = [float(v) for v in np.asarray(coll.levels, dtype=float).reshape(-1)]
        vertices = []
        for path_ in coll.get_paths():
            verts = np.asarray(path_.vertices, dtype=float)
            codes = path_.codes
            if codes is not None:
                verts = verts[np.asarray(codes) != 79]
            vertices.append(verts[:400].tolist())
        contours.append({"levels": levels, "filled": bool(getattr(coll, "filled", False)), "vertices": vertices})
    info["contours"] = contours
    return info
