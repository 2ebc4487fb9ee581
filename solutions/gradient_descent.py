"""Reference solution of the `gradient_descent` assignment (SPEC §2).

Nothing here reads notebook globals: every function works on its arguments.
"""

import math

import torch


def make_data(w, b, n, noise_std, seed):
    """n samples of the line w*x + b on [-3, 3] plus Gaussian noise of std noise_std."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.linspace(-3, 3, n).view(-1, 1)
    Y = w * X + b + noise_std * torch.randn(X.shape, generator=generator)
    return X, Y


def loss(w, x, y):
    """Squared error of the prediction w * x for one sample (x, y)."""
    return (w * x - y) ** 2


def dloss_dw(w, x, y):
    """d/dw of (w * x - y) ** 2."""
    return 2 * x * (w * x - y)


def gradient_descent(w0, x, y, lr, n_iter):
    """Gradient descent on the loss of one sample; returns [w0, w1, ..., w_n_iter]."""
    path = [float(w0)]
    w = float(w0)
    for _ in range(n_iter):
        w = w - lr * float(dloss_dw(w, x, y))
        path.append(w)
    return path


def cost(w, b, X, Y):
    """Mean squared error of the line w * x + b on the data X, Y."""
    return torch.mean((w * X + b - Y) ** 2)


def total_cost(w, b, X, Y):
    """Sum of the squared errors of the line w * x + b on the data X, Y."""
    return torch.sum((w * X + b - Y) ** 2)


def cost_gradient(w, b, X, Y):
    """(dJ/dw, dJ/db) of the mean squared error, as Python floats."""
    error = w * X + b - Y
    return float(torch.mean(2 * X * error)), float(torch.mean(2 * error))


def batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol=None):
    """Gradient descent on the cost over all samples; returns (w, b, costs)."""
    w, b = float(w0), float(b0)
    costs = []
    for _ in range(n_iter):
        current = float(cost(w, b, X, Y))
        if tol is not None and costs and abs(costs[-1] - current) < tol:
            break
        costs.append(current)
        dw, db = cost_gradient(w, b, X, Y)
        w, b = w - lr * dw, b - lr * db
    return w, b, costs


def descend(w0, x, y, lr, max_iter, tol=None, grad_tol=None):
    """Gradient descent on loss with four stopping rules; returns (ws, reason)."""
    w = float(w0)
    ws = [w]
    previous = None
    for _ in range(max_iter):
        current, slope = float(loss(w, x, y)), float(dloss_dw(w, x, y))
        if grad_tol is not None and abs(slope) < grad_tol:
            return ws, "gradient"
        if previous is not None and not current < previous:
            return ws, "no decrease"
        if tol is not None and previous is not None and previous - current < tol:
            return ws, "tol"
        w = w - lr * slope
        ws.append(w)
        previous = current
    return ws, "max_iter"


def lr_sweep(w0, x, y, lrs, n_iter):
    """The final loss of gradient descent for each learning rate, and the best rate."""
    finals = {}
    for lr in lrs:
        last = torch.tensor(gradient_descent(w0, x, y, lr, n_iter)[-1], dtype=torch.float64)
        final = float(loss(last, x, y))  # in float64: a huge last value gives inf, never an error
        finals[lr] = final if math.isfinite(final) else math.inf
    best = min(lrs, key=lambda lr: finals[lr])  # the earliest of the lowest
    return finals, best
