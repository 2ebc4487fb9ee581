"""Probes of the `best_practices` assignment (public: see ``autograder/probes/__init__.py``).

Each runs inside a copy of the student's process as ``probe(ns, **inputs)``
and returns what the student's code gave back, as data. The verdicts, the
inputs and the reference answers stay in ``autograder/checks/best_practices_cells/``.
"""

import numpy as np
import torch
from torch import nn


def standardize(ns, X, mean, std):
    given = X.clone()
    result = ns["standardize"](X) if mean is None else ns["standardize"](X, mean, std)
    return {"result": result, "changed_X": not torch.equal(X, given)}



def split(ns, X, Y, calls):
    out = []
    for fraction, seed, noise in calls:
        torch.manual_seed(noise)
        np.random.seed(noise)
        parts = ns["train_val_split"](X, Y, fraction, seed)
        out.append(list(parts) if isinstance(parts, (tuple, list)) else parts)
    return out



def early_stopping(ns, patience, min_delta, losses, weight, bias, moves):
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    if min_delta is None:
        stopper = ns["EarlyStopping"](patience)
    else:
        stopper = ns["EarlyStopping"](patience, min_delta=min_delta)

    def number(v):
        if isinstance(v, torch.Tensor) and v.numel() == 1:
            return float(v)
        return float(v) if isinstance(v, (int, float)) else None

    record = {"best_loss_start": number(getattr(stopper, "best_loss", None)),
              "counter_start": getattr(stopper, "counter", None), "stops": [], "counters": [], "best": [],
              "weights": []}
    for loss, move in zip(losses, moves):
        record["weights"].append({k: v.detach().clone() for k, v in model.state_dict().items()})
        stop = stopper.step(loss, model)
        record["stops"].append(stop if isinstance(stop, bool) else (bool(stop) if stop is not None else None))
        counter = getattr(stopper, "counter", None)
        record["counters"].append(counter if isinstance(counter, (int, float)) else None)
        record["best"].append(number(getattr(stopper, "best_loss", None)))
        with torch.no_grad():
            for p, d in zip(model.parameters(), move):
                p.add_(torch.tensor(d, dtype=p.dtype).view_as(p))
    state = getattr(stopper, "best_state", None)
    if hasattr(state, "items"):
        try:
            state = {str(k): (v.detach().clone() if isinstance(v, torch.Tensor) else v) for k, v in state.items()}
        except Exception:  # noqa: BLE001 - report the object instead
            pass
    record["best_state"] = state
    record["final"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return record



def train_step(ns, weight, bias, lr, batches, max_norm):
    model = nn.Linear(weight.shape[1], 1)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    out = []
    for X, Y in batches:
        before = {k: v.detach().clone() for k, v in model.state_dict().items()}
        with torch.no_grad():
            loss_before = loss_fn(model(X), Y).item()
        value = ns["train_step"](model, optimizer, loss_fn, X, Y, max_norm) if max_norm is not None \
            else ns["train_step"](model, optimizer, loss_fn, X, Y)
        with torch.no_grad():
            loss_after = loss_fn(model(X), Y).item()
        out.append({"returned": value, "type": type(value).__name__, "loss_before": loss_before,
                    "loss_after": loss_after, "before": before,
                    "after": {k: v.detach().clone() for k, v in model.state_dict().items()}})
    return out



def fit(ns, weight, bias, data, options, use_writer, real_writer=False):
    class RecordingWriter:
        """A stand-in for SummaryWriter that records every call."""

        def __init__(self):
            self.calls = []

        def add_scalar(self, tag, scalar_value, global_step=None, *args, **kwargs):
            self.calls.append(["add_scalar", tag, scalar_value, global_step])

        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return lambda *args, **kwargs: self.calls.append([name, None, None, None])

    def number(v):
        if isinstance(v, torch.Tensor) and v.numel() == 1:
            return float(v.detach())
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
        if hasattr(v, "item") and not isinstance(v, (list, tuple, dict)):
            try:
                return float(v.item())
            except Exception:  # noqa: BLE001
                return None
        return None

    model = nn.Linear(weight.shape[1], 1)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    # real_writer: TensorBoard's own writer, into a folder of the sandbox's private /tmp
    log_dir = fresh_log_dir() if real_writer else None  # noqa: F821 - the probe scope's
    writer = SummaryWriter(log_dir=log_dir) if real_writer else RecordingWriter() if use_writer else None  # noqa: F821
    X_train, Y_train, X_val, Y_val = data
    history = ns["fit"](model, X_train, Y_train, X_val, Y_val, writer=writer, **options)
    out = {"kind": type(history).__name__, "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}
    if isinstance(history, dict):
        out["lists"] = {key: [number(v) for v in value] if isinstance(value := history.get(key), (list, tuple))
                        else None for key in ("train_loss", "val_loss", "lr")}
        out["keys"] = sorted(str(k) for k in history)
        out["best_epoch"] = number(history.get("best_epoch"))
    if log_dir is not None:
        writer.close()
        out["events"] = tensorboard_scalars(log_dir)  # noqa: F821
    elif writer is not None:
        out["calls"] = [[name, str(tag) if tag is not None else None, number(value), number(step)]
                        for name, tag, value, step in writer.calls]
    return out


def to_original_units(ns, calls):
    return [ns["to_original_units"](*args) for args in calls]


def loss_trend(ns, calls):
    out = []
    for losses, options in calls:
        try:
            out.append({"value": ns["loss_trend"](losses, **options), "error": None})
        except Exception as exc:  # noqa: BLE001 - reported as data, judged by the check
            if type(exc).__name__ == "NotImplementedError":
                raise
            out.append({"value": None, "error": type(exc).__name__})
    return out
