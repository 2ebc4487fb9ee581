import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nbtools import NB  # noqa: E402
from solutions import prediction as ref  # noqa: E402 - every answer cell is rendered from it

nb = NB("prediction")
nb.md(r"""
# Module 2, assignment 1: making predictions with a line

Linear regression in one dimension describes how one **input** $x$ (the predictor, or
independent variable) relates to one **output** $y$ (the target, or dependent variable)
with a straight line:

$$\hat{y} = w\,x + b .$$

* $w$ is the **weight**, the slope of the line: how much $\hat{y}$ changes when $x$ grows by one;
* $b$ is the **bias**, the intercept: the prediction when $x = 0$;
* $\hat{y}$ ("y hat") is the **prediction**, which we hope is close to the true $y$.

Turning an input into a prediction is called the **forward step** (or forward pass).
In this assignment you write it three ways: by hand with tensors, with PyTorch's
built-in `nn.Linear`, and as your own model class. You will also look inside a model at
its parameters and set them yourself. Training the parameters comes in the next assignments.

**How this notebook is graded.** Each cell that says `# YOUR CODE HERE` is yours. The
cell right after it runs a few quick checks you can see; when you submit, hidden
checks test the same code on inputs (and model sizes) you have never seen. Keep the
names and arguments exactly as given, do not edit the locked cells, and run the notebook
from top to bottom (*Kernel → Restart & Run All*) before you submit.
""")
nb.provided("imports", """
import torch
import torch.nn as nn
import matplotlib.pyplot as plt
""")
nb.md(r"""
## 1. The parameters as tensors

We start with a line we choose ourselves: slope $w = 2$ and bias $b = -1$, so

$$\hat{y} = -1 + 2x .$$

Store each parameter as a PyTorch tensor created with `requires_grad=True`. That flag
tells PyTorch that these numbers are *parameters*: it should remember every calculation
that uses them, so that later it can work out how a change in $w$ or $b$ would change the
error (the gradient). Only floating-point tensors can do this, so write `2.0`, not `2`.

**Your task.** Create the global tensors `w` (value 2.0) and `b` (value -1.0), both with
`requires_grad=True`.
""")
nb.answer("params", ref.params, cell=True)
nb.test("test_params", """
# Checks for params
assert isinstance(w, torch.Tensor) and isinstance(b, torch.Tensor), "w and b should be tensors"
assert w.item() == 2.0 and b.item() == -1.0, f"expected w = 2.0 and b = -1.0, got w = {w.item()}, b = {b.item()}"
assert w.requires_grad and b.requires_grad, "create both tensors with requires_grad=True"
print("params: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 2. The forward step by hand

For one input, say $x = 1$, the prediction is $\hat{y} = -1 + 2 \cdot 1 = 1$.

Usually we predict for many inputs at once. We stack them in a tensor of shape $(N, 1)$:
**each row is one sample**, independent of the others. The same expression `w * x + b`
then works for the whole batch: PyTorch multiplies every row by `w` and adds `b` to every
row (it *broadcasts* the single bias across all rows). For $x = \begin{bmatrix}1\\2\end{bmatrix}$:

$$\hat{\mathbf{y}} = \begin{bmatrix}-1\\-1\end{bmatrix} + 2\begin{bmatrix}1\\2\end{bmatrix}
= \begin{bmatrix}-1 + 2\\-1 + 4\end{bmatrix} = \begin{bmatrix}1\\3\end{bmatrix}.$$

**Your task.** Write `forward(x)` returning $\hat{y} = w\,x + b$, reading the parameters
from the globals `w` and `b` (do not copy their values into the function: they will change
when the model is trained). For `x` of shape `(N, 1)` the result has shape `(N, 1)`.
""")
nb.answer("forward", ref.forward)
nb.test("test_forward", """
# Checks for forward (the hidden checks use other parameters and inputs)
_out = forward(torch.tensor([[1.0], [2.0]]))
assert _out is not None, "forward returned None: did you forget `return`?"
assert _out.shape == (2, 1), f"one prediction per row: expected shape (2, 1), got {tuple(_out.shape)}"
assert torch.allclose(_out, torch.tensor([[1.0], [3.0]])), f"forward([[1], [2]]) should be [[1], [3]], got {_out.tolist()}"
assert _out.requires_grad, "the prediction must stay connected to w and b (no .item() or .data)"
print("forward: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
Let us use it. First one sample, then a batch of three, then the line itself with the
batch's predictions on it. Every prediction lies exactly on the line: the forward step
only ever reads values off the line defined by $w$ and $b$.
""")
nb.provided("demo_forward", """
x_one = torch.tensor([1.0])
print("one sample:  x = 1 ->  yhat =", forward(x_one).item())

x_batch = torch.tensor([[1.0], [2.0], [3.0]])
yhat_batch = forward(x_batch)
print("a batch of shape", tuple(x_batch.shape), "-> predictions of shape", tuple(yhat_batch.shape))
print(yhat_batch.detach())

x_line = torch.linspace(-3, 4, 50).view(-1, 1)
plt.plot(x_line.numpy(), (2.0 * x_line - 1.0).numpy(), label="the line yhat = 2x - 1")
plt.plot(x_batch.numpy(), yhat_batch.detach().numpy(), "o", color="red", label="forward(x_batch)")
plt.axhline(0, color="gray", linewidth=0.5)
plt.axvline(0, color="gray", linewidth=0.5)
plt.xlabel("x")
plt.ylabel("yhat")
plt.title("Predictions are read off the line")
plt.legend()
plt.show()
""")
nb.md(r"""
Writing the parameters and the forward step by hand shows exactly what a prediction is,
but it is not how PyTorch models are built in practice. Next we let PyTorch do it.

## 3. `nn.Linear`: the built-in linear layer

`nn.Linear(in_features, out_features)` is a ready-made layer that holds a weight and a
bias and computes

$$\hat{y} = x\,W^{\mathsf{T}} + b .$$

For our one-input, one-output line, `in_features = 1` and `out_features = 1`: $W$ is a
$1 \times 1$ matrix (our slope) and $b$ a single number. The layer's weight and bias are
**learnable parameters**, and they start at **random** values. Random, but reproducible:
fixing the seed of PyTorch's random number generator with `torch.manual_seed(1)` right
before creating the layer always gives the same starting values
(weight ≈ 0.5153, bias ≈ −0.4414).

**Your task.** Call `torch.manual_seed(1)` and then create the global
`model = nn.Linear(in_features=1, out_features=1)`.
""")
nb.answer("linear_model", ref.linear_model, cell=True)
nb.test("test_linear_model", """
# Checks for linear_model
assert isinstance(model, nn.Linear), f"model should be an nn.Linear layer, got {type(model).__name__}"
assert model.in_features == 1 and model.out_features == 1, "one input feature and one output feature"
assert abs(model.weight.item() - 0.5153) < 1e-4 and abs(model.bias.item() + 0.4414) < 1e-4, \\
    "with torch.manual_seed(1) right before nn.Linear(1, 1), the weight is 0.5153 and the bias -0.4414"
print("linear_model: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
### Looking at the parameters, and calling the model

`model.parameters()` gives the layer's learnable tensors (an optimizer will later receive
exactly this). Each is a `Parameter`: a tensor that requires grad and is registered with
the model.

To predict, **call the model like a function: `model(x)`**. Do not call `model.forward(x)`
yourself: `model(x)` runs `forward` for you, plus the bookkeeping PyTorch attaches to every
call (hooks that other tools rely on). The input is again a batch of shape `(N, 1)` and
the output has shape `(N, 1)`: the same line applied to every row.

The cell below checks that `model(x)` really is $x W^{\mathsf{T}} + b$.
""")
nb.provided("demo_linear", """
print(list(model.parameters()))

x_zero = torch.tensor([[0.0]])
print("model(0) =", model(x_zero).item(), "  (at x = 0 the prediction is the bias)")

x_batch = torch.tensor([[1.0], [2.0], [3.0]])
yhat_layer = model(x_batch)
by_hand = x_batch @ model.weight.T + model.bias
print("model(x_batch):", yhat_layer.detach().flatten().tolist())
print("x W^T + b:     ", by_hand.detach().flatten().tolist())
""")
nb.md(r"""
## 4. Your own model class

Real models combine several layers, so PyTorch models are written as classes. A model is
a subclass of `nn.Module` that

* creates its layers in `__init__` (after calling the parent's `__init__` with
  `super().__init__()`, which sets up the machinery that keeps track of layers and parameters), and
* describes the computation in `forward(self, x)`.

An instance of the class is then a callable model, used like `nn.Linear`: `lr(x)`.

Assigning a layer to an attribute, `self.linear = nn.Linear(...)`, **registers** it: its
weight and bias appear in `model.parameters()` and `model.state_dict()`, so an optimizer
can train them and the model can be saved. A layer hidden in a plain Python list or dict
is not registered, and would silently never be trained.

**Your task.** Complete `class LR(nn.Module)`: `LR(input_size, output_size)` holds one
layer `self.linear = nn.Linear(input_size, output_size)`, and `forward(x)` returns that
layer's output. Use the sizes you are given (the hidden checks build, for example,
`LR(3, 2)`).
""")
nb.answer("LR", ref.LR)
nb.test("test_LR", """
# Checks for LR (on models of their own; the hidden checks try other sizes)
_m = LR(1, 1)
assert isinstance(_m, nn.Module), "LR should be a subclass of nn.Module"
assert isinstance(_m.linear, nn.Linear), "LR should keep its layer in the attribute `linear`"
assert len(list(_m.parameters())) == 2, "LR(1, 1) should have 2 registered parameters: linear.weight and linear.bias"
_x = torch.tensor([[1.0], [2.0]])
assert torch.allclose(_m(_x), _m.linear(_x)), "forward should return self.linear(x)"
_m2 = LR(3, 2)
assert _m2(torch.ones(4, 3)).shape == (4, 2), "LR(3, 2) maps inputs of shape (N, 3) to outputs of shape (N, 2)"
print("LR: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 5. `parameters()` versus `state_dict()`

A model offers two views of its parameters:

* `model.parameters()` yields the **learnable tensors themselves** (`Parameter` objects
  that require grad): what you hand to an optimizer so that it can update them.
* `model.state_dict()` is a **dictionary** mapping each parameter's name to its values, e.g.
  `'linear.weight'` and `'linear.bias'` for `LR`. The names follow the attributes
  (`linear`, then `weight` / `bias`). It is what you save to disk, load back, or edit to
  set parameters to chosen values.

`model.load_state_dict(d)` goes the other way: it copies the values of the dictionary `d`
into the model's own parameters (every name must be there, with the right shape).
""")
nb.provided("demo_state_dict", """
torch.manual_seed(1)
lr_model = LR(1, 1)
print("parameters():", list(lr_model.parameters()))
print("state_dict(): ", lr_model.state_dict())
print("keys:", list(lr_model.state_dict().keys()))
print("prediction for x = [[1], [2], [3]]:", lr_model(x_batch).detach().flatten().tolist())
""")
nb.md(r"""
**Your task.** Write `set_parameters(model, weight, bias)` for an `LR` model: get its
`state_dict()`, put `weight` under `'linear.weight'` and `bias` under `'linear.bias'`,
load the dictionary back with `load_state_dict`, and return the **same** model.

`weight` and `bias` may be tensors, or plain Python numbers for a 1 → 1 model. They hold
as many numbers as the layer's weight and bias, but not necessarily in the same shape
(a plain number has no shape at all), so convert and reshape them to the shape of the
entry they replace (`torch.as_tensor(...)`, `.reshape(...)` or `.view_as(...)` help).
""")
nb.answer("set_parameters", ref.set_parameters)
nb.test("test_set_parameters", """
# Checks for set_parameters (on a model of its own)
_m = LR(1, 1)
_back = set_parameters(_m, torch.tensor([[2.0]]), torch.tensor([-1.0]))
assert _back is _m, "set_parameters should return the same model it was given"
assert _m.linear.weight.item() == 2.0 and _m.linear.bias.item() == -1.0, "the weight should be 2.0 and the bias -1.0"
assert torch.allclose(_m(torch.tensor([[1.0], [2.0]])), torch.tensor([[1.0], [3.0]])), "LR with w = 2, b = -1 predicts [[1], [3]]"
set_parameters(_m, 0.5, 4.0)
assert _m.linear.weight.item() == 0.5 and _m.linear.bias.item() == 4.0, "plain numbers should work for a 1 -> 1 model"
print("set_parameters: these checks pass (the hidden checks test more).")
""")
nb.md(r"""
## 6. Three ways, one line

Give an `LR(1, 1)` the parameters of our hand-made line ($w = 2$, $b = -1$) and compare its
predictions with your `forward`: they are the same. The plot also shows the line the
randomly initialised `nn.Linear` draws before any training: predictions from a model that
has not been trained yet are not worth much. Finding good values of $w$ and $b$ from data
is what training does, in the next assignments.
""")
nb.provided("compare_models", """
same_line = set_parameters(LR(1, 1), 2.0, -1.0)
print("LR with w = 2, b = -1:", same_line(x_batch).detach().flatten().tolist())
print("forward by hand:      ", forward(x_batch).detach().flatten().tolist())

with torch.no_grad():
    plt.plot(x_line.numpy(), same_line(x_line).numpy(), label="LR(1, 1) set to w = 2, b = -1")
    plt.plot(x_line.numpy(), forward(x_line).numpy(), "--", label="forward(x) by hand")
    plt.plot(x_line.numpy(), model(x_line).numpy(), label="nn.Linear after torch.manual_seed(1)")
plt.xlabel("x")
plt.ylabel("yhat")
plt.title("The same forward step, three ways")
plt.legend()
plt.show()
""")
nb.md(r"""
## Summary

* A prediction is the forward step $\hat{y} = w x + b$; for a batch of shape $(N, 1)$ each row
  is predicted independently and the bias is broadcast to every row.
* Parameters are tensors with `requires_grad=True`, so PyTorch can later compute gradients for them.
* `nn.Linear(in_features, out_features)` computes $x W^{\mathsf{T}} + b$ with randomly
  initialised, learnable parameters; `torch.manual_seed` makes the initialisation reproducible.
* Call a model as `model(x)`: it runs `forward` for you.
* A custom model subclasses `nn.Module`, creates its layers in `__init__` (registering
  them as attributes) and computes in `forward`.
* `parameters()` gives the learnable tensors; `state_dict()` maps names to values, and
  `load_state_dict()` sets them.
""")
nb.write(sys.argv[1])
