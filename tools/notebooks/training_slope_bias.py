import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nbtools import HOW_GRADED, NB
from solutions import training_slope_bias as ref  # noqa: E402 - every answer cell is rendered from it
nb = NB("training_slope_bias")
nb.md(r"""
# Module 2 lab: training a slope **and** a bias

In the previous lab the line went through the origin and only the slope was learnt.
Now the model has both of its parameters,

$$\hat{y} = w\,x + b,$$

the slope $w$ (how steep the line is) and the bias $b$ (how far it is shifted up or down).
With two parameters the cost is no longer a curve over one axis: it is a **surface** over
the $(w, b)$ plane. You will compute that surface, look at it from the side and from above
(a contour plot), and watch gradient descent walk down it while you train both parameters
with autograd and a hand-written update.

""" + HOW_GRADED)
nb.provided("imports", """
import torch
import matplotlib.pyplot as plt
from mpl_toolkits.mplot3d import Axes3D  # noqa: F401  (registers the 3-D projection)
""")
nb.md(r"""
## 1. The data and the starting parameters

The true line is $f(x) = x - 1$ (slope 1, bias -1), and each measurement gets a little
Gaussian noise with standard deviation 0.1. `X` is a column of 60 inputs between -3 and
2.9 (shape `(60, 1)`, one sample per row).

Both parameters start far from the truth, at $w = -15$ and $b = -10$, and both are created
with `requires_grad=True`, so PyTorch will compute the derivative of the cost with
respect to each of them.
""")
nb.provided("setup", """
torch.manual_seed(0)
X = torch.arange(-3, 3, 0.1).view(-1, 1)
f = 1 * X - 1
Y = f + 0.1 * torch.randn(X.size())
w = torch.tensor(-15.0, requires_grad=True)
b = torch.tensor(-10.0, requires_grad=True)
""")
nb.provided("plot_data", """
plt.plot(X.numpy(), Y.numpy(), "o", markersize=4, label="data: y = x - 1 + noise")
plt.plot(X.numpy(), f.numpy(), "-", label="true line f(x) = x - 1")
plt.xlabel("x")
plt.ylabel("y")
plt.legend()
plt.show()
""")
nb.md(r"""
## 2. The forward step

The prediction for every sample is the slope times the input **plus** the bias. One
expression, `w * x + b`, handles all rows of `x` at once: `w * x` scales each row and
`+ b` shifts every prediction by the same amount.

**Your task.** Write `forward(x)` returning $\hat{y} = w\,x + b$ for an input `x` of shape
`(N, 1)`, reading the current parameters from the globals `w` and `b` and using the
argument `x` (not the global `X`).
""")
nb.answer("forward", ref.forward)
nb.test("test_forward", """
# Checks for forward (the hidden checks use other parameters and inputs)
_x = torch.tensor([[1.0], [2.0], [-0.5]])
_out = forward(_x)
assert _out is not None, "forward returned None: did you forget `return`?"
assert _out.shape == (3, 1), f"forward should keep one row per sample, shape (3, 1); got {tuple(_out.shape)}"
assert torch.allclose(_out, w * _x + b), f"forward(x) should be w * x + b = {(w * _x + b).detach().flatten().tolist()}"
assert _out.requires_grad, "forward's result must stay connected to w and b"
print("forward: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 3. The cost

The cost is still the mean squared error, now written with both parameters:

$$J(w, b) = \frac{1}{N}\sum_{n=1}^{N}\left(w\,x_n + b - y_n\right)^2 .$$

**Your task.** Write `criterion(yhat, y)` returning the mean of the squared errors as a
0-dim tensor that PyTorch can differentiate.
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
## 4. The cost surface

The data never change during training; only $w$ and $b$ do. So think of the cost as a
function of the **two parameters**: every point $(w, b)$ of the plane is one line through
the data, and the height above that point is the cost of that line. Together these heights
form a surface, a bowl stretched over the parameter plane, and the lowest point of the
bowl is the best line.

To draw the surface we evaluate the cost on a grid: a list of slopes `w_values` and a list
of biases `b_values`. Matplotlib's `contour(w_values, b_values, Z)` and `plot_surface`
expect the heights `Z` as a table with **one row per bias and one column per slope**:

$$Z[i, j] = J\big(w = \texttt{w\_values}[j],\ b = \texttt{b\_values}[i]\big),
\qquad Z \text{ has shape } (\text{len(b\_values)},\ \text{len(w\_values)}).$$

Getting the orientation wrong is easy (the plot silently shows a transposed bowl when the
grid is square), so mind which index goes with which parameter. `torch.meshgrid` with
`indexing="xy"` produces exactly this layout; two nested loops work just as well.

**Your task.** Write `cost_surface(w_values, b_values, X, Y)` returning the tensor `Z`
described above, the mean squared error of the line $w x + b$ on the data `X`, `Y`
passed in as arguments. (Compute the cost directly from `w_values[j]` and `b_values[i]`; do not
change the global parameters.)
""")
nb.answer("cost_surface", ref.cost_surface)
nb.test("test_cost_surface", """
# Checks for cost_surface on a small grid with 3 slopes and 2 biases
_wv = torch.tensor([-1.0, 0.0, 2.0])
_bv = torch.tensor([0.5, -1.0])
_X = torch.tensor([[0.0], [1.0]])
_Y = torch.tensor([[1.0], [3.0]])
_Z = cost_surface(_wv, _bv, _X, _Y)
assert _Z is not None, "cost_surface returned None: did you forget `return`?"
assert tuple(_Z.shape) == (2, 3), f"Z should have one row per bias and one column per slope, shape (2, 3); got {tuple(_Z.shape)}"
# w = 2, b = -1: predictions (-1, 1), errors (-2, -2), cost 4
assert abs(float(_Z[1, 2]) - 4.0) < 1e-5, f"Z[1, 2] (w = 2, b = -1) should be 4.0, got {float(_Z[1, 2]):.4f}"
print("cost_surface: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
### Looking at the surface

The next cell evaluates your `cost_surface` on a grid of 60 slopes by 50 biases and draws
it twice: as a 3-D surface, and **from above** as a contour plot.

A contour line joins all the $(w, b)$ points that have the *same* cost, like the height
lines of a hiking map. Where the lines are packed close together the surface is steep
(a small move in $(w, b)$ changes the cost a lot); where they are far apart it is flat.
The minimum sits inside the innermost ring.
""")
nb.provided("plot_surface", """
w_values = torch.linspace(-20, 20, 60)
b_values = torch.linspace(-20, 20, 50)
Z = torch.as_tensor(cost_surface(w_values, b_values, X, Y))  # (a NumPy array or a table of numbers works too)
W_grid, B_grid = torch.meshgrid(w_values, b_values, indexing="xy")

fig = plt.figure(figsize=(12, 5))
ax3d = fig.add_subplot(1, 2, 1, projection="3d")
ax3d.plot_surface(W_grid.numpy(), B_grid.numpy(), Z.detach().numpy(), cmap="viridis", alpha=0.8)
ax3d.set_xlabel("slope w")
ax3d.set_ylabel("bias b")
ax3d.set_zlabel("cost J(w, b)")
ax3d.set_title("The cost surface")
ax_top = fig.add_subplot(1, 2, 2)
levels = ax_top.contour(w_values.numpy(), b_values.numpy(), Z.detach().numpy(), levels=[25, 50, 100, 200, 400, 600, 800, 1000, 1200])
ax_top.clabel(levels, fontsize=7)
ax_top.set_xlabel("slope w")
ax_top.set_ylabel("bias b")
ax_top.set_title("Seen from above: lines of equal cost")
plt.show()
""")
nb.md(r"""
### Slices of the surface

Hold one parameter fixed and the surface becomes an ordinary curve. Fixing $b$ and
varying $w$ cuts the bowl along the $w$ direction; fixing $w$ and varying $b$ cuts it along
the $b$ direction. Both slices are **parabolas**, but not equally curved: the cost changes
with $w$ through $w x_n$, and our inputs reach $|x| = 3$, so a step in $w$ moves the
predictions (and the cost) more than the same step in $b$. That is why the contour rings
are ellipses, narrow along $w$ and long along $b$: the same cost can need a large change of
$b$ but only a small change of $w$.
""")
nb.provided("plot_slices", """
fig, (ax_w, ax_b) = plt.subplots(1, 2, figsize=(11, 4))
for b_fixed in (-10.0, -1.0, 8.0):
    ax_w.plot(w_values.numpy(), [torch.mean((wv * X + b_fixed - Y) ** 2).item() for wv in w_values],
              label=f"b = {b_fixed:g}")
ax_w.set_xlabel("slope w")
ax_w.set_ylabel("cost")
ax_w.set_title("Slices at fixed b: parabolas in w")
ax_w.legend()
for w_fixed in (-15.0, 1.0, 10.0):
    ax_b.plot(b_values.numpy(), [torch.mean((w_fixed * X + bv - Y) ** 2).item() for bv in b_values],
              label=f"w = {w_fixed:g}")
ax_b.set_xlabel("bias b")
ax_b.set_ylabel("cost")
ax_b.set_title("Slices at fixed w: flatter parabolas in b")
ax_b.legend()
plt.show()
""")
nb.md(r"""
## 5. The gradient: two partial derivatives

With two parameters there are two derivatives. The **partial derivative**
$\partial J / \partial w$ is the slope of the surface if you walk in the $w$ direction
with $b$ held fixed (the slope of the first slice above); $\partial J / \partial b$ is the
slope in the $b$ direction. Stacked together they form the **gradient vector**

$$\nabla J(w, b) = \begin{bmatrix} \partial J / \partial w \\[2pt] \partial J / \partial b \end{bmatrix}.$$

Two facts make gradient descent work on a surface:

* the gradient points in the direction in which the cost **rises fastest** (uphill);
* it is **perpendicular to the contour line** through that point (along a contour line the
  cost does not change, so the steepest way up must cross the lines at right angles).

So the step $-\eta\,\nabla J$ crosses the contour lines heading downhill, towards the
minimum. The next cell lets autograd compute the gradient at a few points and draws it as
arrows over the contours: each arrow is at right angles to its contour and points to
higher cost. (The arrows are scaled down to fit; they are drawn with equal units on both
axes so that the right angles look like right angles.)
""")
nb.provided("plot_gradients", """
fig, ax = plt.subplots(figsize=(6, 6))
levels = ax.contour(w_values.numpy(), b_values.numpy(), Z.detach().numpy(), levels=[25, 50, 100, 200, 400, 600, 800])
for w0, b0 in [(-8.0, -10.0), (8.0, 5.0), (-5.0, 12.0), (6.0, -12.0), (12.0, 12.0)]:
    w_demo = torch.tensor(w0, requires_grad=True)
    b_demo = torch.tensor(b0, requires_grad=True)
    torch.mean((w_demo * X + b_demo - Y) ** 2).backward()
    grad = torch.stack([w_demo.grad, b_demo.grad])
    arrow = 4 * grad / grad.norm()
    ax.arrow(w0, b0, arrow[0].item(), arrow[1].item(), head_width=0.7, color="red")
    print(f"at (w, b) = ({w0:g}, {b0:g}):  dJ/dw = {w_demo.grad.item():8.2f},  dJ/db = {b_demo.grad.item():8.2f}")
ax.set_aspect("equal")
ax.set_xlabel("slope w")
ax.set_ylabel("bias b")
ax.set_title("The gradient is perpendicular to the contours, pointing uphill")
plt.show()
""")
nb.md(r"""
## 6. Updating several parameters

`loss.backward()` fills in **both** `w.grad` and `b.grad`, each with its own partial
derivative. Each parameter then takes its own step,

$$w \leftarrow w - \eta\,\frac{\partial J}{\partial w}, \qquad b \leftarrow b - \eta\,\frac{\partial J}{\partial b},$$

written through `.data`, so that the update is not recorded by autograd and each parameter
stays the same leaf tensor. A classic slip is to move `b` with `w`'s gradient: the two
partial derivatives are different numbers, and each parameter needs its own.

**Your task.** Write `backward_update(loss, params, lr)`: call `loss.backward()`, then move
every tensor `p` in the list `params` to `p - lr * p.grad` through `p.data`.
""")
nb.answer("backward_update", ref.backward_update)
nb.test("test_backward_update", """
# Checks for backward_update (on tensors of their own, so the global w and b are untouched)
_p = torch.tensor(2.0, requires_grad=True)
_q = torch.tensor(1.0, requires_grad=True)
backward_update((_p - 5.0) ** 2 + 3 * (_q + 1.0) ** 2, [_p, _q], 0.1)   # gradients -6 and 12
assert _p.is_leaf and _p.requires_grad and _q.is_leaf, "the parameters must stay leaf tensors that require grad"
assert abs(_p.item() - 2.6) < 1e-5, f"expected p = 2 - 0.1 * (-6) = 2.6, got {_p.item():.4f}"
assert abs(_q.item() - -0.2) < 1e-5, f"expected q = 1 - 0.1 * 12 = -0.2, got {_q.item():.4f} (each parameter uses its own gradient)"
print("backward_update: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 7. Clearing the gradients

`backward()` adds to whatever `p.grad` already holds, so after each update the gradients of
**all** the parameters must be cleared (`p.grad.zero_()` or `p.grad = None`); forgetting
one of them means that parameter is pushed by the sum of all its past gradients.

**Your task.** Write `zero_grad(params)`, clearing the gradient of every tensor in `params`.
""")
nb.answer("zero_grad", ref.zero_grad)
nb.test("test_zero_grad", """
# Checks for zero_grad
_p = torch.tensor(3.0, requires_grad=True)
_q = torch.tensor(-1.0, requires_grad=True)
(_p ** 2 + _q ** 2).backward()
zero_grad([_p, _q])
(_p ** 2 + _q ** 2).backward()
assert abs(_p.grad.item() - 6.0) < 1e-6 and abs(_q.grad.item() - -2.0) < 1e-6, \\
    f"after zero_grad a new backward() should give 6.0 and -2.0, got {_p.grad.item():.4f} and {_q.grad.item():.4f}"
assert _p.item() == 3.0 and _q.item() == -1.0, "zero_grad must clear the gradients, not change the parameters"
print("zero_grad: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 8. Training both parameters

Each epoch (one pass over all the data, here one iteration):

1. predict with `forward(X)`;
2. measure the cost with `criterion`;
3. `backward_update(loss, [w, b], lr)`: gradients, then a step for both parameters;
4. `zero_grad([w, b])`.

Record the cost of each epoch (`loss.item()`, computed before that epoch's update) in
`losses`, and record where the parameters are in `path`: the starting point first, then
the point after every update, each as a pair of Python floats `(w.item(), b.item())`. (Storing
`(w, b)` themselves would store the tensors, which keep changing: every entry would end up
showing the final values.) After `epochs` epochs, `losses` holds `epochs` costs and `path`
holds `epochs + 1` points.

**Your task.** Write `train_model(epochs, lr)` training the globals `w` and `b` on `X`, `Y`
with your four functions, returning `(losses, path)`.
""")
nb.answer("train_model", ref.train_model)
nb.test("test_train_model", """
# Checks for train_model (w and b are put back afterwards, so the real training below starts fresh)
_w_saved, _b_saved = w.detach().clone(), b.detach().clone()
_result = train_model(3, 0.1)
_w_after, _b_after = w.detach().clone(), b.detach().clone()
w.data, b.data = _w_saved, _b_saved
w.grad = b.grad = None
assert isinstance(_result, tuple) and len(_result) == 2, "train_model should return (losses, path)"
_costs, _path = _result
assert len(_costs) == 3 and all(isinstance(c, float) for c in _costs), f"expected 3 float costs, got {_costs!r}"
assert len(_path) == 4, f"path should hold the start and the point after each of the 3 epochs (4 points), got {len(_path)}"
assert tuple(_path[0]) == (_w_saved.item(), _b_saved.item()), f"path should start at the initial (w, b), got {_path[0]}"
assert _costs[0] > _costs[1] > _costs[2], f"the cost should fall at every epoch with lr = 0.1: {_costs}"
assert _w_after.item() != _w_saved.item() and _b_after.item() != _b_saved.item(), "train_model should update both w and b"
print("train_model: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 9. The path over the contours

**Your task.** Write `plot_contour(w_values, b_values, Z, path)`: draw the contour lines of
`Z` over the grid (slope on the x axis, bias on the y axis, i.e.
`ax.contour(w_values, b_values, Z)`), draw the path of `(w, b)` points on top of them as a
line with markers (slopes as x, biases as y), label the axes and return the `Axes`.
""")
nb.answer("plot_contour", ref.plot_contour)
nb.test("test_plot_contour", """
# Checks for plot_contour
_wv, _bv = torch.linspace(-2, 2, 5), torch.linspace(-1, 1, 4)
_Zs = (_wv[None, :] - 0.5) ** 2 + 3 * (_bv[:, None] + 0.2) ** 2   # a bowl on the 4 x 5 grid
_ax = plot_contour(_wv, _bv, _Zs, [(1.5, 0.5), (0.5, -0.5), (0.0, -0.9)])
assert _ax is not None and hasattr(_ax, "get_lines"), "plot_contour should return the Axes it drew on"
assert any(type(c).__name__ == "QuadContourSet" for c in _ax.collections), "draw the contours of Z with ax.contour"
assert any(list(l.get_xdata()) == [1.5, 0.5, 0.0] and list(l.get_ydata()) == [0.5, -0.5, -0.9] for l in _ax.get_lines()) \\
    or any(c.get_offsets().tolist() == [[1.5, 0.5], [0.5, -0.5], [0.0, -0.9]] for c in _ax.collections), \\
    "draw the path with the slopes as x and the biases as y"
plt.close(_ax.figure)
print("plot_contour: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 10. Train

The next cell puts both parameters back at their starting values ($w = -15$, $b = -10$)
and trains for 15 epochs with learning rate 0.1.
""")
nb.provided("run_training", """
w = torch.tensor(-15.0, requires_grad=True)
b = torch.tensor(-10.0, requires_grad=True)
losses, path = train_model(15, 0.1)
print(f"after training: w = {w.item():.4f}, b = {b.item():.4f}; final cost {losses[-1]:.5f}")
""")
nb.test("test_converged", """
# Checks that training took the steps the reference training takes: 15 epochs with lr = 0.1 from
# (-15, -10) on this data end at w = 0.9980, b = -1.3266. The best line (least squares) is
# w = 1.0063, b = -0.9944: the slope is there, the bias is still on its way along the flat valley.
assert abs(w.item() - 0.9980) < 2e-3, f"after training w should be 0.9980, like the reference run's; got {w.item():.4f}"
assert abs(b.item() - (-1.3266)) < 2e-3, f"after training b should be -1.3266, like the reference run's; got {b.item():.4f}"
print("Training reached the reference run's w and b (the bias has not converged yet: more epochs would bring it to -0.99).")
""")
nb.md(r"""
## 11. What training did

Three views of the same run:

* **the path over the contours** (your `plot_contour`): the first step is a huge jump
  straight across many contour lines, where the surface is steep and the gradient large;
  the later steps get shorter and shorter as the point slides into the flat bottom of the
  bowl, where the gradient is small. Each step leaves its contour at a right angle (the
  plot draws $w$ and $b$ to the same scale, so right angles look like right angles). Notice
  that $w$ gets to its best value within a few epochs while $b$ is still creeping along the
  long, flat valley: the slice in $b$ is the flatter parabola, so its partial derivative is
  smaller;
* **data space**: the line after several epochs, moving onto the data;
* **cost per epoch**: a fast fall followed by a slow approach to the minimum.
""")
nb.provided("plot_results", """
ax = plot_contour(w_values, b_values, Z.detach(), path)
ax.set_aspect("equal")  # one unit of w as long as one unit of b: the steps cross the contours at right angles
plt.show()

fig, (ax_data, ax_cost) = plt.subplots(1, 2, figsize=(11, 4))
ax_data.plot(X.numpy(), Y.numpy(), "o", markersize=3, color="gray", label="data")
for epoch in (0, 1, 3, 6, 15):
    w_e, b_e = path[epoch]
    ax_data.plot(X.numpy(), (w_e * X + b_e).numpy(), label=f"epoch {epoch}: w = {w_e:.2f}, b = {b_e:.2f}")
ax_data.set_ylim(-12, 8)
ax_data.set_xlabel("x")
ax_data.set_ylabel("y")
ax_data.set_title("The line at several epochs")
ax_data.legend(fontsize=7)
ax_cost.plot(range(len(losses)), losses, "o-")
ax_cost.set_yscale("log")
ax_cost.set_xlabel("epoch")
ax_cost.set_ylabel("cost (log scale)")
ax_cost.set_title("Cost per epoch")
plt.show()
""")
nb.md(r"""
## Summary

* With a slope and a bias, the cost $J(w, b)$ is a surface over the parameter plane, a bowl whose lowest point is the best line.
* A contour plot is the bowl seen from above: each line joins points of equal cost; close lines mean a steep surface, far apart lines a flat one.
* Slicing the surface at a fixed $b$ or a fixed $w$ gives parabolas of different curvature.
* The gradient collects the partial derivatives $\partial J/\partial w$ and $\partial J/\partial b$; it is perpendicular to the contours and points uphill, so gradient descent steps the other way.
* `loss.backward()` fills `w.grad` and `b.grad`; each parameter is updated with its own gradient, and both gradients are cleared after every step.
* The path in $(w, b)$ makes big jumps across the contours at first and small steps near the minimum.
""")
nb.write(sys.argv[1])
