"""Realistic submissions of the gradient_descent assignment: mistakes and correct variants.

Each mistake is a different misunderstanding a student really has; each
variant is a different correct way to write a cell.
"""

from tests.support import Case


def _mistake(name, cell, code, message):
    return Case(name, {cell: code}, loses=frozenset({f"test_{cell}"}), message=message)


def _batch(body_before_append, update, *, record_first=True):
    return ("def batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol=None):\n"
            "    w, b = float(w0), float(b0)\n    costs = []\n    for _ in range(n_iter):\n"
            "        c = float(cost(w, b, X, Y))\n" + body_before_append + update + "    return w, b, costs\n")


UPDATE = ("        costs.append(c)\n        dw, db = cost_gradient(w, b, X, Y)\n"
          "        w, b = w - lr * dw, b - lr * db\n")
STOP = "        if tol is not None and costs and abs(costs[-1] - c) < tol:\n            break\n"

def _descend(order=("gradient", "no decrease", "tol"), update_first=False, reason_text=None):
    rules = {"gradient": "        if grad_tol is not None and abs(slope) < grad_tol:\n            return ws, 'gradient'\n",
             "no decrease": "        if previous is not None and not current < previous:\n            return ws, 'no decrease'\n",
             "tol": "        if tol is not None and previous is not None and previous - current < tol:\n"
                    "            return ws, 'tol'\n"}
    checks = "".join(rules[r] for r in order)
    update = "        w = w - lr * slope\n        ws.append(w)\n"
    body = (update + checks) if update_first else (checks + update)
    body = ("        current, slope = float(loss(w, x, y)), float(dloss_dw(w, x, y))\n" + body
            + "        previous = current\n")
    code = ("def descend(w0, x, y, lr, max_iter, tol=None, grad_tol=None):\n    w = float(w0)\n    ws = [w]\n"
            "    previous = None\n    for _ in range(max_iter):\n" + body + "    return ws, 'max_iter'\n")
    return code.replace("'max_iter'", repr(reason_text)) if reason_text else code


def _sweep(final="final if math.isfinite(final) else math.inf", pick="min(lrs, key=lambda r: finals[r])",
           key="lr"):
    return ("def lr_sweep(w0, x, y, lrs, n_iter):\n    finals = {}\n    for i, lr in enumerate(lrs):\n"
            "        final = float(loss(torch.tensor(gradient_descent(w0, x, y, lr, n_iter)[-1], dtype=torch.float64), x, y))\n"
            f"        finals[{key}] = {final}\n    return finals, {pick}\n")


MISTAKES = [
    _mistake("make_data_noise_broadcasts_to_a_square", "make_data",
             "def make_data(w, b, n, noise_std, seed):\n    torch.manual_seed(seed)\n"
             "    X = torch.linspace(-3, 3, n).view(-1, 1)\n    Y = w * X + b + noise_std * torch.randn(n)\n"
             "    return X, Y\n", "broadcast"),
    _mistake("make_data_uniform_noise", "make_data",
             "def make_data(w, b, n, noise_std, seed):\n    torch.manual_seed(seed)\n"
             "    X = torch.linspace(-3, 3, n).view(-1, 1)\n    Y = w * X + b + noise_std * torch.rand(X.shape)\n"
             "    return X, Y\n", "torch.rand"),
    _mistake("make_data_not_seeded", "make_data",
             "def make_data(w, b, n, noise_std, seed):\n    X = torch.linspace(-3, 3, n).view(-1, 1)\n"
             "    Y = w * X + b + noise_std * torch.randn(X.shape)\n    return X, Y\n", "same seed"),
    _mistake("make_data_arange_ignores_n", "make_data",
             "def make_data(w, b, n, noise_std, seed):\n    torch.manual_seed(seed)\n"
             "    X = torch.arange(-3, 3, 0.1).view(-1, 1)\n    Y = w * X + b + noise_std * torch.randn(X.size())\n"
             "    return X, Y\n", "linspace"),
    _mistake("make_data_noise_std_as_variance", "make_data",
             "def make_data(w, b, n, noise_std, seed):\n    torch.manual_seed(seed)\n"
             "    X = torch.linspace(-3, 3, n).view(-1, 1)\n"
             "    Y = w * X + b + noise_std ** 2 * torch.randn(X.shape)\n    return X, Y\n", "variance"),
    _mistake("loss_times_two_not_squared", "loss", "def loss(w, x, y):\n    return (w * x - y) * 2\n", "`** 2` squares"),
    _mistake("loss_uses_math_pow", "loss", "import math\n\ndef loss(w, x, y):\n    return math.pow(w * x - y, 2)\n",
             "element by element"),
    _mistake("dloss_dw_forgets_the_chain_rule", "dloss_dw",
             "def dloss_dw(w, x, y):\n    return 2 * (w * x - y)\n", "chain rule"),
    _mistake("dloss_dw_forgets_factor_2", "dloss_dw", "def dloss_dw(w, x, y):\n    return x * (w * x - y)\n",
             "factor 2"),
    _mistake("gradient_descent_climbs_the_bowl", "gradient_descent",
             "def gradient_descent(w0, x, y, lr, n_iter):\n    ws = [w0]\n    for _ in range(n_iter):\n"
             "        ws.append(ws[-1] + lr * dloss_dw(ws[-1], x, y))\n    return ws\n", "climbs the bowl"),
    _mistake("gradient_descent_leaves_out_w0", "gradient_descent",
             "def gradient_descent(w0, x, y, lr, n_iter):\n    ws = []\n    w = w0\n    for _ in range(n_iter):\n"
             "        w = w - lr * dloss_dw(w, x, y)\n        ws.append(w)\n    return ws\n", "start with w0"),
    _mistake("gradient_descent_stores_tensors", "gradient_descent",
             "def gradient_descent(w0, x, y, lr, n_iter):\n    w = torch.tensor(w0)\n    ws = [w]\n"
             "    for _ in range(n_iter):\n        w = w - lr * dloss_dw(w, x, y)\n        ws.append(w)\n"
             "    return ws\n", "not a Python float"),
    _mistake("cost_sums_instead_of_averaging", "cost",
             "def cost(w, b, X, Y):\n    return torch.sum((w * X + b - Y) ** 2)\n", "sum instead of mean"),
    _mistake("cost_forgets_the_bias", "cost", "def cost(w, b, X, Y):\n    return torch.mean((w * X - Y) ** 2)\n",
             "left out the bias"),
    _mistake("cost_returns_a_python_float", "cost",
             "def cost(w, b, X, Y):\n    return torch.mean((w * X + b - Y) ** 2).item()\n", "plain number"),
    _mistake("total_cost_averages", "total_cost",
             "def total_cost(w, b, X, Y):\n    return torch.mean((w * X + b - Y) ** 2)\n", "mean instead of sum"),
    _mistake("cost_gradient_sums_instead_of_averaging", "cost_gradient",
             "def cost_gradient(w, b, X, Y):\n    e = w * X + b - Y\n"
             "    return float(torch.sum(2 * X * e)), float(torch.sum(2 * e))\n", "summed"),
    _mistake("cost_gradient_in_the_wrong_order", "cost_gradient",
             "def cost_gradient(w, b, X, Y):\n    e = w * X + b - Y\n"
             "    return float(torch.mean(2 * e)), float(torch.mean(2 * X * e))\n", "in that order"),
    _mistake("cost_gradient_dw_without_x", "cost_gradient",
             "def cost_gradient(w, b, X, Y):\n    e = w * X + b - Y\n"
             "    return float(torch.mean(2 * e)), float(torch.mean(2 * e))\n", "leaves out x_i"),
    _mistake("batch_never_updates_the_bias", "batch_gradient_descent",
             _batch(STOP, "        costs.append(c)\n        dw, db = cost_gradient(w, b, X, Y)\n"
                          "        w = w - lr * dw\n"), "never changed b"),
    _mistake("batch_records_the_stopping_cost", "batch_gradient_descent",
             _batch("", "        costs.append(c)\n"
                        "        if tol is not None and len(costs) > 1 and abs(costs[-2] - costs[-1]) < tol:\n"
                        "            break\n"
                        "        dw, db = cost_gradient(w, b, X, Y)\n        w, b = w - lr * dw, b - lr * db\n"),
             "also recorded the cost"),
    _mistake("batch_ignores_tol", "batch_gradient_descent", _batch("", UPDATE), "still ran all"),
    _mistake("batch_records_cost_after_the_update", "batch_gradient_descent",
             "def batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol=None):\n    w, b = float(w0), float(b0)\n"
             "    costs = []\n    for _ in range(n_iter):\n        dw, db = cost_gradient(w, b, X, Y)\n"
             "        w, b = w - lr * dw, b - lr * db\n        c = float(cost(w, b, X, Y))\n"
             "        if tol is not None and costs and abs(costs[-1] - c) < tol:\n            break\n"
             "        costs.append(c)\n    return w, b, costs\n", "after the update"),
    # Symmetric inputs would hide these: the bias updated from the slope already updated.
    _mistake("batch_updates_the_bias_with_the_new_slope", "batch_gradient_descent",
             _batch(STOP, "        costs.append(c)\n        dw, _ = cost_gradient(w, b, X, Y)\n"
                          "        w = w - lr * dw\n        _, db = cost_gradient(w, b, X, Y)\n"
                          "        b = b - lr * db\n"), "at the same (w, b)"),
    _mistake("make_data_one_noise_value_for_every_sample", "make_data",
             "def make_data(w, b, n, noise_std, seed):\n    torch.manual_seed(seed)\n"
             "    X = torch.linspace(-3, 3, n).view(-1, 1)\n    return X, w * X + b + noise_std * torch.randn(1)\n",
             "same noise"),
    _mistake("make_data_returns_the_targets_first", "make_data",
             "def make_data(w, b, n, noise_std, seed):\n    g = torch.Generator().manual_seed(seed)\n"
             "    X = torch.linspace(-3, 3, n).view(-1, 1)\n"
             "    Y = w * X + b + noise_std * torch.randn(X.shape, generator=g)\n    return Y, X\n", "(Y, X)"),
    _mistake("cost_gradient_returns_tensors", "cost_gradient",
             "def cost_gradient(w, b, X, Y):\n    e = w * X + b - Y\n"
             "    return torch.mean(2 * X * e), torch.mean(2 * e)\n", "Python float"),
    _mistake("gradient_descent_takes_one_step_too_many", "gradient_descent",
             "def gradient_descent(w0, x, y, lr, n_iter):\n    path = [float(w0)]\n    for _ in range(n_iter + 1):\n"
             "        path.append(path[-1] - lr * float(dloss_dw(path[-1], x, y)))\n    return path\n", "values"),
    _mistake("descend_checks_tol_before_no_decrease", "descend", _descend(order=("gradient", "tol", "no decrease")),
             "comes before the tol rule"),
    _mistake("descend_checks_the_gradient_last", "descend", _descend(order=("no decrease", "tol", "gradient")),
             "the gradient rule first"),
    _mistake("descend_updates_before_checking", "descend", _descend(update_first=True), "one too many"),
    _mistake("descend_gradient_rule_without_abs", "descend",
             _descend().replace("abs(slope) < grad_tol", "slope < grad_tol"), "whatever its sign"),
    _mistake("lr_sweep_loss_one_step_early", "lr_sweep",
             _sweep().replace("gradient_descent(w0, x, y, lr, n_iter)[-1]", "gradient_descent(w0, x, y, lr, n_iter)[-2]"),
             "at the last value"),
    _mistake("descend_words_its_reason_its_own_way", "descend", _descend(reason_text="max iterations"),
             "exactly one of"),
    _mistake("lr_sweep_keeps_nan_for_divergence", "lr_sweep", _sweep(final="final"), "math.inf"),
    _mistake("lr_sweep_picks_the_highest_loss", "lr_sweep", _sweep(pick="max(lrs, key=lambda r: finals[r])"),
             "highest final loss"),
    _mistake("lr_sweep_squares_the_last_w_as_a_python_float", "lr_sweep",
             _sweep().replace("loss(torch.tensor(gradient_descent(w0, x, y, lr, n_iter)[-1], dtype=torch.float64), x, y)",
                              "loss(gradient_descent(w0, x, y, lr, n_iter)[-1], x, y)"), "too large to square"),
    _mistake("lr_sweep_keys_by_position", "lr_sweep", _sweep(key="i", pick="lrs[min(finals, key=finals.get)]"),
             "one key per learning rate"),
    _mistake("lr_sweep_keeps_the_last_of_a_tie", "lr_sweep",
             _sweep(pick="[r for r in lrs if finals[r] == min(finals.values())][-1]"), "earliest"),
    # A later cell that calls an earlier, wrong one is judged with the reference earlier cell: one mistake, one cell.
    Case("gradient_descent_climbs_and_descend_steps_through_it",
         {"gradient_descent": "def gradient_descent(w0, x, y, lr, n_iter):\n    path = [float(w0)]\n"
                              "    for _ in range(n_iter):\n"
                              "        path.append(path[-1] + lr * float(dloss_dw(path[-1], x, y)))\n    return path\n",
          "descend": _descend().replace("        w = w - lr * slope\n",
                                        "        w = gradient_descent(w, x, y, lr, 1)[-1]\n")},
         loses=frozenset({"test_gradient_descent"}), message="gradient_descent"),
    Case("cost_sums_and_total_cost_scales_it",
         {"cost": "def cost(w, b, X, Y):\n    return torch.sum((w * X + b - Y) ** 2)\n",
          "total_cost": "def total_cost(w, b, X, Y):\n    return len(X) * cost(w, b, X, Y)\n"},
         loses=frozenset({"test_cost"}), message="sum instead of mean"),
    _mistake("gradient_descent_returns_a_tuple", "gradient_descent",
             "def gradient_descent(w0, x, y, lr, n_iter):\n    path = [float(w0)]\n    for _ in range(n_iter):\n"
             "        path.append(path[-1] - lr * float(dloss_dw(path[-1], x, y)))\n    return tuple(path)\n",
             "return a list"),
    _mistake("total_cost_returns_a_python_float", "total_cost",
             "def total_cost(w, b, X, Y):\n    return torch.sum((w * X + b - Y) ** 2).item()\n", "a plain number"),
    _mistake("batch_divides_the_learning_rate_by_n", "batch_gradient_descent",
             _batch(STOP, UPDATE.replace("lr * dw, b - lr * db", "lr / len(X) * dw, b - lr / len(X) * db")),
             "batch_gradient_descent"),
    _mistake("batch_stores_cost_tensors", "batch_gradient_descent",
             "def batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol=None):\n    w, b = w0, b0\n    costs = []\n"
             "    for _ in range(n_iter):\n        c = cost(w, b, X, Y)\n"
             "        if tol is not None and costs and abs(costs[-1] - c) < tol:\n            break\n"
             "        costs.append(c)\n        dw, db = cost_gradient(w, b, X, Y)\n"
             "        w, b = w - lr * dw, b - lr * db\n    return w, b, costs\n", "not a Python float"),
]

VARIANTS = [
    Case("descend_with_a_while_loop_and_elif", {"descend":
         "def descend(w0, x, y, lr, max_iter, tol=None, grad_tol=None):\n    ws = [float(w0)]\n    losses = []\n"
         "    reason = 'max_iter'\n    while len(ws) - 1 < max_iter:\n        w = ws[-1]\n"
         "        g = dloss_dw(w, x, y)\n        l = loss(w, x, y)\n"
         "        if grad_tol is not None and abs(g) < grad_tol:\n            reason = 'gradient'\n            break\n"
         "        elif losses and l >= losses[-1]:\n            reason = 'no decrease'\n            break\n"
         "        elif tol is not None and losses and losses[-1] - l < tol:\n            reason = 'tol'\n            break\n"
         "        losses.append(l)\n        ws.append(float(w - lr * g))\n    return ws, reason\n"}),
    Case("lr_sweep_with_min_over_the_dict", {"lr_sweep":
         "def lr_sweep(w0, x, y, lrs, n_iter):\n    finals = {}\n    for lr in lrs:\n"
         "        w_end = torch.tensor(gradient_descent(w0, x, y, lr, n_iter)[-1], dtype=torch.float64)\n"
         "        value = loss(w_end, x, y).item()\n        finals[lr] = value if math.isfinite(value) else float('inf')\n"
         "    return finals, min(finals, key=finals.get)\n"}),
    Case("make_data_global_seed_and_randn", {"make_data": "def make_data(w, b, n, noise_std, seed):\n"
                                                          "    torch.manual_seed(seed)\n"
                                                          "    X = torch.linspace(-3, 3, steps=n).reshape(n, 1)\n"
                                                          "    f = w * X + b\n"
                                                          "    Y = f + noise_std * torch.randn(X.size())\n"
                                                          "    return X, Y\n"}),
    Case("make_data_with_numpy", {"make_data": "import numpy as np\n\n"
                                               "def make_data(w, b, n, noise_std, seed):\n"
                                               "    rng = np.random.default_rng(seed)\n"
                                               "    X = torch.tensor(np.linspace(-3, 3, n), dtype=torch.float32).reshape(-1, 1)\n"
                                               "    noise = torch.tensor(rng.normal(0.0, 1.0, (n, 1)), dtype=torch.float32)\n"
                                               "    return X, w * X + b + noise_std * noise\n"}),
    Case("make_data_randn_like_and_indexing", {"make_data": "def make_data(w, b, n, noise_std, seed):\n"
                                                            "    X = torch.linspace(-3.0, 3.0, n)[:, None]\n"
                                                            "    torch.random.manual_seed(seed)\n"
                                                            "    noise = torch.randn_like(X) * noise_std\n"
                                                            "    Y = b + w * X + noise\n"
                                                            "    return (X, Y)\n"}),
    Case("make_data_torch_normal", {"make_data": "def make_data(w, b, n, noise_std, seed):\n"
                                                 "    g = torch.Generator().manual_seed(seed)\n"
                                                 "    X = torch.linspace(-3, 3, n).unsqueeze(1)\n"
                                                 "    noise = torch.normal(0.0, noise_std, size=(n, 1), generator=g)\n"
                                                 "    return X, w * X + b + noise\n"}),
    Case("loss_and_derivative_rewritten", {"loss": "def loss(w, x, y):\n    yhat = w * x\n    return (y - yhat) ** 2\n",
                                           "dloss_dw": "def dloss_dw(w, x, y):\n"
                                                       "    return 2 * w * x ** 2 - 2 * x * y\n"}),
    Case("gradient_descent_while_loop", {"gradient_descent": "def gradient_descent(w0, x, y, lr, n_iter):\n"
                                                             "    history = [float(w0)]\n    k = 0\n"
                                                             "    while k < n_iter:\n"
                                                             "        step = lr * dloss_dw(history[-1], x, y)\n"
                                                             "        history.append(float(history[-1] - step))\n"
                                                             "        k += 1\n    return history\n"}),
    Case("costs_with_mse_loss_and_pow", {"cost": "import torch.nn.functional as F\n\ndef cost(w, b, X, Y):\n"
                                                 "    return F.mse_loss(w * X + b, Y)\n",
                                         "total_cost": "def total_cost(w, b, X, Y):\n"
                                                       "    return ((Y - (w * X + b)).pow(2)).sum()\n"}),
    Case("cost_gradient_expanded_sums", {"cost_gradient": "def cost_gradient(w, b, X, Y):\n    n = len(X)\n"
                                                          "    residual = (w * X + b) - Y\n"
                                                          "    dw = 2.0 / n * (X * residual).sum()\n"
                                                          "    db = 2.0 / n * residual.sum()\n"
                                                          "    return dw.item(), db.item()\n"}),
    Case("batch_while_loop_with_previous_cost", {"batch_gradient_descent":
        "def batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol=None):\n"
        "    w, b = w0, b0\n    costs = []\n    previous = None\n    i = 0\n"
        "    while i < n_iter:\n        current = cost(w, b, X, Y).item()\n"
        "        if tol is not None and previous is not None and abs(previous - current) < tol:\n"
        "            break\n        costs.append(current)\n        previous = current\n"
        "        grad_w, grad_b = cost_gradient(w, b, X, Y)\n"
        "        w -= lr * grad_w\n        b -= lr * grad_b\n        i += 1\n"
        "    return float(w), float(b), costs\n"}),
    Case("ipython_magics_and_extra_cells", extra_cells=("%matplotlib inline\n!ls\nprint(loss(1.0, 2.0, 3.0))",
                                                         "%%time\n_ = batch_gradient_descent(0.0, 0.0, X_train, Y_train, 0.1, 5)\n")),
]
