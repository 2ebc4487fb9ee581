"""Reference solution of the `best_practices` lab (SPEC §2).

Only ``torch`` and ``nn`` are used, so that a check can exec a function's source
into a student's notebook (whose provided imports cell defines both).
"""

import torch
from torch import nn


def standardize(X, mean=None, std=None):
    """(X - mean) / std per column; the statistics come from X unless they are given."""
    if mean is None:
        mean = X.mean(dim=0)
    if std is None:
        std = X.std(dim=0)
    return (X - mean) / std, mean, std


def train_val_split(X, Y, val_fraction, seed):
    """Shuffled, reproducible split of the rows of (X, Y) into training and validation parts."""
    n = X.shape[0]
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(n, generator=generator)
    n_val = round(n * val_fraction)
    val, train = order[:n_val], order[n_val:]
    return X[train], Y[train], X[val], Y[val]


class EarlyStopping:
    """Stop when the validation loss has not improved for `patience` epochs; remember the best weights."""

    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_state = None
        self.counter = 0

    def step(self, val_loss, model):
        """Record one epoch's validation loss; return True when training should stop now."""
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience


def train_step(model, optimizer, loss_fn, X, Y, max_norm=None):
    """One optimisation step on (X, Y); returns the loss before the step as a float."""
    optimizer.zero_grad()
    loss = loss_fn(model(X), Y)
    loss.backward()
    if max_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def fit(model, X_train, Y_train, X_val, Y_val, lr, epochs, patience, max_norm=None,
        step_size=None, gamma=0.1, writer=None):
    """Train with SGD + MSE, an optional StepLR schedule, clipping and early stopping; return the history."""
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = None
    if step_size is not None:
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    stopper = EarlyStopping(patience)
    history = {"train_loss": [], "val_loss": [], "lr": [], "best_epoch": None}
    for epoch in range(epochs):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        train_loss = train_step(model, optimizer, loss_fn, X_train, Y_train, max_norm)
        with torch.no_grad():
            val_loss = loss_fn(model(X_val), Y_val).item()
        history["train_loss"].append(train_loss)
        history["val_loss"].append(val_loss)
        if writer is not None:
            writer.add_scalar("loss/train", train_loss, epoch)
            writer.add_scalar("loss/val", val_loss, epoch)
        stop = stopper.step(val_loss, model)
        if stopper.counter == 0:
            history["best_epoch"] = epoch
        if scheduler is not None:
            scheduler.step()
        if stop:
            break
    if stopper.best_state is not None:
        model.load_state_dict(stopper.best_state)
    return history


def to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std):
    """The line w_std * x' + b_std, fitted on standardised x and y, in the data's own units: (w, b)."""
    w_std, b_std, x_mean, x_std, y_mean, y_std = (float(v) for v in (w_std, b_std, x_mean, x_std, y_mean, y_std))
    w = w_std * y_std / x_std
    return w, y_mean + y_std * b_std - w * x_mean


def loss_trend(losses, window=5, rel_tol=1e-3):
    """'increasing', 'plateau' or 'decreasing': what the last `window` epochs of `losses` did."""
    if len(losses) < window + 1:
        raise ValueError(f"loss_trend needs at least window + 1 = {window + 1} losses, got {len(losses)}")
    a, z = float(losses[-window - 1]), float(losses[-1])
    if z > a:
        return "increasing"
    if a - z < rel_tol * abs(a):
        return "plateau"
    return "decreasing"
