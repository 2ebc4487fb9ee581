"""What SPEC §2 says each answer cell does, as observations on its whole domain.

One :class:`~tests.mutation.oracle.Behaviour` per answer cell of every
assignment. An observation holds exactly what SPEC fixes and nothing it
leaves open: the value and shape of a prediction and the gradient that must
reach the parameters, but not how a label is worded; that ``zero_grad`` leaves
no gradient behind, but not whether it zeroed it or set it to ``None``; that a
split is shuffled, reproducible, disjoint and paired, but not which permutation
a seed gives.
"""

from __future__ import annotations

import math

import matplotlib
import torch
from hypothesis import strategies as st

from tests.mutation.oracle import Behaviour, column, matrix, number, observed, same_rows

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _leaf(value: float) -> torch.Tensor:
    return torch.tensor(float(value), requires_grad=True)


def _grad(tensor):
    return None if tensor.grad is None else tensor.grad.detach().double().clone()


def _decoy(rows: int) -> torch.Tensor:
    """A global X or Y the function must not read (another size, other values)."""
    return torch.linspace(7.0, 9.0, rows + 3).view(-1, 1)


def _axes_summary(ax) -> dict:
    import matplotlib.axes

    if not isinstance(ax, matplotlib.axes.Axes):
        return {"axes": False, "type": type(ax).__name__}
    lines = [(tuple(float(v) for v in line.get_xdata()), tuple(float(v) for v in line.get_ydata()))
             for line in ax.get_lines()]
    contours = sum(1 for c in ax.collections if type(c).__name__ in ("QuadContourSet", "ContourSet")) \
        + sum(1 for c in getattr(ax, "containers", []) if type(c).__name__ == "ContourSet")
    return {"axes": True, "lines": lines, "xlabel": bool(ax.get_xlabel().strip()),
            "ylabel": bool(ax.get_ylabel().strip()), "contours": contours}


def _close_figures():
    plt.close("all")


# ================================================================ prediction


def _params(ns, case):
    exec(compile(case["_source"], "<params>", "exec"), ns)
    out = []
    for name in ("w", "b"):
        value = ns.get(name)
        if not isinstance(value, torch.Tensor):
            out.append(("not a tensor", observed(value)))
            continue
        out.append((float(value.detach().reshape(-1)[0]) if value.numel() else None, value.numel(),
                    bool(value.requires_grad), bool(value.is_floating_point()), bool(value.is_leaf)))
    return out


def _forward_wb(ns, case):
    ns["w"], ns["b"] = _leaf(case["w"]), _leaf(case["b"])
    ns["X"] = _decoy(case["x"].shape[0])
    out = ns["forward"](case["x"])
    grads = None
    if isinstance(out, torch.Tensor) and out.requires_grad:
        out.sum().backward()
        grads = (_grad(ns["w"]), _grad(ns["b"]))
    return observed(out), grads


def _linear_model(ns, case):
    exec(compile(case["_source"], "<linear_model>", "exec"), ns)
    model = ns.get("model")
    if not isinstance(model, torch.nn.Linear):
        return ("not a layer", type(model).__name__)
    return (model.in_features, model.out_features, observed(model.weight),
            None if model.bias is None else observed(model.bias))


def _lr(ns, case):
    model = ns["LR"](case["inp"], case["out"])
    layer = getattr(model, "linear", None)
    if not isinstance(model, torch.nn.Module) or not isinstance(layer, torch.nn.Linear):
        return ("no linear layer", type(model).__name__, type(layer).__name__)
    with torch.no_grad():
        layer.weight.copy_(case["weight"])
        layer.bias.copy_(case["bias"])
    return (layer.in_features, layer.out_features, observed(model(case["x"])), sorted(model.state_dict()),
            sum(p.numel() for p in model.parameters()))


def _set_parameters(ns, case):
    model = ns["LR"](case["inp"], case["out"])
    weight, bias = case["weight"], case["bias"]
    back = ns["set_parameters"](model, weight, bias)
    layer = model.linear
    return (back is model, observed(layer.weight), observed(layer.bias), isinstance(layer.weight, torch.nn.Parameter),
            bool(layer.weight.requires_grad))


def _lr_case():
    sizes = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 6))
    return sizes.flatmap(lambda s: st.fixed_dictionaries({
        "inp": st.just(s[0]), "out": st.just(s[1]), "weight": matrix(s[1], s[0]), "bias": matrix(1, s[1]).map(lambda t: t.view(-1)),
        "x": matrix(s[2], s[0])}))


def _set_parameters_case():
    def given(s):
        inp, out = s
        shaped = st.fixed_dictionaries({"inp": st.just(inp), "out": st.just(out), "weight": matrix(out, inp),
                                        "bias": matrix(1, out).map(lambda t: t.view(-1))})
        flat = st.fixed_dictionaries({"inp": st.just(inp), "out": st.just(out),
                                      "weight": matrix(out, inp).map(lambda t: t.reshape(-1)),
                                      "bias": matrix(1, out).map(lambda t: t.reshape(-1))})
        numbers = st.fixed_dictionaries({"inp": st.just(1), "out": st.just(1), "weight": number(), "bias": number()})
        return st.one_of(shaped, flat, numbers) if (inp, out) == (1, 1) else st.one_of(shaped, flat)
    return st.tuples(st.integers(1, 4), st.integers(1, 3)).flatmap(given)


PREDICTION = {
    "params": Behaviour("params", st.just({}), _params, run_cell=True, examples=1),
    "forward": Behaviour("forward", st.fixed_dictionaries({"w": number(), "b": number(), "x": column()}), _forward_wb),
    "linear_model": Behaviour("linear_model", st.just({}), _linear_model, run_cell=True, examples=1),
    "LR": Behaviour("LR", _lr_case(), _lr),
    "set_parameters": Behaviour("set_parameters", _set_parameters_case(), _set_parameters),
}

# ========================================================== gradient_descent


def _make_data(ns, case):
    f = ns["make_data"]
    w, b, n, noise_std, seed = case["w"], case["b"], case["n"], case["noise_std"], case["seed"]
    torch.manual_seed(0)
    X, Y = f(w, b, n, noise_std, seed)
    torch.manual_seed(99)
    X2, Y2 = f(w, b, n, noise_std, seed)
    big_X, big_Y = f(w, b, 4000, noise_std, seed)
    other_X, other_Y = f(w, b, 4000, noise_std, seed + 1)
    residual = (big_Y - (w * big_X + b)).double().reshape(-1)
    summary = {
        "X": observed(X), "Y shape": tuple(Y.shape), "reproducible": bool(torch.equal(Y, Y2)),
        "seeds differ": bool(not torch.equal(big_Y, other_Y)) if noise_std > 0 else True,
        "noise mean ~ 0": bool(abs(float(residual.mean())) <= 0.1 * noise_std + 1e-5),
        "noise std ~ noise_std": bool(abs(float(residual.std()) - noise_std) <= 0.08 * noise_std + 1e-5),
        "noise differs per sample": bool(residual.std() > 0) if noise_std > 0 else True,
        "noise independent of x": bool(abs(float(torch.corrcoef(torch.stack([residual, big_X.double().reshape(-1)]))[0, 1]))
                                       < 0.1) if noise_std > 0 else True,
    }
    return summary


def _pointwise(name):
    def observe(ns, case):
        f = ns[name]
        scalars = [observed(f(w, x, y)) for w, x, y in case["samples"]]
        grid = case["grid"]
        return scalars, observed(f(grid, case["x"], case["y"]))
    return observe


_POINTWISE = st.fixed_dictionaries({
    "samples": st.lists(st.tuples(number(), number(), number()), min_size=1, max_size=5),
    "grid": st.integers(1, 8).flatmap(lambda n: st.lists(number(), min_size=n, max_size=n)).map(torch.tensor),
    "x": number(), "y": number()})


def _gradient_descent(ns, case):
    path = ns["gradient_descent"](case["w0"], case["x"], case["y"], case["lr"], case["n_iter"])
    return observed(path)


def _gd_case():
    def run(x):
        return st.fixed_dictionaries({"w0": st.one_of(number(), st.integers(-5, 5)), "x": st.just(x), "y": number(),
                                      "lr": st.floats(0.001, 1.2).map(lambda c: c / x ** 2),
                                      "n_iter": st.integers(0, 25)})
    return st.one_of(number(0.3, 3.0), number(-3.0, -0.3)).flatmap(run)


def _cost(name):
    def observe(ns, case):
        X, Y = case["XY"]
        f = ns[name]
        plain = observed(f(case["w"], case["b"], X, Y))
        w, b = _leaf(case["w"]), _leaf(case["b"])
        value = f(w, b, X, Y)
        grads = None
        if isinstance(value, torch.Tensor) and value.requires_grad:
            value.sum().backward()
            grads = (_grad(w), _grad(b))
        return plain, observed(value), grads
    return observe


_COST = st.fixed_dictionaries({"w": number(), "b": number(), "XY": same_rows()})


def _cost_gradient(ns, case):
    X, Y = case["XY"]
    return observed(ns["cost_gradient"](case["w"], case["b"], X, Y))


def _batch(ns, case):
    X, Y = case["XY"]
    args = (case["w0"], case["b0"], X, Y, case["lr"], case["n_iter"])
    result = ns["batch_gradient_descent"](*args) if case["tol"] is None else \
        ns["batch_gradient_descent"](*args, tol=case["tol"])
    return observed(result)


def _batch_case():
    def with_rate(xy):
        X = xy[0]
        curvature = 2 * float((X ** 2).mean()) + 2
        return st.fixed_dictionaries({
            "XY": st.just(xy), "w0": st.one_of(number(), st.integers(-5, 5)), "b0": st.one_of(number(), st.integers(-5, 5)),
            "n_iter": st.integers(0, 20),
            "lr": st.floats(0.01, 0.9).map(lambda c: c / curvature),
            "tol": st.one_of(st.none(), st.floats(1e-4, 2.0))})
    return same_rows(st.integers(2, 15), low=-3.0, high=4.0).flatmap(with_rate)


def _descend(ns, case):
    options = {k: case[k] for k in ("tol", "grad_tol") if case[k] is not None}
    return observed(ns["descend"](case["w0"], case["x"], case["y"], case["lr"], case["max_iter"], **options))


def _descend_case():
    def run(x):
        return st.fixed_dictionaries({"w0": st.one_of(number(), st.integers(-5, 5)), "x": st.just(x), "y": number(),
                                      "lr": st.floats(0.001, 1.5).map(lambda c: c / x ** 2),
                                      "max_iter": st.integers(0, 25),
                                      "tol": st.one_of(st.none(), st.floats(1e-6, 5.0)),
                                      "grad_tol": st.one_of(st.none(), st.floats(1e-4, 5.0))})
    return st.one_of(number(0.3, 3.0), number(-3.0, -0.3)).flatmap(run)


def _lr_sweep(ns, case):
    finals, best = ns["lr_sweep"](case["w0"], case["x"], case["y"], case["lrs"], case["n_iter"])
    # SPEC fixes each rate's entry, not the dict's order
    pairs = sorted(finals.items()) if isinstance(finals, dict) else finals
    return observed((pairs, best))


def _lr_sweep_case():
    def run(x):
        return st.fixed_dictionaries({"w0": st.one_of(number(), st.integers(-5, 5)), "x": st.just(x), "y": number(),
                                      "lrs": st.lists(st.floats(0.001, 3.0).map(lambda c: c / x ** 2), min_size=1,
                                                      max_size=5, unique=True),
                                      "n_iter": st.integers(0, 300)})
    return st.one_of(number(0.3, 3.0), number(-3.0, -0.3)).flatmap(run)


GRADIENT_DESCENT = {
    "make_data": Behaviour("make_data", st.fixed_dictionaries({
        "w": number(), "b": number(), "n": st.integers(1, 40), "noise_std": st.one_of(st.just(0.0), number(0.05, 3.0)),
        "seed": st.integers(0, 10 ** 6)}), _make_data, examples=25),
    "loss": Behaviour("loss", _POINTWISE, _pointwise("loss")),
    "dloss_dw": Behaviour("dloss_dw", _POINTWISE, _pointwise("dloss_dw")),
    "gradient_descent": Behaviour("gradient_descent", _gd_case(), _gradient_descent),
    "cost": Behaviour("cost", _COST, _cost("cost")),
    "total_cost": Behaviour("total_cost", _COST, _cost("total_cost")),
    "cost_gradient": Behaviour("cost_gradient", _COST, _cost_gradient),
    "batch_gradient_descent": Behaviour("batch_gradient_descent", _batch_case(), _batch),
    "descend": Behaviour("descend", _descend_case(), _descend),
    "lr_sweep": Behaviour("lr_sweep", _lr_sweep_case(), _lr_sweep),
}

# ============================================================ training_slope


def _forward_w(ns, case):
    ns["w"] = _leaf(case["w"])
    ns["X"] = _decoy(case["x"].shape[0])
    out = ns["forward"](case["x"])
    grad = None
    if isinstance(out, torch.Tensor) and out.requires_grad:
        out.sum().backward()
        grad = _grad(ns["w"])
    return observed(out), grad


def _criterion(ns, case):
    yhat, y = case["pair"]
    ns["Y"] = _decoy(y.shape[0])
    yhat = yhat.clone().requires_grad_(True)
    loss = ns["criterion"](yhat, y)
    grad = None
    if isinstance(loss, torch.Tensor) and loss.requires_grad and loss.numel() == 1:
        loss.sum().backward()
        grad = _grad(yhat)
    return observed(loss), grad


def _params_case():
    shapes = st.lists(st.sampled_from([(), (1,), (3,)]), min_size=1, max_size=3)
    return shapes.flatmap(lambda shapes: st.fixed_dictionaries({
        "values": st.tuples(*[st.lists(number(), min_size=max(1, math.prod(s)), max_size=max(1, math.prod(s)))
                              .map(lambda v, s=s: torch.tensor(v).reshape(s)) for s in shapes]),
        "targets": st.tuples(*[st.lists(number(), min_size=max(1, math.prod(s)), max_size=max(1, math.prod(s)))
                               .map(lambda v, s=s: torch.tensor(v).reshape(s)) for s in shapes]),
        "coefs": st.lists(number(0.2, 3.0), min_size=len(shapes), max_size=len(shapes)),
        "lr": number(0.001, 0.5), "decoys": st.tuples(number(), number())}))


def _backward_update(ns, case):
    params = [v.clone().requires_grad_(True) for v in case["values"]]
    originals = list(params)
    ns["w"], ns["b"] = _leaf(case["decoys"][0]), _leaf(case["decoys"][1])
    decoys = (ns["w"], ns["b"])
    loss = sum(c * ((p - t) ** 2).sum() for c, p, t in zip(case["coefs"], params, case["targets"]))
    ns["backward_update"](loss, params, case["lr"])
    return ([observed(p) for p in originals], [p.is_leaf and p.requires_grad for p in originals],
            all(a is b for a, b in zip(params, originals)) and len(params) == len(originals),
            [float(d.detach()) for d in decoys], [ns["w"] is decoys[0], ns["b"] is decoys[1]])


def _zero_grad(ns, case):
    params = [v.clone().requires_grad_(True) for v in case["values"]]
    sum(c * (p ** 2).sum() for c, p in zip(case["coefs"], params)).backward()
    ns["zero_grad"](params)
    cleared = [p.grad is None or bool((p.grad == 0).all()) for p in params]
    kept = [observed(p) for p in params]
    sum(c * (p ** 3).sum() for c, p in zip(case["coefs"], params)).backward()
    return cleared, kept, [_grad(p) for p in params]


def _train_slope(ns, case):
    ns["w"] = _leaf(case["w0"])
    ns["X"], ns["Y"] = case["XY"]
    start = ns["w"]
    losses = ns["train_model"](case["n_iter"], case["lr"])
    w = ns.get("w")
    return observed(losses), observed(w), w is start, isinstance(w, torch.Tensor) and w.is_leaf and w.requires_grad


def _train_case(extra=None):
    fields = {"w0": number(-8, 8), "XY": same_rows(st.integers(2, 20), low=-3, high=3),
              "n_iter": st.integers(0, 10), "lr": number(0.001, 0.08)}
    fields.update(extra or {})
    return st.fixed_dictionaries(fields)


def _plot_loss(ns, case):
    try:
        return _axes_summary(ns["plot_loss"](list(case["losses"]))), tuple(case["losses"])
    finally:
        _close_figures()


def _plot_loss_verdict(ns, case):
    """SPEC: the cost per iteration plotted (as y, against the iteration), both axes labelled."""
    summary, losses = _plot_loss(ns, case)
    if not summary["axes"]:
        return summary
    plotted = any(len(ys) == len(losses) and all(abs(a - b) < 1e-6 for a, b in zip(ys, losses))
                  and all(abs((xs[i + 1] - xs[i]) - 1) < 1e-9 for i in range(len(xs) - 1))
                  for xs, ys in summary["lines"])
    return {"axes": True, "plotted": plotted, "xlabel": summary["xlabel"], "ylabel": summary["ylabel"]}


STEPS = {
    "backward_update": Behaviour("backward_update", _params_case(), _backward_update),
    "zero_grad": Behaviour("zero_grad", _params_case(), _zero_grad),
}

TRAINING_SLOPE = {
    "forward": Behaviour("forward", st.fixed_dictionaries({"w": number(), "x": column()}), _forward_w),
    "criterion": Behaviour("criterion", st.fixed_dictionaries({"pair": same_rows(st.integers(1, 12))}), _criterion),
    **STEPS,
    "train_model": Behaviour("train_model", _train_case(), _train_slope),
    "plot_loss": Behaviour("plot_loss", st.fixed_dictionaries({"losses": st.lists(number(0.0, 50.0), min_size=1, max_size=15)}),
                           _plot_loss_verdict, examples=20),
}

# ======================================================= training_slope_bias


def _cost_surface(ns, case):
    X, Y = case["XY"]
    return observed(ns["cost_surface"](case["w_values"], case["b_values"], X, Y))


def _grid(max_size=6):
    return st.integers(1, max_size).flatmap(lambda n: st.lists(number(), min_size=n, max_size=n)).map(torch.tensor)


def _train_slope_bias(ns, case):
    ns["w"], ns["b"] = _leaf(case["w0"]), _leaf(case["b0"])
    ns["X"], ns["Y"] = case["XY"]
    result = ns["train_model"](case["n_iter"], case["lr"])
    w, b = ns.get("w"), ns.get("b")
    return observed(result), observed(w), observed(b)


def _plot_contour(ns, case):
    try:
        path = case["path"]
        summary = _axes_summary(ns["plot_contour"](case["w_values"], case["b_values"], case["Z"], path))
    finally:
        _close_figures()
    if not summary["axes"]:
        return summary
    ws, bs = tuple(float(p[0]) for p in path), tuple(float(p[1]) for p in path)
    drawn = any(xs == ws and ys == bs for xs, ys in summary["lines"])
    return {"axes": True, "contours": summary["contours"] > 0, "path drawn": drawn}


def _contour_case():
    def sized(s):
        m, k, steps = s
        return st.fixed_dictionaries({
            "w_values": st.just(torch.linspace(-3, 3, m)), "b_values": st.just(torch.linspace(-2, 4, k)),
            "Z": matrix(k, m, 0.0, 30.0),
            "path": st.lists(st.tuples(number(), number()), min_size=steps, max_size=steps)})
    return st.tuples(st.integers(3, 7), st.integers(3, 8), st.integers(1, 6)).flatmap(sized)


TRAINING_SLOPE_BIAS = {
    "forward": Behaviour("forward", st.fixed_dictionaries({"w": number(), "b": number(), "x": column()}), _forward_wb),
    "criterion": TRAINING_SLOPE["criterion"],
    "cost_surface": Behaviour("cost_surface", st.fixed_dictionaries({
        "w_values": _grid(), "b_values": _grid(), "XY": same_rows(st.integers(1, 10))}), _cost_surface),
    **STEPS,
    "train_model": Behaviour("train_model", _train_case({"b0": number(-8, 8)}), _train_slope_bias),
    "plot_contour": Behaviour("plot_contour", _contour_case(), _plot_contour, examples=15),
}

# ============================================================ best_practices


def _standardize(ns, case):
    X = case["X"]
    if case["given"]:
        mean, std = case["mean"], case["std"]
        X_std, m, s = ns["standardize"](X, mean, std)
        return observed(X_std), observed(m), observed(s)
    X_std, m, s = ns["standardize"](X)
    n = X.shape[0]
    sample, population = X.std(dim=0), X.std(dim=0, unbiased=False)
    std_ok = isinstance(s, torch.Tensor) and s.shape == sample.shape and (
        bool(torch.allclose(s, sample, rtol=1e-4, atol=1e-5)) or bool(torch.allclose(s, population, rtol=1e-4, atol=1e-5)))
    uses_them = isinstance(X_std, torch.Tensor) and isinstance(m, torch.Tensor) and isinstance(s, torch.Tensor) and \
        bool(torch.allclose(X_std, (X - m) / s, rtol=1e-4, atol=1e-5))
    return observed(m), std_ok, uses_them, n


def _standardize_case():
    def sized(s):
        n, d = s
        return st.fixed_dictionaries({
            "X": matrix(n, d, -5, 5).filter(lambda t: bool((t.std(dim=0) > 0.05).all())),
            "given": st.booleans(), "mean": matrix(1, d).map(lambda t: t.view(-1)),
            "std": matrix(1, d, 0.5, 3.0).map(lambda t: t.view(-1))})
    return st.tuples(st.integers(3, 12), st.integers(1, 3)).flatmap(sized)


def _split(ns, case):
    n = case["n"]
    X = torch.arange(n, dtype=torch.float32).view(-1, 1) * 10 + 0.5
    Y = -torch.arange(n, dtype=torch.float32).view(-1, 1)
    f = ns["train_val_split"]
    first = f(X, Y, case["fraction"], case["seed"])
    again = f(X, Y, case["fraction"], case["seed"])
    Xt, Yt, Xv, Yv = first
    rows_t = [int(v) for v in ((Xt.view(-1) - 0.5) / 10).round()]
    rows_v = [int(v) for v in ((Xv.view(-1) - 0.5) / 10).round()]
    paired = [int(-v) for v in Yt.view(-1)] == rows_t and [int(-v) for v in Yv.view(-1)] == rows_v
    shuffled = any(
        [int(v) for v in ((f(X, Y, case["fraction"], seed)[0].view(-1) - 0.5) / 10).round()] != sorted(rows_t)
        for seed in range(case["seed"], case["seed"] + 4)) if n > 3 and len(rows_t) > 1 else True
    return {"sizes": (len(rows_t), len(rows_v)), "disjoint and whole": sorted(rows_t + rows_v) == list(range(n)),
            "paired": paired, "reproducible": all(torch.equal(a, b) for a, b in zip(first, again)),
            "shuffled": shuffled, "shapes": [tuple(t.shape[1:]) for t in first]}


def _early_stopping(ns, case):
    stopper = ns["EarlyStopping"](case["patience"], case["min_delta"]) if case["min_delta"] is not None \
        else ns["EarlyStopping"](case["patience"])
    model = torch.nn.Linear(1, 1)
    steps = []
    for i, loss in enumerate(case["losses"]):
        with torch.no_grad():
            model.weight.fill_(float(i))
            model.bias.fill_(-float(i))
        stop = stopper.step(loss, model)
        with torch.no_grad():  # training goes on: the snapshot must not follow it
            model.weight.fill_(100.0 + i)
        state = getattr(stopper, "best_state", None)
        steps.append((bool(stop), getattr(stopper, "counter", None), getattr(stopper, "best_loss", None),
                      None if state is None else {k: observed(v) for k, v in dict(state).items()}))
    return steps


def _early_case():
    return st.fixed_dictionaries({
        "patience": st.integers(1, 4), "min_delta": st.one_of(st.none(), st.just(0.0), number(0.01, 0.5)),
        # a diverging epoch gives an infinite loss: SPEC's rules hold for it too
        "losses": st.lists(st.one_of(number(0.0, 3.0).map(lambda v: round(v, 2)), st.just(math.inf)),
                           min_size=1, max_size=10)})


def _model(weight, bias):
    model = torch.nn.Linear(weight.shape[1], 1)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    return model


def _train_step(ns, case):
    X, Y = case["XY"]
    model = _model(case["weight"], case["bias"])
    optimizer = torch.optim.SGD(model.parameters(), lr=case["lr"])
    model(X).sum().backward()  # a gradient left over from before: train_step must clear it
    loss_fn = torch.nn.MSELoss()
    if case["max_norm"] is None:
        value = ns["train_step"](model, optimizer, loss_fn, X, Y)
    else:
        value = ns["train_step"](model, optimizer, loss_fn, X, Y, max_norm=case["max_norm"])
    return observed(value), observed(model.weight), observed(model.bias)


def _model_case(fields):
    def sized(s):
        n, d = s
        return st.fixed_dictionaries({"XY": same_rows(st.just(n), d), "weight": matrix(1, d),
                                       "bias": matrix(1, 1).map(lambda t: t.view(-1)), **fields(n, d)})
    return st.tuples(st.integers(2, 12), st.integers(1, 3)).flatmap(sized)


class _Recorder:
    def __init__(self):
        self.calls = []

    def add_scalar(self, tag, value, step=None, *args, **kwargs):
        self.calls.append((tag, float(value), step))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.calls.append((name,))


def _fit(ns, case):
    X, Y = case["XY"]
    n = X.shape[0]
    cut = max(1, n // 3)
    model = _model(case["weight"], case["bias"])
    writer = _Recorder() if case["writer"] else None
    options = {k: case[k] for k in ("max_norm", "step_size") if case[k] is not None}
    if case["gamma"] is not None:
        options["gamma"] = case["gamma"]
    history = ns["fit"](model, X[cut:], Y[cut:], X[:cut], Y[:cut], case["lr"], case["epochs"], case["patience"],
                        writer=writer, **options)
    return _numbers(observed(history)), observed(model.weight), observed(model.bias), \
        None if writer is None else writer.calls


def _numbers(observation):
    """SPEC names the history's lists, not their elements' type: a one-element tensor is its number."""
    if isinstance(observation, tuple) and observation[:1] == ("tensor",) and observation[1].numel() == 1:
        return float(observation[1])
    if isinstance(observation, tuple) and len(observation) == 2 and isinstance(observation[1], (list, dict)):
        inner = observation[1]
        return (observation[0], [_numbers(v) for v in inner] if isinstance(inner, list)
                else {k: _numbers(v) for k, v in inner.items()})
    return observation


def _fit_fields(n, d):
    return {"lr": number(0.01, 0.3), "epochs": st.integers(1, 12), "patience": st.integers(1, 4),
            "max_norm": st.one_of(st.none(), number(0.1, 2.0)), "step_size": st.one_of(st.none(), st.integers(1, 4)),
            "gamma": st.one_of(st.none(), number(0.1, 0.9)), "writer": st.booleans()}


def _scalar(value: float):
    """A number as SPEC lets it come: a float, or a one-element tensor of shape (), (1,) or (1, 1)."""
    return st.sampled_from([lambda v: v, lambda v: torch.tensor(v), lambda v: torch.tensor([v]),
                            lambda v: torch.tensor([[v]])]).map(lambda make: make(value))


def _to_original_units(ns, case):
    return observed(ns["to_original_units"](*case["args"]))


_UNITS = st.tuples(number(), number(), number(), number(0.1, 20.0), number(), number(0.1, 20.0)).flatmap(
    lambda values: st.fixed_dictionaries({"args": st.tuples(*(_scalar(v) for v in values))}))


def _loss_trend(ns, case):
    options = {k: case[k] for k in ("window", "rel_tol") if case[k] is not None}
    try:
        return observed(ns["loss_trend"](case["losses"], **options))
    except ValueError:
        return "ValueError"


def _near(level: float):
    """Losses within a few tenths of a percent of ``level``: plateaus and small falls."""
    return st.lists(st.floats(-0.004, 0.004).map(lambda d: level * (1 + d)), max_size=12)


_TREND = st.fixed_dictionaries({
    "losses": st.one_of(
        st.lists(st.one_of(number(0.0, 10.0), st.sampled_from([1.0, 1.0005, 0.9995, 2.0])), max_size=12),
        st.floats(0.1, 5000.0).flatmap(_near),
        st.lists(st.sampled_from([1000.0, 999.0, 998.0, 1001.0]), max_size=12)),  # exact ties and steps of rel_tol
    "window": st.one_of(st.none(), st.integers(1, 8)),
    "rel_tol": st.one_of(st.none(), st.floats(1e-4, 0.05), st.just(0.001))}) | st.just(
    # a fall of exactly rel_tol * abs(a) (exact in floats): not less than it
    {"losses": [2000.0, 1000.0, 1000.5, 999.5, 999.8, 1000.2, 999.0], "window": 5, "rel_tol": 0.001})


BEST_PRACTICES = {
    "standardize": Behaviour("standardize", _standardize_case(), _standardize),
    "train_val_split": Behaviour("train_val_split", st.fixed_dictionaries({
        "n": st.integers(2, 30), "fraction": st.floats(0.1, 0.6), "seed": st.integers(0, 10 ** 5)}), _split),
    "EarlyStopping": Behaviour("EarlyStopping", _early_case(), _early_stopping),
    "train_step": Behaviour("train_step", _model_case(lambda n, d: {
        "lr": number(0.01, 0.5), "max_norm": st.one_of(st.none(), number(0.01, 2.0))}), _train_step),
    "fit": Behaviour("fit", _model_case(_fit_fields), _fit, examples=40),
    "to_original_units": Behaviour("to_original_units", _UNITS, _to_original_units),
    "loss_trend": Behaviour("loss_trend", _TREND, _loss_trend, examples=600),
}

BEHAVIOURS = {"prediction": PREDICTION, "gradient_descent": GRADIENT_DESCENT, "training_slope": TRAINING_SLOPE,
              "training_slope_bias": TRAINING_SLOPE_BIAS, "best_practices": BEST_PRACTICES}
