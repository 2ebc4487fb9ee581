"""Probes of the `prediction` assignment (public: see ``autograder/probes/__init__.py``).

Each runs inside a copy of the student's process as ``probe(ns, **inputs)``
and returns what the student's code gave back, as data. The verdicts, the
inputs and the reference answers stay in ``autograder/checks/prediction.py``.
"""

import torch
from torch import nn

# Besides these, a probe's globals hold the rest of autograder.sandbox.scope.NAMES
# (describe_axes, SNAPSHOTS): the linter is told where a probe uses them.


def params(ns):
    got = {}
    for name in ("w", "b"):
        if name not in ns:
            raise NameError(f"name {name!r} is not defined")
        value = ns[name]
        # The value as the params cell left it (later cells may experiment with w and b).
        kept = SNAPSHOTS.get("params", {}).get(name)  # noqa: F821
        if isinstance(value, torch.Tensor):
            shown = kept if isinstance(kept, torch.Tensor) else value.detach().clone()
            got[name] = {"tensor": True, "value": shown, "requires_grad": bool(value.requires_grad),
                         "leaf": bool(value.is_leaf), "floating": bool(value.is_floating_point())}
        else:
            got[name] = {"tensor": False, "value": value if isinstance(value, (int, float)) else type(value).__name__}
    return got



def forward(ns, w, b, x, x_one):
    ns["w"] = torch.tensor(w, requires_grad=True)
    ns["b"] = torch.tensor(b, requires_grad=True)
    out = ns["forward"](x)
    one = ns["forward"](x_one)
    grads = None
    if isinstance(out, torch.Tensor) and out.requires_grad:
        out.sum().backward()
        grads = [None if ns["w"].grad is None else ns["w"].grad.clone(),
                 None if ns["b"].grad is None else ns["b"].grad.clone()]
    return {"out": out, "one": one, "grads": grads}



def linear_model(ns, x):
    model = SNAPSHOTS.get("linear_model", {}).get("model")  # noqa: F821
    if model is None:
        if "model" not in ns:
            raise NameError("name 'model' is not defined")
        model = ns["model"]
    info = {"type": type(model).__name__, "is_class": isinstance(model, type), "is_linear": isinstance(model, nn.Linear)}
    if isinstance(model, nn.Linear):
        info.update(in_features=model.in_features, out_features=model.out_features,
                    weight=model.weight.detach().clone(), bias=None if model.bias is None else model.bias.detach().clone())
        if model.in_features == x.shape[1]:
            info["y"] = model(x)
    return info



def lr_structure(ns, in_size, out_size):
    if "LR" not in ns:
        raise NameError("name 'LR' is not defined")
    m = ns["LR"](in_size, out_size)
    info = {"is_module": isinstance(m, nn.Module), "type": type(m).__name__}
    linear = m.__dict__.get("_modules", {}).get("linear", m.__dict__.get("linear"))
    info["linear_type"] = type(linear).__name__
    info["linear_is_list"] = isinstance(linear, (list, tuple))
    info["hidden"] = [name for name, value in vars(m).items()
                      if isinstance(value, (list, tuple, dict))
                      and any(isinstance(v, nn.Module) for v in (value.values() if isinstance(value, dict) else value))]
    if isinstance(linear, nn.Linear):
        info.update(in_features=linear.in_features, out_features=linear.out_features)
    if isinstance(m, nn.Module):
        info["names"] = [name for name, _ in m.named_parameters()]
        info["keys"] = list(m.state_dict().keys())
    return info



def lr_forward(ns, in_size, out_size, pool):
    if "LR" not in ns:
        raise NameError("name 'LR' is not defined")
    m = ns["LR"](in_size, out_size)
    layer = None
    candidates = list(vars(m).values())
    candidates += list(vars(m).get("_modules", {}).values())
    for value in candidates:
        if isinstance(value, nn.Linear):
            layer = value
            break
        if isinstance(value, (list, tuple)):
            found = [v for v in value if isinstance(v, nn.Linear)]
            if found:
                layer = found[0]
                break
    if layer is None:
        return {"layer": False}
    x = pool[:, : layer.in_features]
    y = m(x)
    return {"layer": True, "x": x, "y": y, "weight": layer.weight.detach().clone(),
            "bias": None if layer.bias is None else layer.bias.detach().clone()}



def set_parameters(ns, in_size, out_size, weight, bias, x):
    m = ns["LR"](in_size, out_size)
    before = {"weight": m.linear.weight.detach().clone(), "bias": m.linear.bias.detach().clone()}
    try:
        back = ns["set_parameters"](m, weight, bias)
    except Exception as exc:  # noqa: BLE001 - reported as data, judged by the check
        if type(exc).__name__ == "NotImplementedError":
            raise
        return {"error": f"{type(exc).__name__}: {exc}"}
    lin = m.linear
    params = dict(m.named_parameters())
    y = None
    if isinstance(lin.weight, torch.Tensor) and isinstance(lin.bias, torch.Tensor):
        y = m(x)
        if y.requires_grad:
            y.sum().backward()
    return {
        "error": None,
        "same": back is m,
        "back": None if back is None else type(back).__name__,
        "before_w": before["weight"], "before_b": before["bias"],
        "weight": lin.weight.detach().clone() if isinstance(lin.weight, torch.Tensor) else None,
        "bias": lin.bias.detach().clone() if isinstance(lin.bias, torch.Tensor) else None,
        "are_parameters": isinstance(lin.weight, nn.Parameter) and isinstance(lin.bias, nn.Parameter),
        "registered": params.get("linear.weight") is lin.weight and params.get("linear.bias") is lin.bias,
        "requires_grad": bool(getattr(lin.weight, "requires_grad", False) and getattr(lin.bias, "requires_grad", False)),
        "grad_reached": lin.weight.grad is not None and lin.bias.grad is not None,
        "y": y,
    }



def set_numbers(ns, weight, bias, x):
    m = ns["LR"](1, 1)
    before = [float(m.linear.weight), float(m.linear.bias)]
    try:
        back = ns["set_parameters"](m, weight, bias)
    except Exception as exc:  # noqa: BLE001
        if type(exc).__name__ == "NotImplementedError":
            raise
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"error": None, "weight": m.linear.weight.detach().clone(), "bias": m.linear.bias.detach().clone(),
            "y": m(x).detach(), "same": back is m, "before": before}
