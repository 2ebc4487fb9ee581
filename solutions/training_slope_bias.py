"""Reference solution of the `training_slope_bias` lab (SPEC §2).

`forward` and `train_model` read the notebook's globals `w`, `b`, `X` and `Y`.
"""

import matplotlib.pyplot as plt
import torch

# The cost and the update step are the same as in the slope-only lab (SPEC §2).
from solutions.training_slope import VARIANTS, backward_update, criterion, zero_grad  # noqa: F401


def forward(x):
    """Predictions w * x + b for every row of x."""
    return w * x + b  # noqa: F821 - the notebook's global slope and bias


def cost_surface(w_values, b_values, X, Y):
    """Z[i, j] = mean squared error of the line w_values[j] * x + b_values[i] on (X, Y)."""
    Z = torch.zeros(len(b_values), len(w_values))
    for i, b_i in enumerate(b_values):
        for j, w_j in enumerate(w_values):
            Z[i, j] = torch.mean((w_j * X + b_i - Y) ** 2)
    return Z


def train_model(epochs, lr):
    """Train the globals w and b on X, Y; return (costs per epoch, path of (w, b) points)."""
    losses = []
    path = [(w.item(), b.item())]  # noqa: F821 - the notebook's global parameters
    for _ in range(epochs):
        yhat = forward(X)  # noqa: F821 - the notebook's global data
        loss = criterion(yhat, Y)  # noqa: F821
        backward_update(loss, [w, b], lr)  # noqa: F821
        zero_grad([w, b])  # noqa: F821
        losses.append(loss.item())
        path.append((w.item(), b.item()))  # noqa: F821
    return losses, path


def plot_contour(w_values, b_values, Z, path):
    """Contours of Z over (w, b) with the training path drawn on top; return the Axes."""
    fig, ax = plt.subplots()
    contours = ax.contour(w_values, b_values, Z, levels=20, cmap="viridis")
    ax.clabel(contours, fontsize=7)
    path_w = [p[0] for p in path]
    path_b = [p[1] for p in path]
    ax.plot(path_w, path_b, "o-", color="red", markersize=4, label="(w, b) during training")
    ax.set_xlabel("slope w")
    ax.set_ylabel("bias b")
    ax.set_title("Cost contours and the training path")
    ax.legend()
    return ax
