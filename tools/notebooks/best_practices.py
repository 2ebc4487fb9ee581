import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nbtools import HOW_GRADED, NB
from solutions import best_practices as ref  # noqa: E402 - every answer cell is rendered from it
nb = NB("best_practices")
nb.md(r"""
# Module 2 lab: best practices for training

The previous labs trained on tidy data: inputs between -3 and 3, no bad measurements, and
no question of how well the model would do on data it had not seen. Real data are not like
that. In this lab the input is on a scale of **hundreds**, a few targets are **outliers**,
and we hold back a **validation set** to judge the model honestly. On this data you will
see, and fix, the problems the usual good habits are there for:

1. choosing a learning rate, and lowering it during training with a **schedule**;
2. **standardising** the input with statistics of the training data only;
3. a shuffled, reproducible **train/validation split**;
4. **gradient clipping** when a batch produces huge gradients;
5. **early stopping** on the validation loss, keeping a copy of the best weights;
6. **monitoring** the training and validation losses, as plots and through TensorBoard's
   `SummaryWriter` interface.

This time the model is PyTorch's own `nn.Linear`, trained with `torch.optim.SGD` and
`nn.MSELoss`, the tools you will use from now on.

""" + HOW_GRADED)
nb.provided("imports", """
import copy
import torch
from torch import nn
from torch.utils.tensorboard import SummaryWriter
import matplotlib.pyplot as plt
""")
nb.md(r"""
## 1. The data

120 measurements of one feature $x$ between 50 and 400 (think of floor areas in square
metres) and a target that grows with it, $y = 0.03\,x + 5$ plus noise. Five of the
measurements are faulty: their targets are 20 to 30 too high. Outliers like these are
common in real data, and they will matter below.
""")
nb.provided("setup", """
torch.manual_seed(0)
N = 120
X_all = 50 + 350 * torch.rand(N, 1)
Y_all = 0.03 * X_all + 5 + 0.8 * torch.randn(N, 1)
outliers = [7, 31, 58, 90, 104]
Y_all[outliers] += torch.tensor([[25.0], [30.0], [22.0], [28.0], [26.0]])
""")
nb.provided("plot_data", """
plt.plot(X_all.numpy(), Y_all.numpy(), "o", markersize=4, label="measurements")
plt.plot(X_all[outliers].numpy(), Y_all[outliers].numpy(), "o", markersize=8, mfc="none", color="red", label="outliers")
plt.xlabel("x")
plt.ylabel("y")
plt.legend()
plt.show()
""")
nb.md(r"""
## 2. Choosing a learning rate

The learning rate $\eta$ sets the size of every step. Too small, and training crawls; too
large, and each step **overshoots** the minimum by more than it started with, so the loss
grows at every step until it becomes `inf` or `nan`. A moderate value, such as 0.01 or 0.1
**on well-scaled data**, is the usual place to start.

On our raw data the safe range is strange. The gradient with respect to the slope is an
average of $2\,x\,(\hat y - y)$, and $x$ is in the hundreds, so it is huge: any learning
rate above about $10^{-5}$ diverges. But at $10^{-5}$ the bias, whose gradient has no factor
$x$, barely moves at all. No single learning rate suits both parameters. The next cell
trains `nn.Linear(1, 1)` with `torch.optim.SGD` and `nn.MSELoss()` on the raw data for a few
learning rates (a plain loop; you will write a tidier one in section 5).
""")
nb.provided("lr_demo", """
def train_raw(lr, epochs=40):
    torch.manual_seed(1)
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X_all), Y_all)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses

for lr in (1e-6, 1e-5, 2e-5):
    model_raw, raw_losses = train_raw(lr)
    plt.plot(raw_losses, label=f"lr = {lr:g}")
    print(f"lr = {lr:g}: final loss {raw_losses[-1]:.4g}, bias {model_raw.bias.item():.4f}")
plt.yscale("log")
plt.ylim(1, 1e12)
plt.xlabel("epoch")
plt.ylabel("training loss (log scale)")
plt.title("Raw data: too small crawls, too large explodes")
plt.legend()
plt.show()
""")
nb.md(r"""
### Learning-rate schedules

Even with a good starting rate, a step that is right at the beginning (far from the
minimum) is often too big at the end, where the model bounces around the minimum instead of
settling. A **learning-rate scheduler** changes the rate during training. The simplest,
`torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma)`, multiplies the rate by
`gamma` every `step_size` epochs. It counts epochs by the calls to `scheduler.step()`, which
you make **once per epoch, after** `optimizer.step()`; a scheduler that is never stepped
never changes anything. (Other schedulers decay the rate smoothly, or raise and lower it in
cycles to help training escape poor regions.)
""")
nb.provided("schedule_demo", """
demo_model = nn.Linear(1, 1)
demo_optimizer = torch.optim.SGD(demo_model.parameters(), lr=0.1)
demo_scheduler = torch.optim.lr_scheduler.StepLR(demo_optimizer, step_size=3, gamma=0.5)
for epoch in range(8):
    print(f"epoch {epoch}: lr = {demo_optimizer.param_groups[0]['lr']:.4f}")
    demo_optimizer.step()      # (training would happen here)
    demo_scheduler.step()      # once per epoch, after the optimizer's step
""")
nb.md(r"""
Two schedules side by side, over 40 epochs from the same optimizer settings. `StepLR` only
ever lowers the rate, in stairs: the usual choice when training should settle at the end.
`CyclicLR` sweeps the rate up and down between a low and a high value (here every 10 epochs
up, 10 down): the high phases let training move quickly across flat regions and out of poor
ones, the low phases let it settle, and it spares you from picking one rate exactly. It is
stepped once per batch in practice; here one batch is one epoch.
""")
nb.provided("cyclic_lr_demo", """
def rates_per_epoch(make_scheduler, epochs=40):
    optimizer = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates

step_rates = rates_per_epoch(lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5))
cyclic_rates = rates_per_epoch(lambda opt: torch.optim.lr_scheduler.CyclicLR(
    opt, base_lr=0.01, max_lr=0.1, step_size_up=10, mode="triangular"))
plt.step(range(40), step_rates, where="post", label="StepLR(step_size=10, gamma=0.5)")
plt.plot(range(40), cyclic_rates, "o-", markersize=3, label="CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=10)")
plt.xlabel("epoch")
plt.ylabel("learning rate")
plt.legend()
plt.show()
""")
nb.md(r"""
## 3. Standardising the input

The cure for badly scaled inputs is to rescale them. **Standardising** a feature subtracts
its mean and divides by its standard deviation,

$$x' = \frac{x - \mu}{\sigma},$$

so that it has mean 0 and standard deviation 1. Every feature then lives on the same scale,
the cost surface becomes a round bowl instead of a long narrow valley, and one moderate
learning rate works for all the parameters. (If the target were on a huge scale too, you
would standardise it the same way.)

Two details matter:

* With several features (columns), each column gets its **own** mean and standard
  deviation: compute them along `dim=0`.
* The statistics $\mu$ and $\sigma$ are part of the model, learnt **from the training data
  only**. Validation data (and any future data) must be transformed with the **training**
  $\mu$ and $\sigma$; standardising validation data with its own statistics would shift
  and stretch it differently from what the model was trained on, and it lets information
  about the validation set leak into training. That is why the function takes optional
  statistics. (scikit-learn's `StandardScaler` does the same: `fit` on the training data,
  `transform` everything else.)

Dividing by $N$ or by $N - 1$ in the standard deviation are both fine here (`X.std(dim=0)`
uses $N - 1$; `X.std(dim=0, unbiased=False)` uses $N$).

**Your task.** Write `standardize(X, mean=None, std=None)` returning `(X_std, mean, std)`.
When `mean` and `std` are not given, compute them per column of `X`; when they are given,
use them unchanged.
""")
nb.answer("standardize", ref.standardize)
nb.test("test_standardize", """
# Checks for standardize
_X = torch.tensor([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0], [7.0, 90.0]])
_Xs, _mean, _std = standardize(_X)
assert _Xs.shape == _X.shape, f"X_std should have the shape of X, {tuple(_X.shape)}; got {tuple(_Xs.shape)}"
assert torch.allclose(_mean.flatten(), torch.tensor([4.0, 45.0])), f"expected one mean per column [4, 45], got {_mean}"
assert torch.allclose(_Xs.mean(dim=0), torch.zeros(2), atol=1e-5), "every column of X_std should have mean 0"
assert torch.allclose(_Xs * _std + _mean, _X, atol=1e-4), "X_std should be (X - mean) / std"
_new, _m2, _s2 = standardize(torch.tensor([[4.0, 45.0]]), _mean, _std)
assert torch.allclose(_new, torch.zeros(1, 2), atol=1e-6), "given statistics must be used (the training mean maps to 0)"
print("standardize: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 4. A validation set

The training loss says how well the model fits the data it learnt from; it cannot say how
well it does on new data. So we keep part of the data aside, the **validation set**, never
train on it, and evaluate the model on it as training goes. The validation loss is what we
use to compare settings and to decide when to stop.

The split must be:

* **shuffled**: data files are often sorted (by date, by size, ...), and the last rows are
  not a fair sample;
* **reproducible**: the same `seed` must give the same split, so results can be compared
  and repeated; use a generator of your own, e.g.
  `torch.randperm(n, generator=torch.Generator().manual_seed(seed))` (or numpy's
  `np.random.default_rng(seed)`);
* **paired**: `X` and `Y` rows must be shuffled with the *same* permutation, or every
  input ends up with someone else's target;
* **disjoint**: no row in both parts.

**Your task.** Write `train_val_split(X, Y, val_fraction, seed)` returning
`(X_train, Y_train, X_val, Y_val)`, with `round(n * val_fraction)` rows in the validation
part and the rest in the training part.
""")
nb.answer("train_val_split", ref.train_val_split)
nb.test("test_train_val_split", """
# Checks for train_val_split
_X = torch.arange(20.0).view(-1, 1)
_Y = 10 * _X
_Xt, _Yt, _Xv, _Yv = train_val_split(_X, _Y, 0.25, seed=3)
assert len(_Xv) == 5 and len(_Xt) == 15, f"expected 15 training and 5 validation rows, got {len(_Xt)} and {len(_Xv)}"
assert torch.equal(_Yt, 10 * _Xt) and torch.equal(_Yv, 10 * _Xv), "X and Y rows must stay paired (use one permutation for both)"
assert sorted(torch.cat([_Xt, _Xv]).flatten().tolist()) == list(range(20)), "every row must be in exactly one part"
assert not torch.equal(_Xt.flatten(), torch.arange(15.0)) and not torch.equal(_Xt.flatten(), torch.arange(5.0, 20.0)), \\
    "the rows should be shuffled before splitting"
_again = train_val_split(_X, _Y, 0.25, seed=3)
assert torch.equal(_again[0], _Xt) and torch.equal(_again[2], _Xv), "the same seed must give the same split"
print("train_val_split: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
Now split the data (a quarter for validation), then standardise: the statistics come from
the training part and are applied to both parts. The targets are on a reasonable scale
already and stay as they are.
""")
nb.provided("prepare_data", """
X_train, Y_train, X_val, Y_val = train_val_split(X_all, Y_all, 0.25, seed=0)
X_train_s, x_mean, x_std = standardize(X_train)
X_val_s, _, _ = standardize(X_val, x_mean, x_std)
print(f"{len(X_train)} training rows, {len(X_val)} validation rows")
print(f"training mean {x_mean.item():.1f}, std {x_std.item():.1f}")
print(f"standardised: training mean {X_train_s.mean().item():.3f}, validation mean {X_val_s.mean().item():.3f} (close to 0, not exactly)")
""")
nb.md(r"""
### Scaling the output too

The same trick works on the targets: train on $y' = (y - \bar{y}) / s_y$ as well, so that the
cost, the gradients and a sensible learning rate no longer depend on the units of $y$ (dollars
or thousands of dollars). The model then learns a line in standardised units,
$y' = w' x' + b'$. To use it on real data, convert the line back: substitute
$x' = (x - \bar{x}) / s_x$ and $y' = (y - \bar{y}) / s_y$ and solve for $y$,

$$y = \underbrace{w' \frac{s_y}{s_x}}_{w}\, x + \underbrace{\bar{y} + s_y b' - w \bar{x}}_{b}.$$

**Your task.** Write `to_original_units(w_std, b_std, x_mean, x_std, y_mean, y_std)` returning
`(w, b)` as Python floats, the slope and bias of that line in the data's own units. Each
argument may be a float or a one-element tensor (such as a mean that `standardize` returned).
""")
nb.answer("to_original_units", ref.to_original_units)
nb.test("test_to_original_units", """
# Checks for to_original_units: x has mean 10 and std 2, y has mean 100 and std 4
_w, _b = to_original_units(0.5, 0.2, 10.0, 2.0, 100.0, 4.0)
assert isinstance(_w, float) and isinstance(_b, float), f"return Python floats; got {type(_w).__name__} and {type(_b).__name__}"
assert abs(_w - 1.0) < 1e-9, f"w = w_std * y_std / x_std = 0.5 * 4 / 2 = 1.0; got {_w}"
assert abs(_b - 90.8) < 1e-9, f"b = y_mean + y_std * b_std - w * x_mean = 100 + 0.8 - 10 = 90.8; got {_b}"
_w, _b = to_original_units(torch.tensor(0.5), torch.tensor([0.2]), torch.tensor([10.0]), 2.0, 100.0, torch.tensor(4.0))
assert isinstance(_w, float) and abs(_w - 1.0) < 1e-6 and abs(_b - 90.8) < 1e-5, "one-element tensors work as numbers too"
print("to_original_units: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
A check of the algebra on the lab's data: fit the line on standardised inputs *and* outputs
(least squares, the exact minimum of the cost), convert it back, and compare it with the line
fitted directly in the original units. They are the same line.
""")
nb.provided("output_scaling_demo", """
Y_train_s, y_mean, y_std = standardize(Y_train)
A_s = torch.cat([X_train_s, torch.ones_like(X_train_s)], dim=1)
w_s, b_s = torch.linalg.lstsq(A_s, Y_train_s).solution.flatten().tolist()
w_back, b_back = to_original_units(w_s, b_s, x_mean, x_std, y_mean, y_std)
A_raw = torch.cat([X_train, torch.ones_like(X_train)], dim=1)
w_raw, b_raw = torch.linalg.lstsq(A_raw, Y_train).solution.flatten().tolist()
print(f"standardised fit:  w' = {w_s:.4f}, b' = {b_s:.4f}")
print(f"converted back:    w  = {w_back:.4f}, b  = {b_back:.4f}")
print(f"fitted on the raw: w  = {w_raw:.4f}, b  = {b_raw:.4f}")
""")
nb.md(r"""
## 5. One training step, with gradient clipping

With `torch.optim`, one step of gradient descent is always the same five lines:

1. `optimizer.zero_grad()`: clear the gradients of the previous step (they accumulate
   otherwise, exactly as in the earlier labs);
2. forward pass and loss: `loss = loss_fn(model(X), Y)`;
3. `loss.backward()`;
4. *(optional)* **clip** the gradients;
5. `optimizer.step()`: update every parameter with its gradient.

**Gradient clipping.** A batch with extreme values (badly scaled inputs, outliers, or just
a bad moment in a deep network) can produce enormous gradients, and one enormous step can
throw the parameters so far that training never recovers, the **exploding gradients**
problem. `torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)` looks at all the
gradients together as one vector and, if its length (norm) exceeds `max_norm`, scales them
down to length `max_norm`. The direction is kept; only the step size is capped. It must
run **between** `backward()` (which makes the gradients) and `optimizer.step()` (which
uses them): clipping after the step changes nothing.

**Your task.** Write `train_step(model, optimizer, loss_fn, X, Y, max_norm=None)`: the five
steps above, clipping only when `max_norm` is given, returning the loss as a Python float
(the loss computed in this step, before the update).
""")
nb.answer("train_step", ref.train_step)
nb.test("test_train_step", """
# Checks for train_step on a model of its own: w = 1, b = 0, data (1, 3) and (2, 5)
def _tiny_model():
    m = nn.Linear(1, 1)
    with torch.no_grad():
        m.weight.fill_(1.0)
        m.bias.fill_(0.0)
    return m
_Xs, _Ys = torch.tensor([[1.0], [2.0]]), torch.tensor([[3.0], [5.0]])
_m = _tiny_model()
_loss = train_step(_m, torch.optim.SGD(_m.parameters(), lr=0.1), nn.MSELoss(), _Xs, _Ys)
assert isinstance(_loss, float), f"train_step should return loss.item(), a float; got {type(_loss).__name__}"
assert abs(_loss - 6.5) < 1e-5, f"the loss before the step is (4 + 9) / 2 = 6.5, got {_loss}"
assert abs(_m.weight.item() - 1.8) < 1e-5 and abs(_m.bias.item() - 0.5) < 1e-5, \\
    f"after one SGD step (gradients -8 and -5, lr 0.1) expected w = 1.8, b = 0.5; got {_m.weight.item():.4f}, {_m.bias.item():.4f}"
_m = _tiny_model()
_opt = torch.optim.SGD(_m.parameters(), lr=0.1)
train_step(_m, _opt, nn.MSELoss(), _Xs, _Ys)
train_step(_m, _opt, nn.MSELoss(), _Xs, _Ys)
assert abs(_m.weight.item() - 2.05) < 1e-5 and abs(_m.bias.item() - 0.66) < 1e-5, \
    f"a second step (gradients -2.5 and -1.6 at w = 1.8, b = 0.5) should give w = 2.05, b = 0.66; got {_m.weight.item():.4f}, {_m.bias.item():.4f}: does every step start with optimizer.zero_grad()?"
_m = _tiny_model()
train_step(_m, torch.optim.SGD(_m.parameters(), lr=0.1), nn.MSELoss(), _Xs, _Ys, max_norm=1.0)
assert abs(_m.weight.item() - (1 + 0.1 * 8 / 89 ** 0.5)) < 1e-5, \\
    f"with max_norm = 1 the gradient (-8, -5) is scaled to length 1 before the step; got w = {_m.weight.item():.4f}"
print("train_step: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
Clipping at work: the raw data with learning rate $10^{-4}$, a rate at which the gradients
explode. Without clipping the loss grows by a factor of about 100 at every step. With
`max_norm=1.0` every step has length at most $\eta \cdot 1$, so training stays stable
(slowly, since the data are still badly scaled: clipping is a safety net, not a substitute
for standardising). `clip_grad_norm_` also returns the norm the gradients had **before**
clipping, which is worth printing when you suspect trouble.
""")
nb.provided("clipping_demo", """
for max_norm in (None, 1.0):
    torch.manual_seed(1)
    model_clip = nn.Linear(1, 1)
    optimizer_clip = torch.optim.SGD(model_clip.parameters(), lr=1e-4)
    clip_losses = [train_step(model_clip, optimizer_clip, nn.MSELoss(), X_all, Y_all, max_norm) for _ in range(6)]
    print(f"max_norm = {max_norm}: losses", ", ".join(f"{v:.4g}" for v in clip_losses))

model_clip.zero_grad()
nn.MSELoss()(model_clip(X_all), Y_all).backward()
print("gradient norm on the raw batch:", torch.nn.utils.clip_grad_norm_(model_clip.parameters(), 1.0).item())
""")
nb.md(r"""
## 6. Early stopping

Watch the validation loss during training. At first it falls along with the training loss.
Later it may stop improving, or even rise while the training loss keeps falling: the model
is now fitting peculiarities of the training data (its noise: section 8 shows a model with
many useless inputs doing exactly that) that do not carry over to new data. **Early stopping** ends training when the validation
loss has not improved for `patience` epochs in a row, and then goes back to the weights of
the best epoch.

The class keeps:

* `best_loss`: the lowest validation loss so far, starting at `float("inf")` (so that the
  first epoch is always an improvement);
* `counter`: how many epochs in a row have **not** improved on it;
* `best_state`: a copy of `model.state_dict()` taken at the best epoch.

An improvement means `val_loss < best_loss - min_delta` (`min_delta` lets you ignore tiny
improvements); equal is not an improvement. On an improvement, record the new best loss and
state and reset `counter` to 0; otherwise add 1 to `counter`. `step` returns `True`, meaning
"stop now", as soon as `counter >= patience`; with `patience = 3`, the third bad epoch in a row
stops training, not the fourth.

**The copy trap.** `model.state_dict()` does not copy anything: its tensors *are* the
model's parameters. Keep it as it is, and the next `optimizer.step()` changes your "best"
state too, so restoring it restores the latest weights. Take a real copy:
`copy.deepcopy(model.state_dict())`, or `{k: v.clone() for k, v in model.state_dict().items()}`.

**Your task.** Write the class `EarlyStopping(patience, min_delta=0.0)` with attributes
`best_loss`, `best_state`, `counter`, and the method `step(val_loss, model)` described above.
""")
nb.answer("EarlyStopping", ref.EarlyStopping)
nb.test("test_EarlyStopping", """
# Checks for EarlyStopping
_m = nn.Linear(1, 1)
_es = EarlyStopping(patience=2)
assert _es.best_loss == float("inf") and _es.counter == 0, "start with best_loss = inf and counter = 0"
_stops = []
for _loss in (1.0, 0.5, 0.6):
    _stops.append(_es.step(_loss, _m))
    if _loss == 0.5:
        _w_best = _m.weight.detach().clone()
        with torch.no_grad():
            _m.weight.add_(1.0)      # training goes on and changes the weights
_stops.append(_es.step(0.5, _m))     # equal to the best: not an improvement
assert _stops == [False, False, False, True], f"expected [False, False, False, True] (stop at the 2nd bad epoch), got {_stops}"
assert _es.best_loss == 0.5 and _es.counter == 2, f"expected best_loss 0.5 and counter 2, got {_es.best_loss} and {_es.counter}"
assert torch.equal(_es.best_state["weight"], _w_best), \\
    "best_state changed with the model: store a copy of the state_dict (copy.deepcopy), not the live one"
print("EarlyStopping: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 7. The whole training loop, monitored

`fit` puts everything together. For each epoch `e = 0, 1, 2, ...`:

1. note the learning rate this epoch uses, `optimizer.param_groups[0]["lr"]`;
2. one `train_step` on the whole training set (clipping when `max_norm` is given);
3. the validation loss, computed under `torch.no_grad()` (evaluation must not build a graph
   or touch the gradients);
4. record both losses, and log them to the writer when one is given:
   `writer.add_scalar("loss/train", train_loss, e)` and
   `writer.add_scalar("loss/val", val_loss, e)`;
5. feed the validation loss to `EarlyStopping(patience)`; when this epoch was an
   improvement, it is the new `best_epoch`;
6. when `step_size` is given, `scheduler.step()` of a
   `StepLR(optimizer, step_size=step_size, gamma=gamma)`;
7. stop if early stopping says so.

After the loop, load the best weights back into the model
(`model.load_state_dict(stopper.best_state)`) and return the history
`{"train_loss": [...], "val_loss": [...], "lr": [...], "best_epoch": e}`, one entry per epoch
that ran in each list, and `best_epoch` the index of the best epoch in them. Use `nn.MSELoss()`
and `torch.optim.SGD(model.parameters(), lr=lr)`.

**Monitoring with TensorBoard.** `torch.utils.tensorboard.SummaryWriter` writes these
scalars to a log folder that the TensorBoard app (`tensorboard --logdir runs`) draws as live
curves, with one line per run, which makes it easy to compare learning rates or schedules.
Your `fit` only needs its `add_scalar(tag, value, step)` method, so the notebook below uses
a small stand-in with the same method that keeps the values in memory (TensorBoard is not
installed here). With TensorBoard installed you would pass
`SummaryWriter("runs/best_practices")` instead and nothing else would change.

**Your task.** Write `fit` as described.
""")
nb.answer("fit", ref.fit)
nb.provided("memory_writer", """
class MemoryWriter:
    \"\"\"Stands in for torch.utils.tensorboard.SummaryWriter: keeps add_scalar calls in memory.\"\"\"

    def __init__(self):
        self.scalars = {}

    def add_scalar(self, tag, scalar_value, global_step=None):
        self.scalars.setdefault(tag, []).append((global_step, float(scalar_value)))

    def close(self):
        pass
""")
nb.test("test_fit", """
# Checks for fit on a small problem of its own
torch.manual_seed(5)
_Xt = torch.randn(40, 1)
_Yt = 2 * _Xt + 1 + 0.1 * torch.randn(40, 1)
_Xv = torch.randn(10, 1)
_Yv = 2 * _Xv + 1
_m = nn.Linear(1, 1)
_writer = MemoryWriter()
_h = fit(_m, _Xt, _Yt, _Xv, _Yv, lr=0.1, epochs=30, patience=5, step_size=10, gamma=0.5, writer=_writer)
assert set(_h) >= {"train_loss", "val_loss", "lr", "best_epoch"}, f"the history needs train_loss, val_loss, lr and best_epoch; got {sorted(_h)}"
assert len(_h["train_loss"]) == len(_h["val_loss"]) == len(_h["lr"]) == 30, "one entry per epoch in each list"
assert _h["lr"][:11] == [0.1] * 10 + [0.05], f"with step_size=10, gamma=0.5 the rate halves after 10 epochs: {_h['lr'][:11]}"
assert _h["val_loss"][-1] < _h["val_loss"][0], "the validation loss should fall on this easy problem"
_best = _h["best_epoch"]
assert _h["val_loss"][_best] == min(_h["val_loss"]), "best_epoch should index the lowest validation loss"
assert [s for s, _ in _writer.scalars["loss/val"]] == list(range(30)), "log one loss/val value per epoch, steps 0, 1, 2, ..."
with torch.no_grad():
    _val_now = nn.MSELoss()(_m(_Xv), _Yv).item()
assert abs(_val_now - _h["val_loss"][_best]) < 1e-5, "after fit the model should hold the weights of the best epoch"
print("fit: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 8. Training for real: when the validation loss turns up

Early stopping earns its keep when a model has more freedom than its data can pin down. Here
each of 40 houses comes with its floor area and **15 other numbers that have nothing to do with
its price** (think of sensor readings that measure nothing useful), and the price is the line
$y = 0.03\,x + 5$ plus noise of variance 1. With 24 training rows and 16 weights, gradient
descent first learns the one column that matters, and the validation loss falls. Then, slowly,
it tunes the 15 useless weights to the training rows' *noise*: the training loss keeps
falling, far **below the noise level** (no model can beat a loss of about 1 on new data here,
because the noise cannot be predicted), while the validation loss, whose rows have noise of
their own, **turns up**.
""")
nb.provided("many_features", """
houses = torch.Generator().manual_seed(3)
area = 50 + 350 * torch.rand(40, 1, generator=houses)
X_many = torch.cat([area, torch.randn(40, 15, generator=houses)], dim=1)  # the area, then 15 useless columns
Y_many = 0.03 * area + 5 + torch.randn(40, 1, generator=houses)
X_tr, Y_tr, X_va, Y_va = train_val_split(X_many, Y_many, 0.4, seed=0)
X_tr_s, many_mean, many_std = standardize(X_tr)
X_va_s, _, _ = standardize(X_va, many_mean, many_std)
print(f"{len(X_tr)} training rows for {X_many.shape[1]} weights (and a bias); {len(X_va)} validation rows")
""")
nb.md(r"""
First a run with `patience` as long as the run itself, so that it never stops early: it
shows the whole story. The learning rate is 0.1 on the standardised inputs, halved every 100
epochs, and gradients are clipped at norm 10 (a safety net that rarely fires on standardised
data).
""")
nb.provided("run_full", """
torch.manual_seed(1)
model_full = nn.Linear(16, 1)
writer_full = MemoryWriter()
history_full = fit(model_full, X_tr_s, Y_tr, X_va_s, Y_va, lr=0.1, epochs=300, patience=300,
                   max_norm=10.0, step_size=100, gamma=0.5, writer=writer_full)
print(f"best epoch {history_full['best_epoch']}: validation loss {min(history_full['val_loss']):.4f}; "
      f"last epoch: validation loss {history_full['val_loss'][-1]:.4f}")
""")
nb.md(r"""
Now the same training with early stopping, `patience = 20`, logged with TensorBoard's own
`SummaryWriter` (`from torch.utils.tensorboard import SummaryWriter`). It writes an *event
file* into a new folder under `runs/` (named after the date and the machine). To see the
curves, run `tensorboard --logdir runs` in a terminal and open http://localhost:6006, or in
Jupyter `%load_ext tensorboard` then `%tensorboard --logdir runs`. Every run gets its own
folder, so TensorBoard can lay runs over each other for comparison.
""")
nb.provided("run_training", """
torch.manual_seed(1)
model = nn.Linear(16, 1)
writer = SummaryWriter(comment="_early_stopping")
history = fit(model, X_tr_s, Y_tr, X_va_s, Y_va, lr=0.1, epochs=300, patience=20,
              max_norm=10.0, step_size=100, gamma=0.5, writer=writer)
writer.close()
print(f"stopped after {len(history['val_loss'])} epochs; best epoch {history['best_epoch']} "
      f"with validation loss {history['val_loss'][history['best_epoch']]:.4f}")
print(f"TensorBoard log: {writer.log_dir}")
""")
nb.md(r"""
What TensorBoard will read: the event file, opened with TensorBoard's own reader.
""")
nb.provided("read_the_event_file", """
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

events = EventAccumulator(writer.log_dir)
events.Reload()
for tag in events.Tags()["scalars"]:
    logged = events.Scalars(tag)
    print(f"{tag}: {len(logged)} values, epochs {logged[0].step} to {logged[-1].step}, last {logged[-1].value:.4f}")
""")
nb.md(r"""
## 9. Monitoring

The plots below are what TensorBoard would show from the writer's scalars: the training and
validation losses per epoch, and the learning rate per epoch.

* Both losses fall steeply at first. Then the **validation loss turns up** while the
  training loss keeps falling, past the noise level (the dotted line at 1): the model is
  fitting the training rows' noise with its 15 useless weights, and that noise is not in the
  validation rows. Early stopping catches the turn, stops `patience` epochs later, and puts
  back the weights of the best epoch.
* If a loss curve plateaus high or rises from the start, suspect the learning rate (too
  small or too large) or the data preparation (scaling), not the model.
* The learning rate halves every 100 epochs (a staircase).

Finally, the weights themselves: the 15 useless columns' weights at the best epoch (what early
stopping keeps) and after all 300 epochs (the same training, done by hand without early
stopping, since `fit` always puts the best weights back). Training on grew them, and nothing
but the training rows' noise asked for that.
""")
nb.provided("plot_monitoring", """
best_epoch, epochs_run = history["best_epoch"], len(history["val_loss"])
fig, (ax_loss, ax_lr) = plt.subplots(1, 2, figsize=(12, 4))
for tag, style in (("loss/train", "-"), ("loss/val", "-")):
    steps, values = zip(*writer_full.scalars[tag])
    ax_loss.plot(steps, values, style, label=f"{tag} (no early stopping)")
ax_loss.axhline(1.0, color="black", linestyle=":", label="noise level (variance 1)")
ax_loss.axvline(best_epoch, color="gray", linestyle=":", label="best epoch")
ax_loss.axvline(epochs_run - 1, color="red", linestyle="--", label="early stopping stopped here")
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("MSE (log scale)")
ax_loss.set_title("Training and validation loss")
ax_loss.legend(fontsize=8)
ax_lr.step(range(len(history_full["lr"])), history_full["lr"], where="post")
ax_lr.set_xlabel("epoch")
ax_lr.set_ylabel("learning rate")
ax_lr.set_title("StepLR: halved every 100 epochs")
plt.show()

# fit puts the best epoch's weights back, so the weights at the end of 300 epochs come from the same
# training done by hand, without early stopping: the same start, rate, schedule and clipping.
torch.manual_seed(1)
model_end = nn.Linear(16, 1)
optimizer_end = torch.optim.SGD(model_end.parameters(), lr=0.1)
scheduler_end = torch.optim.lr_scheduler.StepLR(optimizer_end, step_size=100, gamma=0.5)
for _ in range(300):
    train_step(model_end, optimizer_end, nn.MSELoss(), X_tr_s, Y_tr, max_norm=10.0)
    scheduler_end.step()
useless = torch.arange(1, 16)
kept = model.weight.detach()[0, 1:].abs()
trained_on = model_end.weight.detach()[0, 1:].abs()
plt.bar(useless - 0.2, kept.numpy(), width=0.4, label=f"best epoch ({best_epoch}), kept by early stopping")
plt.bar(useless + 0.2, trained_on.numpy(), width=0.4, label="after all 300 epochs")
plt.xlabel("useless column")
plt.ylabel("|weight|")
plt.title(f"mean |weight| of the useless columns: {kept.mean():.3f} at the best epoch, {trained_on.mean():.3f} at the end")
plt.legend()
plt.show()
""")
nb.md(r"""
### Reading a loss curve

A loss curve is read over its last few epochs, and there are three things it can say:

* **decreasing**: training is still making progress; more epochs would help;
* **plateau**: the loss has stopped moving. On the training loss that means the model has
  learnt what it can at this learning rate (lower the rate to settle further, or stop); a
  plateau far above what you expect points at a learning rate that is too small or at badly
  scaled data;
* **increasing**: on the training loss, the learning rate is too large (the steps overshoot);
  on the validation loss while the training loss still falls, the model has begun fitting the
  training data's quirks: stop, and keep the best epoch's weights (early stopping).

**Your task.** Write `loss_trend(losses, window=5, rel_tol=1e-3)`, which judges the last
`window` epochs of a list of losses. With `a = losses[-window - 1]` (the loss `window` epochs
before the last) and `z = losses[-1]`, return `"increasing"` when `z > a`; otherwise
`"plateau"` when the loss fell by less than `rel_tol * abs(a)` (`a - z < rel_tol * abs(a)`);
otherwise `"decreasing"`. Raise `ValueError` when `losses` holds fewer than `window + 1` values.
""")
nb.answer("loss_trend", ref.loss_trend)
nb.test("test_loss_trend", """
# Checks for loss_trend
assert loss_trend([5.0, 4.0, 3.0, 2.0, 1.0, 0.5]) == "decreasing", "the loss fell from 5 to 0.5: 'decreasing'"
assert loss_trend([1.0, 0.5, 0.4, 0.6, 0.7, 1.2]) == "increasing", "it ended above where the window began (1.2 > 1): 'increasing'"
assert loss_trend([2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9995]) == "plateau", "a fall of 0.0005 from 1 is less than rel_tol * 1: 'plateau'"
assert loss_trend([9.0, 8.0, 7.0], window=2) == "decreasing", "with window = 2 it compares the last loss with the one 2 epochs before"
try:
    loss_trend([3.0, 2.0, 1.0])
except ValueError:
    pass
else:
    raise AssertionError("with fewer than window + 1 = 6 losses loss_trend should raise ValueError")
print("loss_trend: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
The run without early stopping, read every 20 epochs (window 5). The training loss keeps
falling, more and more slowly; the validation loss turns up once the model starts fitting
the training rows' noise, and that is the moment early stopping acts on.
""")
nb.provided("read_the_curves", """
for epoch in range(20, len(history_full["val_loss"]) + 1, 20):
    train_says = loss_trend(history_full["train_loss"][:epoch])
    val_says = loss_trend(history_full["val_loss"][:epoch])
    print(f"after epoch {epoch - 1:3d}: training loss {train_says:10s}  validation loss {val_says}")
""")
nb.md(r"""
## Summary

* Start with a moderate learning rate on well-scaled data; too large overshoots and explodes, too small crawls. A schedule such as `StepLR` lowers the rate as training goes, stepped once per epoch.
* Standardise each feature with the mean and standard deviation of the **training** data, and apply those same statistics to validation and future data.
* Split the data into training and validation parts with one shuffled, seeded permutation shared by `X` and `Y`.
* `clip_grad_norm_` between `backward()` and `optimizer.step()` caps the length of the gradient, so a bad batch cannot throw training off.
* Early stopping watches the validation loss, stops after `patience` epochs without improvement, and restores a **copy** of the best weights.
* Monitor both losses every epoch, as plots or with TensorBoard's `SummaryWriter.add_scalar`.
* When the output is on a large scale, standardise it too, and convert the fitted line back to the data's units.
* Read a loss curve over its last epochs: still decreasing, a plateau, or increasing each call for a different change.
""")
nb.write(sys.argv[1])
