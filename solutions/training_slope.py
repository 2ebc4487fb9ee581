"""Reference solution of the `training_slope` lab (SPEC §2).

`forward` and `train_model` read the notebook's globals `w`, `X` and `Y`.
"""

import matplotlib.pyplot as plt
import torch


def forward(x):
    """Predictions w * x for every row of x."""
    return w * x  # noqa: F821 - the notebook's global slope


def criterion(yhat, y):
    """Mean squared error between predictions yhat and targets y."""
    return torch.mean((yhat - y) ** 2)


def backward_update(loss, params, lr):
    """Compute gradients of loss, then take one gradient-descent step on each p in params."""
    loss.backward()
    for p in params:
        p.data = p.data - lr * p.grad


def zero_grad(params):
    """Clear p.grad for every p in params."""
    for p in params:
        if p.grad is not None:
            p.grad.zero_()


def backward_update_in_place(loss, params, lr):
    """updating the parameters in place under torch.no_grad() (p -= lr * p.grad)"""
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def zero_grad_to_none(params):
    """clearing each gradient with p.grad = None"""
    for p in params:
        p.grad = None


#: Other right ways to write an earlier cell: a later cell is checked under each of them too.
VARIANTS = {"backward_update": [backward_update_in_place], "zero_grad": [zero_grad_to_none]}


def train_model(n_iter, lr):
    """Train the global w on X, Y; return the cost of every iteration (Python floats)."""
    losses = []
    for _ in range(n_iter):
        yhat = forward(X)  # noqa: F821 - the notebook's global data
        loss = criterion(yhat, Y)  # noqa: F821
        backward_update(loss, [w], lr)  # noqa: F821
        zero_grad([w])  # noqa: F821
        losses.append(loss.item())
    return losses


def plot_loss(losses):
    """Plot cost per iteration; return the Axes."""
    fig, ax = plt.subplots()
    ax.plot(range(len(losses)), losses)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost (MSE)")
    ax.set_title("Cost per iteration")
    return ax
