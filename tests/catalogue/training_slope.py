"""Realistic submissions of the training_slope lab: mistakes and correct variants.

Each mistake is a different misunderstanding a student really has; each
variant is a different correct way to write a cell.
"""

from tests.support import Case

CONVERGED = frozenset({"test_converged"})


def _mistake(name, cell, code, message, *, converged=True):
    return Case(name, {cell: code}, loses=frozenset({f"test_{cell}"}),
                may_lose=CONVERGED if converged else frozenset(), message=message)


MISTAKES = [
    _mistake("forward_uses_global_X", "forward", "def forward(x):\n    return w * X\n", "global X"),
    _mistake("forward_breaks_autograd_with_item", "forward", "def forward(x):\n    return w.item() * x\n",
             "not connected to w"),
    _mistake("forward_hardcodes_starting_slope", "forward", "def forward(x):\n    return -10 * x\n", "-10"),
    _mistake("criterion_sums_instead_of_averaging", "criterion",
             "def criterion(yhat, y):\n    return torch.sum((yhat - y) ** 2)\n", "sum instead of mean"),
    _mistake("criterion_returns_python_float", "criterion",
             "def criterion(yhat, y):\n    return torch.mean((yhat - y) ** 2).item()\n", "plain number"),
    _mistake("criterion_absolute_error", "criterion",
             "def criterion(yhat, y):\n    return torch.mean(torch.abs(yhat - y))\n", "absolute"),
    _mistake("criterion_root_mean_square", "criterion",
             "def criterion(yhat, y):\n    return torch.sqrt(torch.mean((yhat - y) ** 2))\n", "square root"),
    _mistake("criterion_per_sample_not_reduced", "criterion",
             "def criterion(yhat, y):\n    return (yhat - y) ** 2\n", "one squared error per sample"),
    _mistake("update_rebinds_loop_variable", "backward_update",
             "def backward_update(loss, params, lr):\n    loss.backward()\n    for p in params:\n"
             "        p = p - lr * p.grad\n", "rebinds"),
    _mistake("update_climbs_the_gradient", "backward_update",
             "def backward_update(loss, params, lr):\n    loss.backward()\n    for p in params:\n"
             "        p.data = p.data + lr * p.grad\n", "up the gradient"),
    _mistake("update_touches_global_w_not_params", "backward_update",
             "def backward_update(loss, params, lr):\n    loss.backward()\n    w.data = w.data - lr * w.grad\n",
             "w.data = w.data - lr * w.grad", converged=False),
    _mistake("update_forgets_backward", "backward_update",
             "def backward_update(loss, params, lr):\n    for p in params:\n"
             "        p.data = p.data - lr * p.grad\n", ""),
    _mistake("update_returns_inside_loop", "backward_update",
             "def backward_update(loss, params, lr):\n    loss.backward()\n    for p in params:\n"
             "        p.data = p.data - lr * p.grad\n        return\n", "only the first"),
    _mistake("zero_grad_does_nothing", "zero_grad", "def zero_grad(params):\n    pass\n",
             "added to the old gradients"),
    _mistake("zero_grad_zeroes_the_parameters", "zero_grad",
             "def zero_grad(params):\n    for p in params:\n        p.data.zero_()\n", "parameters themselves"),
    _mistake("train_model_stores_loss_tensors", "train_model",
             "def train_model(n_iter, lr):\n    losses = []\n    for _ in range(n_iter):\n"
             "        loss = criterion(forward(X), Y)\n        backward_update(loss, [w], lr)\n"
             "        zero_grad([w])\n        losses.append(loss)\n    return losses\n", "loss.item()",
             converged=True),
    _mistake("train_model_never_clears_gradients", "train_model",
             "def train_model(n_iter, lr):\n    losses = []\n    for _ in range(n_iter):\n"
             "        loss = criterion(forward(X), Y)\n        backward_update(loss, [w], lr)\n"
             "        losses.append(loss.item())\n    return losses\n", "never cleared"),
    _mistake("train_model_records_cost_after_update", "train_model",
             "def train_model(n_iter, lr):\n    losses = []\n    for _ in range(n_iter):\n"
             "        backward_update(criterion(forward(X), Y), [w], lr)\n        zero_grad([w])\n"
             "        losses.append(criterion(forward(X), Y).item())\n    return losses\n", "after the update",
             converged=False),
    _mistake("train_model_one_iteration_too_many", "train_model",
             "def train_model(n_iter, lr):\n    losses = []\n    for _ in range(n_iter + 1):\n"
             "        loss = criterion(forward(X), Y)\n        backward_update(loss, [w], lr)\n"
             "        zero_grad([w])\n        losses.append(loss.item())\n    return losses\n",
             "one cost per iteration"),
    _mistake("train_model_on_the_first_ten_points", "train_model",
             "def train_model(n_iter, lr):\n    losses = []\n    for _ in range(n_iter):\n"
             "        loss = criterion(forward(X[:10]), Y[:10])\n        backward_update(loss, [w], lr)\n"
             "        zero_grad([w])\n        losses.append(loss.item())\n    return losses\n",
             "not of some of the points"),
    _mistake("train_model_yields_each_cost", "train_model",
             "def train_model(n_iter, lr):\n    for _ in range(n_iter):\n"
             "        loss = criterion(forward(X), Y)\n        backward_update(loss, [w], lr)\n"
             "        zero_grad([w])\n        yield loss.item()\n", "generator function"),
    _mistake("plot_loss_shows_but_returns_nothing", "plot_loss",
             "def plot_loss(losses):\n    plt.plot(losses)\n    plt.xlabel('iteration')\n    plt.ylabel('cost')\n"
             "    plt.show()\n", "return the matplotlib Axes", converged=False),
    _mistake("plot_loss_without_axis_labels", "plot_loss",
             "def plot_loss(losses):\n    fig, ax = plt.subplots()\n    ax.plot(losses)\n    return ax\n",
             "did not label", converged=False),
]

VARIANTS = [
    Case("criterion_with_nn_mseloss", {"criterion": "from torch import nn\n\ndef criterion(yhat, y):\n"
                                                    "    return nn.MSELoss()(yhat, y)\n"}),
    Case("criterion_with_method_calls", {"criterion": "def criterion(yhat, y):\n    e = yhat - y\n"
                                                      "    return (e * e).mean()\n"}),
    Case("criterion_with_functional", {"criterion": "import torch.nn.functional as F\n\n"
                                                    "def criterion(yhat, y):\n    return F.mse_loss(yhat, y)\n"}),
    Case("forward_written_other_way_round", {"forward": "def forward(x):\n    return torch.mul(x, w)\n"}),
    Case("update_under_no_grad", {"backward_update": "def backward_update(loss, params, lr):\n    loss.backward()\n"
                                                     "    with torch.no_grad():\n        for p in params:\n"
                                                     "            p -= lr * p.grad\n"}),
    Case("update_in_place_on_data", {"backward_update": "def backward_update(loss, params, lr):\n"
                                                        "    loss.backward()\n    for p in params:\n"
                                                        "        p.data.sub_(lr * p.grad)\n"}),
    Case("update_by_index", {"backward_update": "def backward_update(loss, params, lr):\n    loss.backward()\n"
                                                "    for i in range(len(params)):\n"
                                                "        params[i].data -= lr * params[i].grad.data\n"}),
    Case("zero_grad_sets_none", {"zero_grad": "def zero_grad(params):\n    for p in params:\n        p.grad = None\n"}),
    Case("zero_grad_on_grad_data", {"zero_grad": "def zero_grad(params):\n    for p in params:\n"
                                                 "        p.grad.data.zero_()\n"}),
    Case("train_model_while_loop_float", {"train_model": "def train_model(n_iter, lr):\n    costs = []\n"
                                                         "    i = 0\n    while i < n_iter:\n"
                                                         "        cost = criterion(forward(X), Y)\n"
                                                         "        costs.append(float(cost))\n"
                                                         "        backward_update(cost, [w], lr)\n"
                                                         "        zero_grad([w])\n        i += 1\n"
                                                         "    return costs\n"}),
    Case("plot_loss_with_pyplot_state", {"plot_loss": "def plot_loss(losses):\n    plt.figure()\n"
                                                      "    plt.plot(list(range(1, len(losses) + 1)), losses, 'o-')\n"
                                                      "    plt.xlabel('epoch')\n    plt.ylabel('MSE')\n"
                                                      "    return plt.gca()\n"}),
    Case("ipython_magics_and_shell", extra_cells=("%matplotlib inline\n!pip list\nprint(w)",
                                                   "%%time\nz = forward(X)\n")),
]
