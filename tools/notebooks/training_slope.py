import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nbtools import HOW_GRADED, NB
from solutions import training_slope as ref  # noqa: E402 - every answer cell is rendered from it
nb = NB("training_slope")
nb.md(r"""
# Module 2 lab: training a slope with autograd

In this lab you fit the simplest possible model, a line through the origin,

$$\hat{y} = w\,x,$$

by **gradient descent**, and you write every step of the training loop yourself:
the prediction (the *forward step*), the cost, the gradient with `loss.backward()`,
the update of the slope and the clearing of old gradients. Later labs hand these jobs
to `torch.optim`; doing them by hand once shows what the optimiser really does.

""" + HOW_GRADED)
nb.provided("imports", """
import torch
import matplotlib.pyplot as plt
""")
nb.md(r"""
## 1. The data: a line plus noise

We make up data whose true relationship we know, so we can tell whether training finds it.
The true line is $f(x) = -3x$. Real measurements are never exactly on a line, so we add
Gaussian noise with a small standard deviation (0.1):

$$y = -3x + \varepsilon, \qquad \varepsilon \sim \mathcal{N}(0,\ 0.1^2).$$

`X` holds 60 inputs from -3 to 2.9. `.view(-1, 1)` turns the flat tensor into a
column of shape `(60, 1)`: **one row per sample**, the shape PyTorch models expect.

The slope starts far from the answer, at $w = -10$. `requires_grad=True` asks PyTorch
to record every operation that uses `w`, so that it can later compute how the cost
changes when `w` changes.
""")
nb.provided("setup", """
torch.manual_seed(0)
w = torch.tensor(-10.0, requires_grad=True)
X = torch.arange(-3, 3, 0.1).view(-1, 1)
f = -3 * X
Y = f + 0.1 * torch.randn(X.size())
""")
nb.provided("plot_data", """
plt.plot(X.numpy(), Y.numpy(), "o", markersize=4, label="data: y = -3x + noise")
plt.plot(X.numpy(), f.numpy(), "-", label="true line f(x) = -3x")
plt.xlabel("x")
plt.ylabel("y")
plt.legend()
plt.show()
""")
nb.md(r"""
## 2. The forward step

A prediction is the slope times the input. Because `X` has one sample per row, the same
expression `w * x` predicts every sample at once: PyTorch multiplies each row by `w`.

**Your task.** Write `forward(x)`, returning the prediction $\hat{y} = w\,x$ for an input
`x` of shape `(N, 1)`. Read the slope from the global `w` (do not copy its value: it will
change during training) and use the argument `x`, not the global `X`.
""")
nb.answer("forward", ref.forward)
nb.test("test_forward", """
# Checks for forward (the hidden checks use other slopes and inputs)
_x = torch.tensor([[1.0], [2.0], [-0.5]])
_out = forward(_x)
assert _out is not None, "forward returned None: did you forget `return`?"
assert _out.shape == (3, 1), f"forward should keep one row per sample, shape (3, 1); got {tuple(_out.shape)}"
assert torch.allclose(_out, w * _x), f"forward(x) should be w * x = {(w * _x).detach().flatten().tolist()}"
assert _out.requires_grad, "forward's result must stay connected to w (do not use w.item() or w.data)"
print("forward: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 3. The cost: mean squared error

For one sample, the error is $\hat{y}_n - y_n$; squaring it makes every error count as
positive and punishes big misses much more than small ones. The **cost** averages the
squared errors over all $N$ samples, so it does not grow just because we have more data:

$$\ell(w) = \frac{1}{N}\sum_{n=1}^{N}\left(w\,x_n - y_n\right)^2 .$$

PyTorch code often calls this the *loss*, even though it is the cost over the whole
data set. It must stay a tensor (not a Python number), so that PyTorch can
differentiate it.

**Your task.** Write `criterion(yhat, y)` returning the mean squared error as a 0-dim tensor.
""")
nb.answer("criterion", ref.criterion)
nb.test("test_criterion", """
# Checks for criterion
_yhat = torch.tensor([[1.0], [2.0], [4.0]])
_y = torch.tensor([[1.0], [0.0], [1.0]])
_loss = criterion(_yhat, _y)
assert isinstance(_loss, torch.Tensor), "criterion should return a tensor, not a Python number"
assert _loss.numel() == 1, f"criterion should return one number, got shape {tuple(_loss.shape)}"
assert abs(_loss.item() - 13 / 3) < 1e-5, f"expected (0 + 4 + 9) / 3 = 4.3333, got {_loss.item():.4f} (sum instead of mean?)"
print("criterion: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
### The cost as a function of the slope

The data are fixed; only $w$ changes. So the cost is a function of the **parameter**:
each value of $w$ is a different line through the data and gets a different cost. For
this model the curve is a parabola, a bowl, and the bottom of the bowl is the best slope.
The next cell draws the bowl for our data.
""")
nb.provided("plot_cost_curve", """
w_grid = torch.linspace(-12, 6, 200)
cost_grid = torch.stack([torch.mean((wi * X - Y) ** 2) for wi in w_grid])
plt.plot(w_grid.numpy(), cost_grid.numpy())
plt.axvline(-10, color="gray", linestyle=":", label="starting slope w = -10")
plt.xlabel("slope w")
plt.ylabel("cost l(w)")
plt.title("The cost is a bowl in parameter space")
plt.legend()
plt.show()
""")
nb.md(r"""
## 4. Gradients with `loss.backward()`

The derivative $\dfrac{d\ell}{dw}$ is the slope of the bowl at the current $w$. Its
**sign** says which way is uphill; gradient descent steps the other way. You never write
the derivative yourself: because `w` was created with `requires_grad=True`, PyTorch
remembers how the cost was computed from `w`, and `loss.backward()` works the derivative
out and stores it in `w.grad`.

The next cell shows this on a copy of `w` (so the real `w` is not touched). For our cost
the derivative is $\frac{2}{N}\sum_n x_n (w x_n - y_n)$, and at $w = -10$ it is large
and negative: the cost falls as $w$ increases, so the update will move $w$ to the right.
""")
nb.provided("demo_backward", """
w_demo = torch.tensor(-10.0, requires_grad=True)
demo_cost = torch.mean((w_demo * X - Y) ** 2)
demo_cost.backward()
by_hand = torch.mean(2 * X * (w_demo.detach() * X - Y))
print(f"cost at w = -10: {demo_cost.item():.2f}")
print(f"w_demo.grad from backward(): {w_demo.grad.item():.3f}   by hand: {by_hand.item():.3f}")
""")
nb.md(r"""
## 5. The update

Gradient descent moves the slope a small step against the gradient:

$$w \leftarrow w - \eta\,\frac{d\ell}{dw},$$

where $\eta$ (`lr`, the **learning rate**) sets the step size. The update itself must not
become part of the autograd graph, and `w` must stay the *same* tensor (a leaf that
requires grad). Writing through `.data` does both: `w.data = w.data - lr * w.grad`
changes the numbers inside `w` without PyTorch recording it. (Writing `w = w - lr * w.grad`
instead would make a brand new tensor, computed from `w`, and the global `w` would no
longer be the parameter you are training.)

**Your task.** Write `backward_update(loss, params, lr)`: call `loss.backward()`, then
move every tensor `p` in the list `params` to `p - lr * p.grad` through `p.data`.
Use the tensors in `params`, not the global `w`.
""")
nb.answer("backward_update", ref.backward_update)
nb.test("test_backward_update", """
# Checks for backward_update (on a tensor of its own, so the global w is untouched)
_p = torch.tensor(2.0, requires_grad=True)
_params = [_p]
backward_update((_p - 5.0) ** 2, _params, 0.1)   # gradient at p = 2 is 2 * (2 - 5) = -6
assert _params[0] is _p, "backward_update must update the tensors in params, not replace them"
assert _p.is_leaf and _p.requires_grad, "after the update p must still be a leaf tensor that requires grad"
assert abs(_p.item() - 2.6) < 1e-5, f"expected p = 2 - 0.1 * (-6) = 2.6, got {_p.item():.4f} (check the sign and lr)"
print("backward_update: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 6. Clearing gradients

`backward()` **adds** the new gradient to whatever is already in `p.grad`. That is useful
in bigger models, but in our loop it would mean each step uses the sum of all past
gradients, and training goes wrong. So after every update the gradients must be cleared,
with `p.grad.zero_()` (the trailing underscore means "in place") or by setting
`p.grad = None`.

**Your task.** Write `zero_grad(params)`, clearing the gradient of every tensor in `params`.
""")
nb.answer("zero_grad", ref.zero_grad)
nb.test("test_zero_grad", """
# Checks for zero_grad
_p = torch.tensor(3.0, requires_grad=True)
(_p ** 2).backward()
zero_grad([_p])
(_p ** 2).backward()
assert _p.grad is not None and abs(_p.grad.item() - 6.0) < 1e-6, \\
    f"after zero_grad, a new backward() should give 6.0, got {_p.grad.item():.4f}: gradients accumulated"
assert _p.item() == 3.0, "zero_grad must clear p.grad, not change p itself"
print("zero_grad: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 7. Training: iterations and epochs

One **iteration** of our loop predicts, measures the cost, computes the gradient, updates
`w` and clears the gradient. Since every iteration uses the whole data set, one iteration
here is also one **epoch** (one pass over all the data).

Keep a record of the cost at every iteration: it is how you watch training when you
cannot draw the parameter space. Store `loss.item()`, the plain Python number, not the
tensor `loss` (a stored tensor keeps its whole autograd graph in memory).

**Your task.** Write `train_model(n_iter, lr)`: run `n_iter` iterations on the global data
`X`, `Y`, training the global `w` with `forward`, `criterion`, `backward_update` (with
`params = [w]`) and `zero_grad`, and return the list of the `n_iter` costs, each computed
before that iteration's update.
""")
nb.answer("train_model", ref.train_model)
nb.test("test_train_model", """
# Checks for train_model (w is put back afterwards, so the real training below starts fresh)
_w_saved = w.detach().clone()
_costs = train_model(3, 0.1)
_w_after = w.detach().clone()
w.data = _w_saved
w.grad = None
assert isinstance(_costs, list) and len(_costs) == 3, f"train_model(3, 0.1) should return a list of 3 costs, got {_costs!r}"
assert all(isinstance(c, float) for c in _costs), "store loss.item() (a Python float), not the loss tensor"
assert _costs[0] > _costs[1] > _costs[2], f"the cost should fall at every iteration with lr = 0.1: {_costs}"
assert _w_after.item() != _w_saved.item(), "train_model should update the global w"
print("train_model: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 8. Watching the cost fall

**Your task.** Write `plot_loss(losses)`: plot the cost against the iteration number,
label both axes, and return the matplotlib `Axes` you drew on
(`fig, ax = plt.subplots()` gives you one).
""")
nb.answer("plot_loss", ref.plot_loss)
nb.test("test_plot_loss", """
# Checks for plot_loss
_ax = plot_loss([4.0, 2.0, 1.0])
assert _ax is not None and hasattr(_ax, "get_lines"), "plot_loss should return the Axes it drew on"
assert any(list(l.get_ydata()) == [4.0, 2.0, 1.0] for l in _ax.get_lines()), "plot the costs as the y values"
assert _ax.get_xlabel() and _ax.get_ylabel(), "label both axes"
plt.close(_ax.figure)
print("plot_loss: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 9. Train

The next cell starts again from $w = -10$ and trains for 30 iterations with learning
rate 0.1. The true slope is -3; with this little noise the best slope is very close to it.
""")
nb.provided("run_training", """
w = torch.tensor(-10.0, requires_grad=True)
LOSS = train_model(30, 0.1)
print(f"slope after training: w = {w.item():.4f}; final cost {LOSS[-1]:.5f}")
""")
nb.test("test_converged", """
# Checks that training reached the bottom of the bowl
assert abs(w.item() - (-3.0)) < 0.1, f"after training w should be close to -3, got {w.item():.4f}"
print("Training converged.")
""")
nb.md(r"""
## 10. What training did

Three views of the same run:

* **data space**: the data with the starting line and the trained line;
* **parameter space**: the cost bowl with the slope after every iteration marked on it;
* **cost per iteration**: your `plot_loss`.

Look at the marks on the bowl: the first steps are big, the last ones tiny. The step is
$\eta\,\frac{d\ell}{dw}$, and the derivative, the steepness of the bowl, shrinks as $w$
nears the bottom. So the cost falls fast at first and slowly later. That is not a bug: it
is gradient descent arriving.
""")
nb.provided("plot_results", """
# Replay the same 30 steps with plain tensors, to mark every slope on the cost curve.
w_path = [-10.0]
w_replay = torch.tensor(-10.0, requires_grad=True)
for _ in range(30):
    replay_cost = torch.mean((w_replay * X - Y) ** 2)
    replay_cost.backward()
    w_replay.data = w_replay.data - 0.1 * w_replay.grad
    w_replay.grad.zero_()
    w_path.append(w_replay.item())
path_costs = [torch.mean((wi * X - Y) ** 2).item() for wi in w_path]

fig, (ax_data, ax_bowl) = plt.subplots(1, 2, figsize=(11, 4))
ax_data.plot(X.numpy(), Y.numpy(), "o", markersize=3, label="data")
ax_data.plot(X.numpy(), (-10 * X).numpy(), "--", label="start: w = -10")
ax_data.plot(X.numpy(), (w.detach() * X).numpy(), "-", label=f"trained: w = {w.item():.2f}")
ax_data.set_xlabel("x")
ax_data.set_ylabel("y")
ax_data.set_title("Data space")
ax_data.legend()
ax_bowl.plot(w_grid.numpy(), cost_grid.numpy(), label="cost l(w)")
ax_bowl.plot(w_path, path_costs, "o-", color="red", markersize=4, label="slope after each iteration")
ax_bowl.set_xlabel("slope w")
ax_bowl.set_ylabel("cost")
ax_bowl.set_title("Parameter space")
ax_bowl.legend()
plt.show()

plot_loss(LOSS)
plt.show()
""")
nb.md(r"""
## Summary

* The forward step predicts $\hat{y} = w x$ for every row of the input at once.
* The cost (mean squared error) is a function of the parameter $w$: a bowl whose bottom is the best slope.
* `loss.backward()` computes $d\ell/dw$ and stores it in `w.grad`.
* The update `w.data = w.data - lr * w.grad` steps downhill without being recorded by autograd.
* Gradients accumulate, so they are cleared after every step.
* Each iteration over the whole data set is one epoch; the cost falls quickly at first and slowly near the minimum, because the gradient gets small there.
""")
nb.write(sys.argv[1])
