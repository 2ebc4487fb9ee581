"""Hidden checks of the `prediction` assignment: the forward step, nn.Linear, a custom module.

Probes (the ``_probe_*`` functions) run inside the student's sandboxed process
and only collect values; every verdict is made here, against `solutions/`.
"""

import torch

from autograder.checkapi import (
    as_float, as_tensor, cell, close, describe, expect_close, expect_shape, fail, num, numbers_or_none, rand,
    randint,
)
from autograder.probes import prediction as probes
from solutions import bind
from solutions import prediction as ref

#: Where this assignment comes in the module (SPEC §1's order): `assignments.NAMES` is read from it.
TEACHING_ORDER = 1

#: The layer the `linear_model` cell made, as it was right after that cell.
SNAPSHOT_AFTER = {"params": ["w", "b"], "linear_model": ["model"]}


def _value(gen, low=0.5, high=4.0) -> float:
    """A number away from 0, of either sign."""
    value = float(rand(gen, 1, low=low, high=high))
    return value if randint(gen, 0, 1) else -value


# -------------------------------------------------------------------- params


@cell("test_params")
def test_params_hold_slope_2_and_bias_minus_1(nb, gen):
    got = nb.probe(probes.params, what="the params cell", cell="params")
    w_want, b_want = (float(v.detach()) for v in ref.params())
    values = {}
    for name, want in (("w", w_want), ("b", b_want)):
        info = got.part(name)
        value = info["value"]
        if not info.flag("tensor") or not isinstance(value, torch.Tensor):
            fail(f"{name} is {describe(value)}, not a tensor: create it with "
                 f"torch.tensor({want}, requires_grad=True).")
        if value.numel() != 1:
            fail(f"{name} should hold one number, but it has shape {tuple(value.shape)}.")
        values[name] = as_float(value, name)
    w, b = values["w"], values["b"]
    if w == w_want and b == b_want:
        return
    if w == b_want and b == w_want:
        fail("w and b are swapped: the slope (weight) is w = 2.0 and the bias (intercept) is b = -1.0.")
    if w == w_want and b == -b_want:
        fail("b has the wrong sign: the line is yhat = -1 + 2x, so b = -1.0.")
    fail(f"expected w = 2.0 and b = -1.0, got w = {w:.6g} and b = {b:.6g}.")


@cell("test_params")
def test_params_require_grad(nb, gen):
    got = nb.probe(probes.params, what="the params cell", cell="params")
    for name in ("w", "b"):
        info = got.part(name)
        if not info.flag("tensor"):
            fail(f"{name} is not a tensor, so PyTorch cannot track gradients for it: use "
                 "torch.tensor(..., requires_grad=True).")
        if not info.flag("floating"):
            fail(f"{name} holds integers (dtype from `2` or `-1`): write 2.0 / -1.0, because only "
                 "floating-point tensors can require gradients.", mistake="integer parameters")
        if not info.flag("requires_grad"):
            fail(f"{name} was created without requires_grad=True, so PyTorch would not track "
                 "gradients for it: it is a constant, not a parameter.", mistake="no requires_grad")
        if not info.flag("leaf"):
            fail(f"{name} is the result of a calculation, not a tensor of its own (a leaf): create it "
                 "directly with torch.tensor(..., requires_grad=True).")


# ------------------------------------------------------------------- forward


def _forward_case(nb, gen):
    w, b = _value(gen), _value(gen)
    n = randint(gen, 5, 17)
    x, x_one = rand(gen, n, 1), rand(gen, 1)
    got = nb.probe(probes.forward, what="forward(x)", cell="forward", w=w, b=b, x=x, x_one=x_one)
    return w, b, x, x_one, got


@cell("test_forward")
def test_forward_computes_w_times_x_plus_b(nb, gen):
    w, b, x, x_one, got = _forward_case(nb, gen)
    out = as_tensor(got["out"], "forward(x)")
    run = bind(ref, w=torch.tensor(w), b=torch.tensor(b))
    want = run.forward(x)
    if not close(out, want):
        if out.shape == x.shape:
            if close(out, w * x):
                fail("forward(x) returned w * x: it forgot the bias. The prediction is w * x + b.")
            if close(out, 2.0 * x - 1.0):
                fail("forward(x) used the numbers 2 and -1 instead of the global parameters w and b: "
                     "read w and b, whose values change during training.")
            if close(out, b * x + w):
                fail("forward(x) swapped the parameters (b * x + w): the slope w multiplies x and the "
                     "bias b is added.")
            if close(out, w * x - b):
                fail("forward(x) subtracted the bias (w * x - b); the prediction adds it: w * x + b.")
            if close(out, w * (x + b)):
                fail("forward(x) computed w * (x + b): only x is multiplied by w; the bias is added after.")
        if out.numel() == want.numel() and close(out.reshape(want.shape), want):
            fail(f"forward(x) has the right values but shape {tuple(out.shape)}; for x of shape "
                 f"{tuple(x.shape)} it should keep one prediction per row, shape {tuple(want.shape)}.")
        expect_close(out, want, "forward(x)", hint=f"With w = {w:.4g} and b = {b:.4g}, forward(x) is w * x + b.")
    one = as_tensor(got["one"], "forward(x) for a single sample")
    expect_close(one, run.forward(x_one), "forward(x) for one sample x of shape (1,)",
                 hint="A single sample is predicted with the same formula.")


@cell("test_forward")
def test_forward_lets_gradients_reach_w_and_b(nb, gen):
    w, b, x, _, got = _forward_case(nb, gen)
    as_tensor(got["out"], "forward(x)")
    grads = got["grads"]
    if grads is None:
        fail("forward(x) is not connected to w and b in the autograd graph (w.item(), .data, "
             ".detach() or copied numbers break it), so training could not compute their gradients.",
             mistake="graph broken")
    if not isinstance(grads, list) or len(grads) != 2:
        fail("the gradients of forward(x) came back changed (was a built-in replaced while it ran?).",
             mistake="broke the probe")
    if grads[0] is None:
        fail("forward(x) is not connected to w: the gradient cannot reach the slope.")
    if grads[1] is None:
        fail("forward(x) is not connected to b: the gradient cannot reach the bias.")
    expect_close(grads[0], x.sum(), "d(sum of forward(x))/dw", hint="The derivative of w * x + b with respect to w is x.")
    expect_close(grads[1], float(x.shape[0]), "d(sum of forward(x))/db",
                 hint="The bias is added once to every row, so the derivative is the number of rows.")


# -------------------------------------------------------------- linear_model


def _reference_layer():
    with torch.random.fork_rng():
        return ref.linear_model()


def _linear_case(nb, gen):
    x = rand(gen, randint(gen, 4, 12), 1)
    got = nb.probe(probes.linear_model, what="the linear_model cell", cell="linear_model", x=x)
    if got.flag("is_class"):
        fail("model is the class nn.Linear itself, not a layer: create one by calling it, "
             "nn.Linear(in_features=1, out_features=1).")
    if not got.flag("is_linear"):
        fail(f"model is a {got.text('type')}, expected an nn.Linear layer: model = nn.Linear(in_features=1, out_features=1).")
    if (got.count("in_features"), got.count("out_features")) != (1, 1):
        fail(f"model is nn.Linear({got['in_features']}, {got['out_features']}); one input feature and one "
             "output feature: nn.Linear(in_features=1, out_features=1).")
    if got["bias"] is None:
        fail("model has no bias (bias=False); the line needs one: nn.Linear(1, 1).")
    return x, got


@cell("test_linear_model")
def test_linear_model_starts_from_seed_1(nb, gen):
    _, got = _linear_case(nb, gen)
    want = _reference_layer()
    weight, bias = as_tensor(got["weight"], "model.weight"), as_tensor(got["bias"], "model.bias")
    if close(weight, want.weight) and close(bias, want.bias):
        return
    fail(f"model starts with weight {describe(weight)} and bias {describe(bias)}; "
         f"calling torch.manual_seed(1) right before nn.Linear(1, 1) gives weight {num(want.weight.detach())} and "
         f"bias {num(want.bias.detach())}. Did you set the seed (to 1, before creating the layer) and leave the "
         "random initial values as they are?")


@cell("test_linear_model")
def test_linear_model_predicts_x_wt_plus_b(nb, gen):
    x, got = _linear_case(nb, gen)
    weight, bias = as_tensor(got["weight"], "model.weight"), as_tensor(got["bias"], "model.bias")
    expect_shape(weight, (1, 1), "model.weight")
    expect_shape(bias, (1,), "model.bias")
    expect_close(got.get("y"), x.double() @ weight.T + bias, "model(x)", atol=1e-5,
                 hint="nn.Linear computes x W^T + b for every row of x.")


# ------------------------------------------------------------------------ LR


def _sizes(gen):
    in_size = randint(gen, 2, 5)
    out_size = randint(gen, 2, 4)
    if out_size == in_size:
        out_size += 1
    return in_size, out_size


@cell("test_LR")
def test_LR_holds_a_linear_layer_of_the_given_sizes(nb, gen):
    in_size, out_size = _sizes(gen)
    got = nb.probe(probes.lr_structure, what=f"LR({in_size}, {out_size})", cell="LR",
                   in_size=in_size, out_size=out_size)
    if not got.flag("is_module"):
        fail(f"LR({in_size}, {out_size}) is a {got.text('type')}, not an nn.Module: write `class LR(nn.Module):`.")
    if got.flag("linear_is_list"):
        fail("self.linear is a plain Python list: a layer hidden in a list is not registered with the "
             "model. Assign the layer itself: self.linear = nn.Linear(input_size, output_size).")
    if "in_features" not in got:
        hidden = got.texts("hidden")
        if hidden:
            fail(f"LR keeps its layer in a plain Python container (self.{hidden[0]}), where it is not "
                 "registered with the model; store it as self.linear = nn.Linear(input_size, output_size).")
        kind = got.text("linear_type")
        found = "" if kind == "NoneType" else f" (self.linear is a {kind})"
        fail(f"LR has no attribute `linear` holding an nn.Linear{found}: create it in __init__ with "
             "self.linear = nn.Linear(input_size, output_size).")
    sizes = (got.count("in_features"), got.count("out_features"))
    if sizes == (in_size, out_size):
        return
    if sizes == (out_size, in_size):
        fail(f"LR({in_size}, {out_size}) made nn.Linear({sizes[0]}, {sizes[1]}): the sizes are swapped; "
             "nn.Linear takes (in_features, out_features) = (input_size, output_size).")
    fail(f"LR({in_size}, {out_size}) made nn.Linear({sizes[0]}, {sizes[1]}): use the sizes LR is given, "
         "nn.Linear(input_size, output_size), not fixed numbers.")


@cell("test_LR")
def test_LR_forward_returns_the_layer_output(nb, gen):
    in_size, out_size = _sizes(gen)
    n = randint(gen, 4, 11)
    pool = rand(gen, n, 8)
    got = nb.probe(probes.lr_forward, what=f"LR({in_size}, {out_size})(x)", cell="LR",
                   in_size=in_size, out_size=out_size, pool=pool)
    if not got.flag("layer"):
        fail(f"LR({in_size}, {out_size}) holds no nn.Linear layer, so its forward could not be checked: "
             "create self.linear = nn.Linear(input_size, output_size) in __init__.")
    weight = as_tensor(got["weight"], "the layer's weight")
    if weight.dim() != 2 or weight.shape[1] > pool.shape[1]:
        fail(f"LR's layer has a weight of shape {tuple(weight.shape)}; nn.Linear(input_size, output_size) "
             f"has one of shape (output_size, input_size).", mistake="wrong shape")
    x = pool[:, : weight.shape[1]].double()
    bias = torch.zeros(weight.shape[0], dtype=torch.float64) if got["bias"] is None else as_tensor(got["bias"], "bias")
    expect_shape(bias, (weight.shape[0],), "the layer's bias")
    y = as_tensor(got["y"], "LR's forward(x)")
    want = x @ weight.T + bias
    if close(y, want, atol=1e-5):
        return
    if close(y, x):
        fail("LR's forward returned its input x unchanged: return the layer's output, self.linear(x).")
    if close(y, x @ weight.T, atol=1e-5):
        fail("LR's forward left out the bias: return self.linear(x), which computes x W^T + b.")
    expect_close(y, want, "LR's forward(x)", atol=1e-5, hint="forward should return self.linear(x), i.e. x W^T + b.")


@cell("test_LR")
def test_LR_registers_its_parameters(nb, gen):
    in_size, out_size = _sizes(gen)
    got = nb.probe(probes.lr_structure, what=f"LR({in_size}, {out_size})", cell="LR",
                   in_size=in_size, out_size=out_size)
    if not got.flag("is_module"):
        fail("LR is not an nn.Module, so it has no registered parameters.")
    want = {"linear.weight", "linear.bias"}
    names, keys = set(got.texts("names")), set(got.texts("keys"))
    if names == want and keys == want:
        return
    if not names:
        fail("LR's parameters() is empty: its layer is not registered with the model (kept in a plain "
             "Python list, dict or a local variable?), so an optimizer would never train it. Assign it as an "
             "attribute: self.linear = nn.Linear(input_size, output_size).")
    fail(f"LR's parameters are named {sorted(names)} and its state_dict() keys are {sorted(keys)}; expected "
         "exactly linear.weight and linear.bias (one layer, stored as self.linear).")


# ------------------------------------------------------------ set_parameters


def _set_case(nb, gen):
    in_size, out_size = _sizes(gen)
    weight, bias = rand(gen, out_size, in_size), rand(gen, out_size)
    x = rand(gen, randint(gen, 3, 9), in_size)
    got = nb.probe(probes.set_parameters, what="set_parameters(model, weight, bias)", cell="set_parameters",
                   reference=("LR",), in_size=in_size, out_size=out_size, weight=weight, bias=bias, x=x)
    return weight, bias, x, got


def _raised(got, call: str) -> None:
    error = got.text("error")
    if error is None:
        return
    if "Missing key" in error or "Unexpected key" in error:
        fail(f"{call} raised {error[:300]}\nThe state_dict() of an LR model has the keys 'linear.weight' "
             "and 'linear.bias' (the attribute name, then weight / bias): put the new values under those keys.")
    if "size mismatch" in error:
        fail(f"{call} raised {error[:300]}\nEach new value must have the shape of the entry it replaces: "
             "reshape weight and bias (e.g. .reshape(old.shape) or .view_as(old)) before loading them.")
    if "cannot assign" in error:
        fail(f"{call} raised {error[:300]}\nA layer's weight must stay a Parameter: load the values with "
             "model.load_state_dict(...) instead of assigning a plain tensor.")
    fail(f"{call} raised {error[:400]}")


@cell("test_set_parameters")
def test_set_parameters_gives_the_layer_the_new_values(nb, gen):
    weight, bias, _, got = _set_case(nb, gen)
    _raised(got, "set_parameters(model, weight, bias)")
    if got["weight"] is None or got["bias"] is None:
        fail("after set_parameters, model.linear.weight or model.linear.bias is no longer a tensor.")
    w, b = as_tensor(got["weight"], "model.linear.weight"), as_tensor(got["bias"], "model.linear.bias")
    if close(w, weight) and close(b, bias):
        return
    if close(w, got["before_w"]) and close(b, got["before_b"]):
        extra = "" if got.flag("same") else " (it returned another model: set the one it is given)"
        fail("set_parameters left the model's parameters unchanged" + extra + ". state_dict() gives you a "
             "new dictionary: changing its entries does not change the model until you load it back with "
             "model.load_state_dict(state).")
    if close(w, weight) and not close(b, bias):
        fail(f"the weight was set but the bias is {describe(b)}, expected {describe(bias.double())}.")
    if close(b, bias) and not close(w, weight):
        fail(f"the bias was set but the weight is {describe(w)}, expected {describe(weight.double())}.")
    fail(f"after set_parameters the weight is {describe(w)} and the bias {describe(b)}; expected "
         f"{describe(weight.double())} and {describe(bias.double())}.")


@cell("test_set_parameters")
def test_set_parameters_returns_the_same_trainable_model(nb, gen):
    weight, bias, x, got = _set_case(nb, gen)
    _raised(got, "set_parameters(model, weight, bias)")
    if got.text("back") is None:
        fail("set_parameters returned None: did you forget `return model`?", mistake="returns None")
    if not got.flag("same"):
        fail(f"set_parameters returned a {got.text('back')} that is not the model it was given: return the same "
             "model, with its parameters set.")
    if not got.flag("are_parameters") or not got.flag("registered"):
        fail("after set_parameters, model.linear.weight and model.linear.bias are no longer the model's "
             "registered Parameters: load the values with load_state_dict (which copies them into the "
             "existing parameters) instead of replacing the tensors.")
    if not got.flag("requires_grad") or not got.flag("grad_reached"):
        fail("after set_parameters the model's parameters no longer require gradients, so the model could "
             "not be trained any more.")
    w_now, b_now = as_tensor(got["weight"], "model.linear.weight"), as_tensor(got["bias"], "model.linear.bias")
    expect_shape(w_now, tuple(weight.shape), "model.linear.weight")
    expect_shape(b_now, tuple(bias.shape), "model.linear.bias")
    expect_close(got["y"], x.double() @ w_now.T + b_now, "model(x) after set_parameters", atol=1e-5,
                 hint="After set_parameters the model should still predict x W^T + b with its parameters.")


@cell("test_set_parameters")
def test_set_parameters_accepts_plain_numbers_for_a_1_to_1_model(nb, gen):
    weight, bias = round(_value(gen), 3), round(_value(gen), 3)
    x = rand(gen, randint(gen, 3, 8), 1)
    call = f"set_parameters(LR(1, 1), {weight}, {bias})"
    got = nb.probe(probes.set_numbers, what=call, cell="set_parameters", reference=("LR",),
                   weight=weight, bias=bias, x=x)
    error = got.text("error")
    if error is not None:
        fail(f"{call}, with plain numbers, raised {error[:300]}\nA plain number has no shape: turn it into a "
             "tensor of the entry's shape first, e.g. torch.as_tensor(weight, dtype=torch.float32)"
             ".reshape(old.shape), or torch.tensor([[weight]]) for the weight and torch.tensor([bias]) for the bias.")
    w, b = as_float(got["weight"], "model.linear.weight"), as_float(got["bias"], "model.linear.bias")
    if close(torch.tensor([w, b]), numbers_or_none(got["before"])):
        fail(f"{call} left the model unchanged: changing the entries of model.state_dict() does nothing "
             "until you load the dictionary back with model.load_state_dict(...).")
    if abs(w - bias) < 1e-6 and abs(b - weight) < 1e-6:
        fail(f"{call} swapped the two: the weight should be {weight} and the bias {bias}.")
    if abs(w - weight) > 1e-5 or abs(b - bias) > 1e-5:
        fail(f"after {call} the weight is {w:.6g} and the bias {b:.6g}; expected {weight} and {bias}.")
    expect_close(got["y"], weight * x.double() + bias, "model(x) after setting plain numbers", atol=1e-5)
