"""Realistic submissions of the training_slope_bias lab: mistakes and correct variants.

Each mistake is a different misunderstanding a student really has; each
variant is a different correct way to write a cell.
"""

from tests.support import Case

CONVERGED = frozenset({"test_converged"})


def _mistake(name, cell, code, message, *, converged=True):
    return Case(name, {cell: code}, loses=frozenset({f"test_{cell}"}),
                may_lose=CONVERGED if converged else frozenset(), message=message)


_TRAIN = ("def train_model(epochs, lr):\n    losses = []\n    path = [(w.item(), b.item())]\n"
          "    for _ in range(epochs):\n        loss = criterion(forward(X), Y)\n"
          "        backward_update(loss, {params}, lr)\n{zero}        losses.append(loss.item())\n"
          "        path.append({point})\n    return losses, path\n")


def _train(params="[w, b]", zero="        zero_grad([w, b])\n", point="(w.item(), b.item())"):
    return _TRAIN.format(params=params, zero=zero, point=point)


MISTAKES = [
    _mistake("forward_forgets_the_bias", "forward", "def forward(x):\n    return w * x\n", "forgot the bias"),
    _mistake("forward_uses_global_X", "forward", "def forward(x):\n    return w * X + b\n", "global X"),
    _mistake("forward_swaps_slope_and_bias", "forward", "def forward(x):\n    return b * x + w\n", "swapped"),
    _mistake("criterion_sums_instead_of_averaging", "criterion",
             "def criterion(yhat, y):\n    return torch.sum((yhat - y) ** 2)\n", "sum instead of mean"),
    _mistake("criterion_returns_python_float", "criterion",
             "def criterion(yhat, y):\n    return torch.mean((yhat - y) ** 2).item()\n", "plain number"),
    _mistake("cost_surface_transposed_by_ij_meshgrid", "cost_surface",
             "def cost_surface(w_values, b_values, X, Y):\n"
             "    W, B = torch.meshgrid(w_values, b_values, indexing='ij')\n"
             "    preds = W.unsqueeze(-1) * X.view(1, 1, -1) + B.unsqueeze(-1)\n"
             "    return ((preds - Y.view(1, 1, -1)) ** 2).mean(dim=-1)\n", "transposed", converged=False),
    _mistake("cost_surface_uses_the_global_parameters", "cost_surface",
             "def cost_surface(w_values, b_values, X, Y):\n    Z = torch.zeros(len(b_values), len(w_values))\n"
             "    for i in range(len(b_values)):\n        for j in range(len(w_values)):\n"
             "            Z[i, j] = criterion(forward(X), Y)\n    return Z\n", "global w and b", converged=False),
    _mistake("cost_surface_sums_the_squared_errors", "cost_surface",
             "def cost_surface(w_values, b_values, X, Y):\n    Z = torch.zeros(len(b_values), len(w_values))\n"
             "    for i, bv in enumerate(b_values):\n        for j, wv in enumerate(w_values):\n"
             "            Z[i, j] = torch.sum((wv * X + bv - Y) ** 2)\n    return Z\n", "sum instead of mean",
             converged=False),
    _mistake("update_moves_b_with_the_gradient_of_w", "backward_update",
             "def backward_update(loss, params, lr):\n    loss.backward()\n    for p in params:\n"
             "        p.data = p.data - lr * params[0].grad\n", "w's gradient"),
    _mistake("update_climbs_the_gradient", "backward_update",
             "def backward_update(loss, params, lr):\n    loss.backward()\n    for p in params:\n"
             "        p.data = p.data + lr * p.grad\n", "up the gradient"),
    _mistake("zero_grad_clears_only_the_first", "zero_grad",
             "def zero_grad(params):\n    params[0].grad.zero_()\n", "only the first"),
    _mistake("train_model_path_misses_the_start", "train_model",
             _train().replace("    path = [(w.item(), b.item())]\n", "    path = []\n"), "missing its start",
             converged=False),
    _mistake("train_model_path_stores_live_tensors", "train_model", _train(point="(w, b)"), "w.item()",
             converged=False),
    _mistake("train_model_path_in_b_w_order", "train_model",
             _train(point="(b.item(), w.item())").replace("path = [(w.item(), b.item())]", "path = [(b.item(), w.item())]"),
             "(b, w) pairs", converged=False),
    _mistake("train_model_trains_only_the_slope", "train_model", _train(params="[w]", zero="        zero_grad([w])\n"),
             "only the slope"),
    _mistake("train_model_never_clears_gradients", "train_model", _train(zero=""), "never cleared"),
    _mistake("train_model_on_one_random_point_per_epoch", "train_model",
             _train().replace(
                 "        loss = criterion(forward(X), Y)\n",
                 "        i = torch.randint(len(X), (1,))\n        loss = criterion(forward(X[i]), Y[i])\n"),
             "not of some of the points"),
    _mistake("plot_contour_without_the_grid", "plot_contour",
             "def plot_contour(w_values, b_values, Z, path):\n    fig, ax = plt.subplots()\n    ax.contour(Z)\n"
             "    ax.plot([p[0] for p in path], [p[1] for p in path], 'o-')\n    return ax\n",
             "row and column numbers", converged=False),
    _mistake("plot_contour_path_axes_swapped", "plot_contour",
             "def plot_contour(w_values, b_values, Z, path):\n    fig, ax = plt.subplots()\n"
             "    ax.contour(w_values, b_values, Z)\n    ws, bs = zip(*path)\n    ax.plot(bs, ws, 'o-')\n    return ax\n",
             "biases along x", converged=False),
    _mistake("plot_contour_forgets_the_path", "plot_contour",
             "def plot_contour(w_values, b_values, Z, path):\n    fig, ax = plt.subplots()\n"
             "    ax.contour(w_values, b_values, Z)\n    return ax\n", "not the path", converged=False),
]

VARIANTS = [
    Case("forward_with_torch_functions", {"forward": "def forward(x):\n    return torch.add(torch.mul(x, w), b)\n"}),
    Case("criterion_with_nn_mseloss", {"criterion": "from torch import nn\n\ndef criterion(yhat, y):\n"
                                                    "    return nn.MSELoss()(yhat, y)\n"}),
    Case("cost_surface_broadcast_xy_meshgrid", {"cost_surface":
         "def cost_surface(w_values, b_values, X, Y):\n"
         "    W, B = torch.meshgrid(w_values, b_values, indexing='xy')\n"
         "    errors = W[..., None] * X.reshape(-1) + B[..., None] - Y.reshape(-1)\n"
         "    return (errors ** 2).mean(-1)\n"}),
    Case("cost_surface_rows_of_python_lists", {"cost_surface":
         "def cost_surface(w_values, b_values, X, Y):\n    rows = []\n    for bv in b_values:\n"
         "        rows.append([criterion(wv * X + bv, Y).item() for wv in w_values])\n"
         "    return torch.tensor(rows)\n"}),
    Case("cost_surface_in_numpy", {"cost_surface":
         "import numpy as np\n\ndef cost_surface(w_values, b_values, X, Y):\n"
         "    x, y = X.numpy().ravel(), Y.numpy().ravel()\n"
         "    return np.array([[np.mean((wv * x + bv - y) ** 2) for wv in w_values.numpy()]\n"
         "                     for bv in b_values.numpy()])\n"}),
    Case("update_under_no_grad_and_grad_none", {
        "backward_update": "def backward_update(loss, params, lr):\n    loss.backward()\n"
                           "    with torch.no_grad():\n        for p in params:\n            p -= lr * p.grad\n",
        "zero_grad": "def zero_grad(params):\n    for p in params:\n        p.grad = None\n"}),
    Case("train_model_lists_and_while_loop", {"train_model":
         "def train_model(epochs, lr):\n    costs, path = [], [[float(w), float(b)]]\n    epoch = 0\n"
         "    while epoch < epochs:\n        cost = criterion(forward(X), Y)\n        costs.append(cost.item())\n"
         "        backward_update(cost, [w, b], lr)\n        zero_grad([w, b])\n"
         "        path.append([w.item(), b.item()])\n        epoch += 1\n    return costs, path\n"}),
    Case("plot_contour_filled_with_pyplot_and_scatter", {"plot_contour":
         "def plot_contour(w_values, b_values, Z, path):\n    plt.figure()\n"
         "    plt.contourf(w_values, b_values, Z, 25)\n    plt.colorbar()\n"
         "    plt.scatter([p[0] for p in path], [p[1] for p in path], c='red')\n"
         "    plt.xlabel('w')\n    plt.ylabel('b')\n    return plt.gca()\n"}),
    Case("plot_contour_numpy_meshgrid", {"plot_contour":
         "import numpy as np\n\ndef plot_contour(w_values, b_values, Z, path):\n"
         "    W, B = np.meshgrid(np.asarray(w_values), np.asarray(b_values))\n"
         "    fig, ax = plt.subplots(figsize=(6, 5))\n    cs = ax.contour(W, B, np.asarray(Z), levels=30)\n"
         "    ax.clabel(cs, inline=True)\n    arr = np.array(path)\n    ax.plot(arr[:, 0], arr[:, 1], 'x--')\n"
         "    return ax\n"}),
]
