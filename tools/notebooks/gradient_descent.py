import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nbtools import HOW_GRADED, NB  # noqa: E402
from solutions import gradient_descent as ref  # noqa: E402 - every answer cell is rendered from it

nb = NB("gradient_descent")
nb.md(r"""
# Module 2, assignment 2: loss, cost and gradient descent

In the first assignment you *used* a line $\hat{y} = wx + b$ to make predictions, with
parameters we simply chose. **Training** means finding good values of $w$ and $b$ from
data. This assignment builds every piece of that by hand, with plain formulas, so you
can see what PyTorch's `backward()` and optimizers will later do for you:

1. training data: a line plus noise;
2. the **loss** of one sample, a function of the parameter;
3. its **derivative**, and what its sign tells us;
4. **gradient descent**, and what the learning rate does;
5. the **cost** over all samples, and its partial derivatives;
6. **batch gradient descent** on slope and bias, with a stopping rule.

""" + HOW_GRADED)
nb.provided("imports", """
import math
import torch
import matplotlib.pyplot as plt
""")
nb.md(r"""
## 1. Training data: a line plus noise

Regression predicts a **continuous** value $y$ from an input $x$: the price of a house
from its size, a stock price from interest rates, a car's fuel economy from its
horsepower. With one input this is *simple* linear regression. The training data is a set
of pairs $(x_1, y_1), \dots, (x_n, y_n)$, stored as two tensors `X` and `Y` of shape
$(n, 1)$: one row per sample.

Even when the true relationship is a line, measured data never sits exactly on it. We
model that with **noise**:

$$y = w\,x + b + \varepsilon, \qquad \varepsilon \sim \mathcal{N}(0, \sigma^2).$$

The noise $\varepsilon$ is Gaussian (normal) with mean 0: on average it neither lifts nor
lowers the points. Its **standard deviation** $\sigma$ sets how far the points scatter
around the line: more noise, points farther from the line.

To experiment, we make such data ourselves, where we know the true line. Random numbers
make every run different, unless we fix a **seed**: the same seed always gives the same
"random" numbers, so results can be reproduced. A private generator,
`g = torch.Generator().manual_seed(seed)` passed as `torch.randn(..., generator=g)`, does
this without disturbing anyone else's random numbers (`torch.manual_seed(seed)` also works).

**Your task.** Write `make_data(w, b, n, noise_std, seed)` returning `(X, Y)`, both of
shape `(n, 1)`: `X` holds `n` evenly spaced values from -3 to 3 (`torch.linspace`), and
`Y = w * X + b + noise_std * (standard normal noise of X's shape)`, the same every time
for the same `seed`.
""")
nb.answer("make_data", ref.make_data)
nb.test("test_make_data", """
# Checks for make_data (the hidden checks use other lines, sizes, noise levels and seeds)
_X, _Y = make_data(2.0, 1.0, 7, 0.0, seed=0)
assert _X.shape == (7, 1) and _Y.shape == (7, 1), f"X and Y should have shape (7, 1); got {tuple(_X.shape)} and {tuple(_Y.shape)}"
assert torch.allclose(_X.flatten(), torch.tensor([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])), "X should be 7 evenly spaced values from -3 to 3"
assert torch.allclose(_Y, 2 * _X + 1), "with noise_std = 0 the points lie exactly on the line"
_, _Y1 = make_data(2.0, 1.0, 50, 0.5, seed=3)
_, _Y2 = make_data(2.0, 1.0, 50, 0.5, seed=3)
assert torch.equal(_Y1, _Y2), "the same seed should give the same data"
_, _Yn = make_data(0.0, 0.0, 200, 1.0, seed=1)
assert float(_Yn.std()) > 0.5, "with w = b = 0, Y is the noise alone: every sample should get its own noise value (draw it with X's shape)"
print("make_data: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
Here is what the noise level does: the same line, $y = -3x + 1$, with a little noise and
with a lot.
""")
nb.provided("plot_noise", """
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, sigma in zip(axes, [0.5, 2.0]):
    X_demo, Y_demo = make_data(-3.0, 1.0, 60, sigma, seed=1)
    ax.plot(X_demo.numpy(), Y_demo.numpy(), "o", markersize=4, label="data")
    ax.plot(X_demo.numpy(), (-3 * X_demo + 1).numpy(), "-", label="true line y = -3x + 1")
    ax.set_title(f"noise standard deviation {sigma}")
    ax.set_xlabel("x")
    ax.legend()
axes[0].set_ylabel("y")
plt.show()
""")
nb.md(r"""
## 2. What "the best line" means

No line goes through all the noisy points, so we cannot ask for a perfect fit. Instead we
measure how wrong a line is on average and look for the line that is least wrong. The
usual measure is the **mean squared error**:

$$\text{MSE}(w, b) = \frac{1}{n}\sum_{i=1}^{n}\left(\hat{y}_i - y_i\right)^2, \qquad \hat{y}_i = w x_i + b .$$

Squaring makes every error positive and punishes big misses much more than small ones;
averaging makes the number independent of how many samples we have. Each choice of
$(w, b)$ is a different line with a different MSE, and the **best-fit line is the one with
the smallest MSE**. The plot shows three candidate lines for the same data: a bad one, a
better one and the best one, with their MSE.
""")
nb.provided("plot_candidates", """
X_data, Y_data = make_data(-3.0, 1.0, 40, 1.0, seed=2)
candidates = {"bad: w = 1, b = -2": (1.0, -2.0), "better: w = -2, b = 0": (-2.0, 0.0)}
X1 = torch.cat([X_data, torch.ones_like(X_data)], dim=1)
best = torch.linalg.lstsq(X1, Y_data).solution.flatten()
candidates[f"best: w = {best[0]:.2f}, b = {best[1]:.2f}"] = (best[0].item(), best[1].item())
plt.plot(X_data.numpy(), Y_data.numpy(), "o", markersize=4, color="gray", label="data")
for label, (w_c, b_c) in candidates.items():
    mse = torch.mean((w_c * X_data + b_c - Y_data) ** 2).item()
    plt.plot(X_data.numpy(), (w_c * X_data + b_c).numpy(), label=f"{label}   (MSE {mse:.2f})")
plt.xlabel("x")
plt.ylabel("y")
plt.title("Candidate lines: the best one has the smallest mean squared error")
plt.legend()
plt.show()
""")
nb.md(r"""
## 3. The loss of one sample

To see how we can *find* the best parameters, start as small as possible: one data point,
$x = -2$ and $y = 4$, and a line through the origin, $\hat{y} = w x$ (no bias). The
**loss** measures how far the prediction is from the truth for this one sample:

$$\text{Loss}(w) = (\hat{y} - y)^2 = (w x - y)^2 .$$

The important change of view: **the data are fixed, the parameter varies**. The loss is a
function of $w$. Each $w$ is a different line in **data space** (the $x$–$y$ plane), which
passes at some distance from the point; in **parameter space** (the $w$–loss plane) that
same $w$ is one point on the loss curve. For this model the curve is a parabola, a
convex **bowl**, and the bottom of the bowl is the best parameter. Slopes far above or far
below the best one give lines far from the point and high loss.

**Your task.** Write `loss(w, x, y)` returning $(w x - y)^2$. Use only arithmetic
operators, so that it works for plain numbers and, element by element, for tensors (for
example a whole tensor of `w` values at once).
""")
nb.answer("loss", ref.loss)
nb.test("test_loss", """
# Checks for loss
assert abs(float(loss(3.0, -2.0, 4.0)) - 100.0) < 1e-9, "loss(3, -2, 4) = (3 * -2 - 4)**2 = 100"
assert abs(float(loss(-2.0, -2.0, 4.0))) < 1e-9, "w = -2 predicts -2 * -2 = 4 exactly: the loss is 0"
_grid = torch.tensor([-3.0, -2.0, 0.0])
assert torch.allclose(loss(_grid, -2.0, 4.0), torch.tensor([4.0, 0.0, 16.0])), "loss should work element by element on a tensor of w values"
print("loss: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
Data space and parameter space side by side, for the point $(-2, 4)$. Each coloured line on
the left is one slope $w$; the dot of the same colour on the right is its loss.
""")
nb.provided("plot_loss_bowl", """
x0, y0 = -2.0, 4.0
w_values = torch.linspace(-5, 1, 200)
slopes = [-4.0, -2.0, 0.0]
fig, (ax_data, ax_par) = plt.subplots(1, 2, figsize=(11, 4))
x_line = torch.linspace(-3, 3, 20)
ax_data.plot([x0], [y0], "ko", markersize=8, label="the sample (-2, 4)")
ax_par.plot(w_values.numpy(), loss(w_values, x0, y0).numpy(), color="gray", label="Loss(w)")
for w_s in slopes:
    line, = ax_data.plot(x_line.numpy(), (w_s * x_line).numpy(), label=f"w = {w_s:g}")
    ax_par.plot([w_s], [float(loss(w_s, x0, y0))], "o", color=line.get_color(), markersize=8)
ax_data.set_xlabel("x")
ax_data.set_ylabel("y")
ax_data.set_title("Data space: lines yhat = w x")
ax_data.legend()
ax_par.set_xlabel("w")
ax_par.set_ylabel("loss")
ax_par.set_title("Parameter space: the loss is a bowl in w")
ax_par.legend()
plt.show()
""")
nb.md(r"""
## 4. The derivative of the loss

The derivative $\dfrac{d\,\text{Loss}}{dw}$ is the slope of the bowl at $w$. By the chain
rule (the derivative of the square, times the derivative of what is squared):

$$\frac{d\,\text{Loss}}{dw} = 2\,(w x - y)\cdot x .$$

Its **sign** says which way is uphill:

* **negative**: the loss falls as $w$ grows, so the minimum is to the **right**;
* **positive**: the loss falls as $w$ shrinks, so the minimum is to the **left**;
* **zero**: we are at the bottom, the best $w$. Here that means $w x = y$, i.e. $w = y / x = -2$.

For a single parameter we could simply solve "derivative = 0" by hand. For a neural network
with millions of parameters that is impossible, but the derivatives still tell us which way
to move each parameter. That is the idea behind training every network.

**Your task.** Write `dloss_dw(w, x, y)` returning the derivative $2x(wx - y)$, worked out
by hand (no autograd here). Like `loss`, it should work on numbers and on tensors.
""")
nb.answer("dloss_dw", ref.dloss_dw)
nb.test("test_dloss_dw", """
# Checks for dloss_dw, against autograd
_w = torch.tensor(1.5, requires_grad=True)
((_w * -2.0 - 4.0) ** 2).backward()
assert abs(float(dloss_dw(1.5, -2.0, 4.0)) - _w.grad.item()) < 1e-6, f"at w = 1.5 the derivative is {_w.grad.item()}, got {float(dloss_dw(1.5, -2.0, 4.0))}"
assert float(dloss_dw(-2.0, -2.0, 4.0)) == 0.0, "at the bottom of the bowl (w = -2) the derivative is 0"
assert float(dloss_dw(0.0, -2.0, 4.0)) > 0, "at w = 0 the minimum (w = -2) is to the left, so the derivative is positive"
assert float(dloss_dw(-3.0, -2.0, 4.0)) < 0, "at w = -3 the minimum (w = -2) is to the right, so the derivative is negative"
print("dloss_dw: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
The derivative drawn as tangent lines on the bowl: steep and negative left of the minimum,
zero at it, positive to its right.
""")
nb.provided("plot_tangents", """
plt.plot(w_values.numpy(), loss(w_values, x0, y0).numpy(), color="gray", label="Loss(w)")
for w_t in [-4.5, -2.0, 0.0]:
    slope = float(dloss_dw(w_t, x0, y0))
    w_near = torch.linspace(w_t - 0.8, w_t + 0.8, 10)
    plt.plot(w_near.numpy(), (float(loss(w_t, x0, y0)) + slope * (w_near - w_t)).numpy(), "--",
             label=f"tangent at w = {w_t:g}: slope {slope:+.0f}")
    plt.plot([w_t], [float(loss(w_t, x0, y0))], "ko")
plt.xlabel("w")
plt.ylabel("loss")
plt.title("The derivative is the slope of the bowl")
plt.legend()
plt.show()
""")
nb.md(r"""
## 5. Gradient descent

**Gradient descent** finds the bottom of the bowl step by step. Start from a guess $w_0$
and repeat: compute the derivative at the current $w$, and move against it,

$$w_{k+1} = w_k - \eta\,\frac{d\,\text{Loss}}{dw}(w_k).$$

Subtracting the derivative always points downhill: when it is positive we move left,
when it is negative we move right. Far from the minimum the bowl is steep and the steps
are big; near the minimum the derivative, and so the step, shrinks.

The **learning rate** $\eta$ sets the step size, and choosing it matters:

* **too large**: the steps overshoot the minimum, land higher up on the other side, and
  the loss can grow without end: gradient descent **diverges**;
* **too small**: every step is tiny and getting to the minimum takes very many iterations;
* **about right**: the loss falls quickly, every iteration.

**Your task.** Write `gradient_descent(w0, x, y, lr, n_iter)`: starting from `w0`, take
`n_iter` steps $w \leftarrow w - \text{lr}\cdot$ `dloss_dw(w, x, y)` and return the list of
all the values of $w$ as Python floats, starting with `w0`: `[w0, w1, ..., w_n_iter]`
(`n_iter + 1` numbers).
""")
nb.answer("gradient_descent", ref.gradient_descent)
nb.test("test_gradient_descent", """
# Checks for gradient_descent
_path = gradient_descent(0.0, -2.0, 4.0, 0.05, 3)
assert isinstance(_path, list) and len(_path) == 4, f"3 steps give 4 values [w0, w1, w2, w3]; got {_path!r}"
assert all(isinstance(v, float) for v in _path), "store Python floats (float(...) or .item())"
assert _path[0] == 0.0 and abs(_path[1] - (-0.8)) < 1e-6, f"w1 = 0 - 0.05 * dloss_dw(0, -2, 4) = -0.8; got {_path[1]}"
assert abs(gradient_descent(0.0, -2.0, 4.0, 0.05, 50)[-1] - (-2.0)) < 1e-4, "with lr = 0.05, w should reach -2"
print("gradient_descent: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
Three learning rates from the same start $w_0 = 1$, side by side. The bowl is
$\text{Loss}(w) = (-2w - 4)^2$; each red dot is one iterate.
""")
nb.provided("plot_learning_rates", """
rates = {"good: lr = 0.05": 0.05, "too small: lr = 0.005": 0.005, "too large: lr = 0.27": 0.27}
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, (title, rate) in zip(axes, rates.items()):
    path = gradient_descent(1.0, x0, y0, rate, 8)
    w_range = torch.linspace(min(min(path), -5.0) - 0.5, max(max(path), 1.0) + 0.5, 200)
    ax.plot(w_range.numpy(), loss(w_range, x0, y0).numpy(), color="gray")
    ax.plot(path, [float(loss(p, x0, y0)) for p in path], "o-", color="red", markersize=4)
    ax.set_title(f"{title}, w after 8 steps = {path[-1]:.3g}")
    ax.set_xlabel("w")
    ax.set_ylabel("loss")
plt.show()
""")
nb.md(r"""
### When to stop

Gradient descent could run forever, so we need a **stopping rule**. The usual ones:

1. a **fixed number of iterations** (what `gradient_descent` does);
2. stop when the loss (or cost) **no longer decreases**;
3. stop when the **change** in the cost from one iteration to the next is below a
   threshold (a *tolerance*): we are no longer making progress worth paying for;
4. stop when the **gradient is close to zero**: we are at (or very near) the minimum.

In practice training often combines several of them, for example a maximum number of
iterations *and* a tolerance. Each answers a different worry: the count bounds the time
spent; "no decrease" catches a learning rate that has started to overshoot; the tolerance
stops when progress is too small to be worth another step; a gradient near zero says the
bottom of the bowl is here, whatever the loss is.

**Your task.** Write `descend(w0, x, y, lr, max_iter, tol=None, grad_tol=None)`, gradient
descent on `loss` that uses all four rules and says which one stopped it. It returns
`(ws, reason)`: `ws` is the list of every $w$ visited, as Python floats, starting with `w0`.
Before each update, compute `loss` and `dloss_dw` at the current $w$ and check, **in this
order**:

1. `"gradient"`: `grad_tol` is given and `abs(dloss_dw(w, x, y)) < grad_tol`;
2. `"no decrease"`: there is a previous loss and this one is not below it;
3. `"tol"`: `tol` is given, there is a previous loss, and the loss fell by less than `tol`.

The first rule that holds ends the run with its reason, without updating $w$. Otherwise
update $w$ as `gradient_descent` does and append it. After `max_iter` updates the run ends
with `"max_iter"`. (Batch gradient descent in section 7 uses the tolerance rule too.)
""")
nb.answer("descend", ref.descend)
nb.test("test_descend", """
# Checks for descend, on the sample (-2, 4): the minimum is at w = -2
_ws, _why = descend(0.0, -2.0, 4.0, 0.05, 10)
assert _why == "max_iter" and len(_ws) == 11, f"10 updates without another rule: 11 values and 'max_iter'; got {len(_ws)} and {_why!r}"
assert all(isinstance(v, float) for v in _ws), "store Python floats in ws"
assert max(abs(a - c) for a, c in zip(_ws, gradient_descent(0.0, -2.0, 4.0, 0.05, 10))) < 1e-9, "each update is the one gradient_descent makes"
_ws, _why = descend(0.0, -2.0, 4.0, 0.05, 100, grad_tol=1e-3)
assert _why == "gradient" and abs(dloss_dw(_ws[-1], -2.0, 4.0)) < 1e-3 <= abs(dloss_dw(_ws[-2], -2.0, 4.0)), f"grad_tol = 1e-3 should stop at the first w where abs(dloss_dw) < 1e-3; got {_why!r} after {len(_ws) - 1} updates"
_ws, _why = descend(0.0, -2.0, 4.0, 0.3, 100)
assert (_why, len(_ws)) == ("no decrease", 2), f"lr = 0.3 overshoots: the loss after one update is higher, so 'no decrease' with ws = [w0, w1]; got {_why!r} and {len(_ws)} values"
_ws, _why = descend(0.0, -2.0, 4.0, 0.05, 100, tol=1e-6)
assert (_why, len(_ws)) == ("tol", 18), f"with tol = 1e-6 the loss falls by less than tol after 17 updates; got {_why!r} after {len(_ws) - 1}"
print("descend: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
The four rules side by side, from the same start $w_0 = 0$ on the sample $(-2, 4)$: the loss at
every $w$ each run visited, and the rule that ended it. The run that stops on "no decrease" has
a learning rate just above what this bowl can take ($1 / x^2 = 0.25$), so its very first step
overshoots.
""")
nb.provided("plot_stopping_rules", """
runs = {"max_iter = 30, lr = 0.01": dict(lr=0.01, max_iter=30),
        "tol = 0.05, lr = 0.05": dict(lr=0.05, max_iter=100, tol=0.05),
        "grad_tol = 1, lr = 0.05": dict(lr=0.05, max_iter=100, grad_tol=1.0),
        "lr = 0.27 (too large)": dict(lr=0.27, max_iter=100)}
for label, options in runs.items():
    ws_run, why = descend(0.0, x0, y0, **options)
    plt.plot(range(len(ws_run)), [float(loss(v, x0, y0)) + 1e-12 for v in ws_run], "o-", markersize=3,
             label=f"{label}: stopped by {why!r} after {len(ws_run) - 1} updates")
plt.yscale("log")
plt.xlabel("update")
plt.ylabel("loss (log scale)")
plt.legend(fontsize=8)
plt.show()
""")
nb.md(r"""
### Choosing a learning rate

The learning rate cannot be read off the data in advance; the usual way is to **try several**,
spread over orders of magnitude (0.0001, 0.001, 0.01, ...), run each for the same number of
iterations, and compare where they end. Too small and the loss has barely moved; about right and
it is near the minimum; too large and it grows without end.

**Your task.** Write `lr_sweep(w0, x, y, lrs, n_iter)` returning `(finals, best)`. For each
learning rate in `lrs`, run `gradient_descent(w0, x, y, lr, n_iter)` and record `loss` at its
last value, as a Python float, in the dict `finals` under that learning rate; record `math.inf`
when that loss is not a finite number (`math.isfinite`). `best` is the learning rate with the
lowest final loss (the earliest in `lrs` on a tie).
""")
nb.answer("lr_sweep", ref.lr_sweep)
nb.test("test_lr_sweep", """
# Checks for lr_sweep, on the sample (-2, 4) from w0 = 1
_finals, _best = lr_sweep(1.0, -2.0, 4.0, [0.001, 0.05, 3.0], 200)
assert isinstance(_finals, dict) and set(_finals) == {0.001, 0.05, 3.0}, f"finals should have one key per learning rate; got {_finals!r}"
assert _finals[3.0] == math.inf, f"lr = 3 diverges: record math.inf for it, got {_finals[3.0]!r}"
assert abs(_finals[0.001] - 1.4487) < 1e-3 and _finals[0.05] < 1e-20, f"final losses: expected about 1.4487 for lr = 0.001 and 0 for lr = 0.05; got {_finals}"
assert _best == 0.05, f"the best rate is 0.05; got {_best!r}"
print("lr_sweep: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
A wider sweep, from $10^{-4}$ to $1$, 20 iterations each, with both axes on a log scale. The
three regimes are plain to see: on the left the rate is **too small** (the final loss is still
close to where it started), in the middle it is **about right**, and past $1/x^2 = 0.25$ the
loss **diverges** and climbs by orders of magnitude.
""")
nb.provided("plot_lr_sweep", """
sweep_lrs = torch.logspace(-4, 0, 25).tolist()
sweep_finals, sweep_best = lr_sweep(1.0, x0, y0, sweep_lrs, 20)
plt.plot(sweep_lrs, [sweep_finals[r] + 1e-12 for r in sweep_lrs], "o-", markersize=4)
plt.axvline(sweep_best, color="green", linestyle="--", label=f"best: lr = {sweep_best:.3g}")
plt.axvline(1 / x0 ** 2, color="red", linestyle=":", label="1 / x**2: steps overshoot beyond it")
plt.xscale("log")
plt.yscale("log")
plt.xlabel("learning rate (log scale)")
plt.ylabel("loss after 20 iterations (log scale)")
plt.legend()
plt.show()
""")
nb.md(r"""
## 6. From the loss of one sample to the cost of all of them

One sample can be fitted perfectly; a data set cannot. The **cost** measures the error over
**all** samples, and training minimises the cost, not any single loss. For the line
$\hat{y}_i = w x_i + b$ there are two versions:

$$\text{total cost: } \sum_{i=1}^{n}\left(w x_i + b - y_i\right)^2, \qquad
\text{average cost (MSE): } J(w, b) = \frac{1}{n}\sum_{i=1}^{n}\left(w x_i + b - y_i\right)^2 .$$

Both have their minimum at the same $(w, b)$: averaging only scales the value (by $1/n$),
which makes costs of data sets of different sizes comparable. Geometrically, each sample's
squared error is the **area of a square** whose side is the vertical gap between the point
and the line; the cost adds up (or averages) those areas, and the best line is the one with
the least total area. As a function of $w$ and $b$ together the cost is a convex bowl-shaped
surface, with a single lowest point.

**Your task.** Write `cost(w, b, X, Y)`, the mean squared error as a 0-dim tensor, and
`total_cost(w, b, X, Y)`, the sum of the squared errors. `w` and `b` may be numbers or
tensors; keep the result a tensor (no `.item()`), so that autograd can differentiate it.
""")
nb.answer("cost", ref.cost)
nb.test("test_cost", """
# Checks for cost
_X = torch.tensor([[0.0], [1.0], [2.0]])
_Y = torch.tensor([[1.0], [1.0], [1.0]])
_c = cost(1.0, 0.0, _X, _Y)
assert isinstance(_c, torch.Tensor) and _c.numel() == 1, "cost should return a single number as a tensor"
assert abs(_c.item() - 2 / 3) < 1e-6, f"errors -1, 0, 1: the mean of their squares is 2/3; got {_c.item():.4f}"
print("cost: these checks pass (the hidden checks test more).")
""")
nb.answer("total_cost", ref.total_cost)
nb.test("test_total_cost", """
# Checks for total_cost
_t = total_cost(1.0, 0.0, torch.tensor([[0.0], [1.0], [2.0]]), torch.tensor([[1.0], [1.0], [1.0]]))
assert abs(float(_t) - 2.0) < 1e-6, f"errors -1, 0, 1: the sum of their squares is 2; got {float(_t):.4f}"
print("total_cost: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
The squares, drawn: for a poor line and for the best line, each sample's squared error as a
square between the point and the line. The best line has the smallest total area.
""")
nb.provided("plot_squares", """
X_sq, Y_sq = make_data(1.0, 0.5, 8, 0.8, seed=4)
fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
X1_sq = torch.cat([X_sq, torch.ones_like(X_sq)], dim=1)
w_best, b_best = torch.linalg.lstsq(X1_sq, Y_sq).solution.flatten().tolist()
for ax, (w_l, b_l, name) in zip(axes, [(0.2, 1.5, "a poor line"), (w_best, b_best, "the best line")]):
    ax.plot(X_sq.numpy(), Y_sq.numpy(), "ko", markersize=4)
    ax.plot([-3.5, 3.5], [w_l * -3.5 + b_l, w_l * 3.5 + b_l], "b-")
    for xi, yi in zip(X_sq.flatten().tolist(), Y_sq.flatten().tolist()):
        gap = yi - (w_l * xi + b_l)
        ax.add_patch(plt.Rectangle((xi, w_l * xi + b_l), -abs(gap) * (1 if xi > 0 else -1), gap, alpha=0.3))
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_title(f"{name}: total cost {total_cost(w_l, b_l, X_sq, Y_sq).item():.2f}, "
                 f"cost {cost(w_l, b_l, X_sq, Y_sq).item():.2f}")
axes[0].set_ylabel("y")
plt.show()
""")
nb.md(r"""
### The partial derivatives of the cost

The cost depends on two parameters, so it has two **partial derivatives**: how it changes
when only $w$ moves, and when only $b$ moves. Differentiating the average cost term by term:

$$\frac{\partial J}{\partial w} = \frac{1}{n}\sum_{i=1}^{n} 2\,x_i\,(w x_i + b - y_i), \qquad
\frac{\partial J}{\partial b} = \frac{1}{n}\sum_{i=1}^{n} 2\,(w x_i + b - y_i).$$

Together they form the **gradient** $\nabla J = \left(\partial J / \partial w,\ \partial J / \partial b\right)$,
which points in the direction of steepest increase of the cost. Each sample contributes its
own term, and the terms are averaged:

* when all samples lie on the **same side** of the line, their terms have the same sign and
  add up: a large gradient and a big step;
* when samples lie on **both sides**, their terms cancel: a small gradient, because the line
  is already near the best one.

**Your task.** Write `cost_gradient(w, b, X, Y)` returning the pair
$(\partial J / \partial w, \partial J / \partial b)$ of the **average** cost `cost`, from the
formulas above (not with autograd), as two Python floats.
""")
nb.answer("cost_gradient", ref.cost_gradient)
nb.test("test_cost_gradient", """
# Checks for cost_gradient, against autograd
_X, _Y = make_data(1.5, -0.5, 9, 0.3, seed=5)
_w = torch.tensor(0.3, requires_grad=True)
_b = torch.tensor(0.8, requires_grad=True)
torch.mean((_w * _X + _b - _Y) ** 2).backward()
_gw, _gb = cost_gradient(0.3, 0.8, _X, _Y)
assert abs(_gw - _w.grad.item()) < 1e-5, f"dJ/dw should be {_w.grad.item():.5f}, got {_gw}"
assert abs(_gb - _b.grad.item()) < 1e-5, f"dJ/db should be {_b.grad.item():.5f}, got {_gb}"
assert isinstance(_gw, float) and isinstance(_gb, float), "return the two partial derivatives as Python floats (float(...) or .item())"
print("cost_gradient: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
The two cases, with numbers: the same line $\hat{y} = x$, once with every point above it and
once with points on both sides.
""")
nb.provided("demo_sample_gradients", """
X_four = torch.tensor([[-1.5], [-0.5], [0.5], [1.5]])
for name, Y_four in [("all points above the line", X_four + 1.0),
                     ("points on both sides", X_four + torch.tensor([[1.0], [-1.0], [1.0], [-1.0]]))]:
    per_sample = (2 * (1.0 * X_four + 0.0 - Y_four)).flatten()
    print(f"{name}: each sample's dLoss/db = {per_sample.tolist()}  ->  dJ/db = {cost_gradient(1.0, 0.0, X_four, Y_four)[1]:+.2f}")
""")
nb.md(r"""
## 7. Batch gradient descent on slope and bias

Now we train both parameters on a whole data set. **Batch gradient descent** uses *all*
the training samples (the whole *batch*) for every update:

$$w \leftarrow w - \eta\,\frac{\partial J}{\partial w}, \qquad b \leftarrow b - \eta\,\frac{\partial J}{\partial b},$$

both computed at the same current $(w, b)$. Each update is one pass over the data. It is
stable, because every step uses all the information, but slow on very large data sets,
where later modules will use a few samples at a time instead.

We also add stopping rule 3: an optional tolerance `tol`.

**Your task.** Write `batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol=None)` returning
`(w, b, costs)`: `w` and `b` after training (numbers) and `costs`, a list of Python floats.
Do at most `n_iter` updates. In every iteration, **first** compute the current cost with
`cost`:

* if `tol` is given (not `None`) and this cost differs from the last cost recorded in
  `costs` by less than `tol`, stop at once, without recording it and without updating;
* otherwise record it in `costs`, then update both parameters with `cost_gradient`.

(On the first iteration there is no recorded cost yet, so it is always recorded.)
Without `tol`, `costs` therefore has exactly `n_iter` entries, the cost before each update.
""")
nb.answer("batch_gradient_descent", ref.batch_gradient_descent)
nb.test("test_batch_gradient_descent", """
# Checks for batch_gradient_descent
_X, _Y = make_data(2.0, -1.0, 30, 0.0, seed=0)
_w, _b, _costs = batch_gradient_descent(0.0, 0.0, _X, _Y, 0.1, 200)
assert len(_costs) == 200 and all(isinstance(c, float) for c in _costs), "without tol: one cost (a Python float) per iteration"
assert abs(_w - 2.0) < 1e-3 and abs(_b + 1.0) < 1e-3, f"on noise-free data the line w = 2, b = -1 should be found; got w = {_w:.4f}, b = {_b:.4f}"
_w2, _b2, _costs2 = batch_gradient_descent(0.0, 0.0, _X, _Y, 0.1, 200, tol=1e-3)
assert len(_costs2) < 200, "with tol = 1e-3 the training should stop early"
assert all(abs(a - c) >= 1e-3 for a, c in zip(_costs2, _costs2[1:])), "every recorded cost differs from the previous one by at least tol"
_Xo = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
_w1, _b1, _ = batch_gradient_descent(0.0, 0.0, _Xo, 2 * _Xo + 1, 0.1, 1)
assert abs(_w1 - 3.5) < 1e-4 and abs(_b1 - 1.2) < 1e-4, f"one update from (0, 0) on y = 2x + 1, x = 1..4, lr = 0.1 gives w = 3.5, b = 1.2 (got w = {_w1:.4f}, b = {_b1:.4f}): compute both partial derivatives at the same (w, b), then update both"
print("batch_gradient_descent: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 8. Watching batch gradient descent

Data from the line $y = 1.5x - 2$ with noise. First, three learning rates side by side, with
the cost per iteration: a good one, one too small (the cost is still high after 30
iterations) and one too large (the cost explodes: note the scale of that plot).
""")
nb.provided("plot_batch_rates", """
X_train, Y_train = make_data(1.5, -2.0, 50, 0.7, seed=7)
batch_rates = {"good: lr = 0.1": 0.1, "too small: lr = 0.005": 0.005, "too large: lr = 0.35": 0.35}
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, (title, rate) in zip(axes, batch_rates.items()):
    _, _, rate_costs = batch_gradient_descent(-3.0, 3.0, X_train, Y_train, rate, 30)
    ax.plot(range(len(rate_costs)), rate_costs, "o-", markersize=3)
    ax.set_title(title)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost (MSE)")
plt.show()
""")
nb.md(r"""
Next, a good learning rate with a tolerance, so training stops by itself. On the left, the
fitted line next to the least-squares line (the exact minimum of the cost, which linear
algebra can compute directly for this simple model). On the right, the path of $(w, b)$ on
the contour lines of the cost: the steps cross the contours, downhill, and shrink as they
approach the minimum.
""")
nb.provided("plot_batch_fit", """
w_fit, b_fit, fit_costs = batch_gradient_descent(-3.0, 3.0, X_train, Y_train, 0.1, 500, tol=1e-6)
X1_train = torch.cat([X_train, torch.ones_like(X_train)], dim=1)
w_ls, b_ls = torch.linalg.lstsq(X1_train, Y_train).solution.flatten().tolist()
print(f"stopped after {len(fit_costs)} recorded costs: w = {w_fit:.4f}, b = {b_fit:.4f}")
print(f"least-squares line:               w = {w_ls:.4f}, b = {b_ls:.4f}")

# Replay the updates with cost_gradient to keep every (w, b) along the way.
path_w, path_b = [-3.0], [3.0]
for _ in range(len(fit_costs)):
    dw, db = cost_gradient(path_w[-1], path_b[-1], X_train, Y_train)
    path_w.append(path_w[-1] - 0.1 * dw)
    path_b.append(path_b[-1] - 0.1 * db)

fig, (ax_fit, ax_cont) = plt.subplots(1, 2, figsize=(12, 4.5))
ax_fit.plot(X_train.numpy(), Y_train.numpy(), "o", markersize=3, color="gray", label="data")
ax_fit.plot(X_train.numpy(), (-3.0 * X_train + 3.0).numpy(), ":", label="start: w = -3, b = 3")
ax_fit.plot(X_train.numpy(), (w_fit * X_train + b_fit).numpy(), "-", label="batch gradient descent")
ax_fit.plot(X_train.numpy(), (w_ls * X_train + b_ls).numpy(), "--", label="least squares")
ax_fit.set_xlabel("x")
ax_fit.set_ylabel("y")
ax_fit.legend()
w_axis, b_axis = torch.linspace(-4, 4, 80), torch.linspace(-5, 4, 70)
# Z[i, j] is the cost at w = w_axis[j], b = b_axis[i], all computed at once by broadcasting.
errors = w_axis.view(1, -1, 1) * X_train.view(1, 1, -1) + b_axis.view(-1, 1, 1) - Y_train.view(1, 1, -1)
Z = (errors ** 2).mean(dim=2)
contours = ax_cont.contour(w_axis.numpy(), b_axis.numpy(), Z.numpy(), levels=15)
ax_cont.clabel(contours, fontsize=7)
ax_cont.plot(path_w, path_b, "o-", color="red", markersize=3, label="(w, b) after each update")
ax_cont.set_xlabel("w")
ax_cont.set_ylabel("b")
ax_cont.set_title("Contours of the cost J(w, b)")
ax_cont.legend()
plt.show()
""")
nb.md(r"""
## Summary

* Training data: a line plus Gaussian noise with mean 0; the noise's standard deviation sets
  how far points scatter from the line. A seed makes random data reproducible.
* The best line is the one with the smallest mean squared error, not one through every point.
* The **loss** of one sample, $(wx - y)^2$, is a function of the parameter: a bowl in parameter space.
* Its **derivative** $2x(wx - y)$ is the slope of the bowl; its sign says which way is downhill,
  and it is zero at the minimum.
* **Gradient descent** repeats $w \leftarrow w - \eta\,dL/dw$; too large a learning rate
  diverges, too small a rate crawls.
* Stop after a fixed number of iterations, when the cost stops falling, when its change is
  below a tolerance, or when the gradient is nearly zero.
* The **cost** is the total or average of all the losses; its **partial derivatives** average
  the samples' contributions, which add up or cancel.
* **Batch gradient descent** updates $w$ and $b$ together with the gradient over the whole data
  set, and reaches the least-squares line.
""")
nb.write(sys.argv[1])
