"""Realistic submissions of the best_practices lab: mistakes and correct variants.

Each mistake is a different misunderstanding a student really has (the classic
bugs of issue 4 among them); each variant is a different correct way to write a cell.
"""

from tests.support import Case


def _mistake(name, cell, code, message):
    return Case(name, {cell: code}, loses=frozenset({f"test_{cell}"}), message=message)


_ES = ("class EarlyStopping:\n    def __init__(self, patience, min_delta=0.0):\n        self.patience = patience\n"
       "        self.min_delta = min_delta\n        self.best_loss = float('inf')\n        self.best_state = None\n"
       "        self.counter = 0\n\n    def step(self, val_loss, model):\n        if {better}:\n"
       "            self.best_loss = val_loss\n            self.best_state = {state}\n            self.counter = 0\n"
       "        else:\n            self.counter += 1\n        return {stop}\n")


def _es(better="val_loss < self.best_loss - self.min_delta", state="copy.deepcopy(model.state_dict())",
        stop="self.counter >= self.patience"):
    return _ES.format(better=better, state=state, stop=stop)


_STEP = ("def train_step(model, optimizer, loss_fn, X, Y, max_norm=None):\n{zero}"
         "    loss = loss_fn(model(X), Y)\n    loss.backward()\n{clip_before}    optimizer.step()\n{clip_after}"
         "    return {ret}\n")
_CLIP = "    if max_norm is not None:\n        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"


def _step(zero="    optimizer.zero_grad()\n", clip_before=_CLIP, clip_after="", ret="loss.item()"):
    return _STEP.format(zero=zero, clip_before=clip_before, clip_after=clip_after, ret=ret)


_FIT = '''def fit(model, X_train, Y_train, X_val, Y_val, lr, epochs, patience, max_norm=None,
        step_size=None, gamma=0.1, writer=None):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = None
    if step_size is not None:
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    stopper = EarlyStopping(patience)
    history = {"train_loss": [], "val_loss": [], "lr": [], "best_epoch": None}
    stop = False
    for epoch in range(epochs):
        PRE
        history["lr"].append(optimizer.param_groups[0]["lr"])
        train_loss = train_step(model, optimizer, loss_fn, X_train, Y_train, MAXNORM)
        with torch.no_grad():
            val_loss = loss_fn(model(X_val), Y_val).item()
        history["train_loss"].append(train_loss)
        history["val_loss"].append(val_loss)
        if writer is not None:
            writer.add_scalar("loss/train", train_loss, STEP)
            writer.add_scalar("loss/val", val_loss, STEP)
        stop = stopper.step(val_loss, model)
        if stopper.counter == 0:
            history["best_epoch"] = epoch
        if scheduler is not None:
            SCHED
        POST
    RESTORE
    return history
'''


def _fit(pre="", maxnorm="max_norm", step="epoch", sched="scheduler.step()", post="if stop:\n            break",
         restore="model.load_state_dict(stopper.best_state)"):
    code = _FIT.replace("PRE", pre or "pass").replace("MAXNORM", maxnorm).replace("STEP", step)
    return code.replace("SCHED", sched).replace("POST", post or "pass").replace("RESTORE", restore or "pass")


TREND_SMALLEST = ("def loss_trend(losses, window=5, rel_tol=1e-3):\n    if len(losses) < window + 1:\n"
                  "        raise ValueError('too few losses')\n    recent = losses[-window - 1:]\n"
                  "    a = recent[0]\n    if recent[-1] > a:\n        return 'increasing'\n"
                  "    if a - min(recent) < rel_tol * abs(a):\n        return 'plateau'\n    return 'decreasing'\n")


MISTAKES = [
    _mistake("standardize_ignores_the_training_statistics", "standardize",
             "def standardize(X, mean=None, std=None):\n    mean = X.mean(dim=0)\n    std = X.std(dim=0)\n"
             "    return (X - mean) / std, mean, std\n", "its own statistics"),
    _mistake("standardize_one_mean_for_the_whole_table", "standardize",
             "def standardize(X, mean=None, std=None):\n    if mean is None:\n        mean = X.mean()\n"
             "    if std is None:\n        std = X.std()\n    return (X - mean) / std, mean, std\n", "single mean"),
    _mistake("standardize_forgets_to_divide", "standardize",
             "def standardize(X, mean=None, std=None):\n    if mean is None:\n        mean = X.mean(0)\n"
             "    if std is None:\n        std = X.std(0)\n    return X - mean, mean, std\n", "did not divide"),
    _mistake("standardize_returns_std_before_mean", "standardize",
             "def standardize(X, mean=None, std=None):\n    mean = X.mean(0) if mean is None else mean\n"
             "    std = X.std(0) if std is None else std\n    return (X - mean) / std, std, mean\n", "(X_std, mean, std)"),
    _mistake("split_in_scikit_learns_order", "train_val_split",
             "def train_val_split(X, Y, val_fraction, seed):\n    g = torch.Generator().manual_seed(seed)\n"
             "    idx = torch.randperm(len(X), generator=g)\n    k = round(len(X) * val_fraction)\n"
             "    return X[idx[k:]], X[idx[:k]], Y[idx[k:]], Y[idx[:k]]\n", "scikit-learn"),
    _mistake("split_shuffles_X_and_Y_with_different_permutations", "train_val_split",
             "def train_val_split(X, Y, val_fraction, seed):\n    g = torch.Generator().manual_seed(seed)\n"
             "    n = len(X)\n    n_val = round(n * val_fraction)\n    X = X[torch.randperm(n, generator=g)]\n"
             "    Y = Y[torch.randperm(n, generator=g)]\n    return X[n_val:], Y[n_val:], X[:n_val], Y[:n_val]\n",
             "different permutations"),
    _mistake("split_without_shuffling", "train_val_split",
             "def train_val_split(X, Y, val_fraction, seed):\n    n_train = len(X) - round(len(X) * val_fraction)\n"
             "    return X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]\n", "did not shuffle"),
    _mistake("split_uses_the_global_random_state", "train_val_split",
             "def train_val_split(X, Y, val_fraction, seed):\n    order = torch.randperm(len(X))\n"
             "    n_val = round(len(X) * val_fraction)\n"
             "    return X[order[n_val:]], Y[order[n_val:]], X[order[:n_val]], Y[order[:n_val]]\n", "same seed"),
    _mistake("split_truncates_the_validation_size", "train_val_split",
             "def train_val_split(X, Y, val_fraction, seed):\n    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))\n"
             "    n_val = int(len(X) * val_fraction)\n"
             "    return X[order[n_val:]], Y[order[n_val:]], X[order[:n_val]], Y[order[:n_val]]\n", "int() truncates"),
    _mistake("early_stopping_one_epoch_late", "EarlyStopping", _es(stop="self.counter > self.patience"),
             "one epoch late"),
    _mistake("to_original_units_divides_the_other_way", "to_original_units",
             'def to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std):\n    w_std, b_std, x_mean, x_std, y_mean, y_std = (float(v) for v in (w_std, b_std, x_mean, x_std, y_mean, y_std))\n    w = w_std * x_std / y_std\n    return w, y_mean + y_std * b_std - w * x_mean\n',
             "upside down"),
    _mistake("to_original_units_forgets_the_input_mean", "to_original_units",
             'def to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std):\n    w_std, b_std, x_mean, x_std, y_mean, y_std = (float(v) for v in (w_std, b_std, x_mean, x_std, y_mean, y_std))\n    w = w_std * y_std / x_std\n    return w, y_mean + y_std * b_std\n', "- w * x_mean"),
    _mistake("to_original_units_keeps_tensors", "to_original_units",
             "def to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std):\n    w = w_std * y_std / x_std\n"
             "    return w, y_mean + y_std * b_std - w * x_mean\n", "not a Python float"),
    _mistake("loss_trend_looks_one_epoch_short", "loss_trend",
             "def loss_trend(losses, window=5, rel_tol=1e-3):\n    if len(losses) < window + 1:\n        raise ValueError('too few losses')\n    a, z = losses[-window], losses[-1]\n    if z > a:\n        return 'increasing'\n    if a - z < rel_tol * abs(a):\n        return 'plateau'\n    return 'decreasing'\n",
             "losses[-window - 1]"),
    _mistake("loss_trend_uses_an_absolute_tolerance", "loss_trend",
             "def loss_trend(losses, window=5, rel_tol=1e-3):\n    if len(losses) < window + 1:\n        raise ValueError('too few losses')\n    a, z = losses[-window - 1], losses[-1]\n    if z > a:\n        return 'increasing'\n    if a - z < rel_tol:\n        return 'plateau'\n    return 'decreasing'\n", "relative"),
    _mistake("loss_trend_takes_the_smallest_of_the_window", "loss_trend",
             TREND_SMALLEST, "not the smallest"),
    _mistake("loss_trend_never_raises", "loss_trend",
             "def loss_trend(losses, window=5, rel_tol=1e-3):\n    if len(losses) < window + 1:\n        return 'plateau'\n    a, z = losses[-window - 1], losses[-1]\n    if z > a:\n        return 'increasing'\n    if a - z < rel_tol * abs(a):\n        return 'plateau'\n    return 'decreasing'\n", "ValueError"),
    _mistake("early_stopping_stops_only_at_patience", "EarlyStopping", _es(stop="self.counter == self.patience"),
             "counter >= patience"),
    _mistake("early_stopping_keeps_a_live_state_dict", "EarlyStopping", _es(state="model.state_dict()"),
             "changed with the model"),
    _mistake("early_stopping_counts_a_tie_as_improvement", "EarlyStopping",
             _es(better="val_loss <= self.best_loss - self.min_delta"), "strictly lower"),
    _mistake("early_stopping_sets_best_loss_every_epoch", "EarlyStopping",
             _es().replace("            self.best_loss = val_loss\n", "").replace(
                 "        return ", "        self.best_loss = val_loss\n        return "), "better or not"),
    _mistake("early_stopping_ignores_min_delta", "EarlyStopping", _es(better="val_loss < self.best_loss"),
             "ignored min_delta"),
    _mistake("train_step_never_zeroes_the_gradients", "train_step", _step(zero=""), "zero_grad"),
    _mistake("train_step_clips_after_the_optimizer_step", "train_step", _step(clip_before="", clip_after=_CLIP),
             "clipping after the step"),
    _mistake("train_step_returns_the_loss_tensor", "train_step", _step(ret="loss"), "loss.item()"),
    _mistake("fit_trains_with_adam", "fit", _fit().replace("torch.optim.SGD", "torch.optim.Adam"), "SGD with lr"),
    _mistake("standardize_overwrites_X", "standardize",
             "def standardize(X, mean=None, std=None):\n    if mean is None:\n        mean = X.mean(0)\n"
             "    if std is None:\n        std = X.std(0)\n    X -= mean\n    X /= std\n    return X, mean, std\n",
             "changed the X it was given"),
    _mistake("fit_schedule_never_steps", "fit", _fit(sched="pass"), "never changed"),
    _mistake("fit_keeps_the_last_weights", "fit", _fit(restore=""), "load them back"),
    _mistake("fit_restores_the_best_weights_only_on_an_early_stop", "fit",
             _fit(post="if stop:\n            model.load_state_dict(stopper.best_state)\n            break", restore=""),
             "not only when it stops early"),
    _mistake("fit_numbers_logged_epochs_from_one", "fit", _fit(step="epoch + 1"), "numbered from 0"),
    _mistake("fit_trains_one_epoch_after_the_stop", "fit",
             _fit(post="if stopper.counter > patience:\n            break"), "one epoch too many"),
    _mistake("fit_forgets_to_pass_max_norm", "fit", _fit(maxnorm="None"), "without gradient clipping"),
]

VARIANTS = [
    Case("to_original_units_with_item_and_slope_first", {"to_original_units":
         "def to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std):\n"
         "    num = lambda v: torch.as_tensor(v, dtype=torch.float64).item()\n"
         "    slope = num(w_std) * num(y_std) / num(x_std)\n"
         "    return slope, num(y_mean) - slope * num(x_mean) + num(b_std) * num(y_std)\n"}),
    Case("loss_trend_with_a_slice_and_elif", {"loss_trend":
         "def loss_trend(losses, window=5, rel_tol=1e-3):\n    recent = list(losses)[-(window + 1):]\n"
         "    if len(recent) != window + 1:\n        raise ValueError(f'need {window + 1} losses')\n"
         "    first, last = recent[0], recent[-1]\n    if last > first:\n        trend = 'increasing'\n"
         "    elif (first - last) < rel_tol * abs(first):\n        trend = 'plateau'\n"
         "    else:\n        trend = 'decreasing'\n    return trend\n"}),
    Case("standardize_population_std_keepdim", {"standardize":
         "def standardize(X, mean=None, std=None):\n    if mean is None or std is None:\n"
         "        mean = X.mean(dim=0, keepdim=True)\n        std = X.std(dim=0, unbiased=False, keepdim=True)\n"
         "    X_std = (X - mean) / std\n    return X_std, mean, std\n"}),
    Case("standardize_with_std_mean", {"standardize":
         "def standardize(X, mean=None, std=None):\n    if mean is None:\n        std_, mean = torch.std_mean(X, dim=0)\n"
         "        std = std_ if std is None else std\n    elif std is None:\n        std = X.std(0)\n"
         "    return (X - mean) / std, mean, std\n"}),
    Case("split_drawn_with_numpy", {"train_val_split":
         "import numpy as np\n\ndef train_val_split(X, Y, val_fraction, seed):\n"
         "    rng = np.random.default_rng(seed)\n    idx = torch.as_tensor(rng.permutation(len(X)))\n"
         "    n_val = int(round(len(X) * val_fraction))\n    val_idx, train_idx = idx[:n_val], idx[n_val:]\n"
         "    return X[train_idx], Y[train_idx], X[val_idx], Y[val_idx]\n"}),
    Case("split_seeding_torch_then_index_select", {"train_val_split":
         "def train_val_split(X, Y, val_fraction, seed):\n    torch.manual_seed(seed)\n    perm = torch.randperm(X.shape[0])\n"
         "    n_train = X.shape[0] - round(X.shape[0] * val_fraction)\n    tr, va = perm[:n_train], perm[n_train:]\n"
         "    return X.index_select(0, tr), Y.index_select(0, tr), X.index_select(0, va), Y.index_select(0, va)\n"}),
    Case("early_stopping_state_copied_with_clone", {"EarlyStopping": _es(
         better="self.best_loss - val_loss > self.min_delta",
         state="{k: v.detach().clone() for k, v in model.state_dict().items()}").replace(
         "float('inf')", "math.inf").replace("class EarlyStopping", "import math\n\nclass EarlyStopping")}),
    Case("train_step_model_zero_grad_and_float", {"train_step":
         "def train_step(model, optimizer, loss_fn, X, Y, max_norm=None):\n    model.zero_grad(set_to_none=True)\n"
         "    prediction = model(X)\n    loss = loss_fn(prediction, Y)\n    loss.backward()\n    if max_norm:\n"
         "        nn.utils.clip_grad_norm_(list(model.parameters()), max_norm=max_norm)\n    optimizer.step()\n"
         "    return float(loss)\n"}),
    Case("fit_written_another_way", {"fit": '''def fit(model, X_train, Y_train, X_val, Y_val, lr, epochs, patience, max_norm=None,
        step_size=None, gamma=0.1, writer=None):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    mse = nn.MSELoss()
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma) if step_size else None
    early = EarlyStopping(patience=patience)
    train_losses, val_losses, lrs = [], [], []
    epoch = 0
    while epoch < epochs:
        lrs.append(scheduler.get_last_lr()[0] if scheduler else lr)
        train_losses.append(train_step(model, optimizer, mse, X_train, Y_train, max_norm=max_norm))
        model.eval()
        with torch.no_grad():
            val_losses.append(((model(X_val) - Y_val) ** 2).mean().item())
        model.train()
        if writer:
            for tag, value in (("loss/train", train_losses[-1]), ("loss/val", val_losses[-1])):
                writer.add_scalar(tag, value, global_step=epoch)
        should_stop = early.step(val_losses[-1], model)
        if scheduler:
            scheduler.step()
        epoch += 1
        if should_stop:
            break
    model.load_state_dict(early.best_state)
    best = val_losses.index(min(val_losses))
    return {"train_loss": train_losses, "val_loss": val_losses, "lr": lrs, "best_epoch": best}
'''}),
    Case("ipython_magics_and_extra_cells", extra_cells=("%matplotlib inline\n!pip list\nprint(history['best_epoch'])",
                                                        "%%time\nh = fit(nn.Linear(1, 1), X_train_s, Y_train, X_val_s, "
                                                        "Y_val, 0.1, 5, 2)\n")),
]
