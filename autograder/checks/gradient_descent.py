"""Hidden checks of the `gradient_descent` assignment: data, loss, derivative, gradient descent, cost.

Probes (the ``_probe_*`` functions) run inside the student's sandboxed process
and only collect values; every verdict is made here, against `solutions/`.
"""

import math

import torch

from autograder.checkapi import (
    CheckFailed, as_float, as_floats, as_tensor, cell, close, describe, expect_close, fail, is_number, num,
    off_center, python_floats, rand, randint, ratio, type_word,
)
from autograder.probes import gradient_descent as probes
from solutions import gradient_descent as ref

#: Functions of the reference that replace the student's when a later function is checked.
FOR_GRADIENT_DESCENT = ("loss", "dloss_dw")
FOR_BATCH = ("cost", "cost_gradient")


def _value(gen, low=0.5, high=4.0) -> float:
    """A number away from 0, of either sign."""
    value = float(rand(gen, 1, low=low, high=high))
    return value if randint(gen, 0, 1) else -value


# ----------------------------------------------------------------- make_data


def _shape_of(value) -> tuple | None:
    """A shape the probe sent (a list of whole numbers), or None."""
    if isinstance(value, list) and len(value) <= 8 and all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2 ** 40 for d in value):
        return tuple(value)
    return None


def _pair(result, call, n, judge_order=False):
    """(X, Y) from what make_data returned, as float64 tensors of shape (n, 1).
    A pair returned as (Y, X) fails only where ``judge_order`` (one mistake, one
    check); elsewhere it is judged the right way round."""
    if not isinstance(result, dict) or not result.flag("pair"):
        fail(f"{call} returned {describe(result.get('value') if isinstance(result, dict) else result)}; "
             "it should return the pair (X, Y).")
    shapes = result["shapes"]
    if not isinstance(shapes, list) or len(shapes) != 2:
        fail(f"{call}'s answer came back changed (was a built-in replaced while it ran?).", mistake="broke the probe")
    x_shape, y_shape = _shape_of(shapes[0]), _shape_of(shapes[1])
    for name, value, shape in (("X", result["X"], x_shape), ("Y", result["Y"], y_shape)):
        if shape is None:
            fail(f"{call}'s {name} is {describe(value)}; make_data should return two tensors (X, Y).")
    if (x_shape, y_shape) != ((n, 1), (n, 1)):
        _shapes(x_shape, y_shape, n, call)
    X, Y = as_tensor(result["X"], f"{call}'s X"), as_tensor(result["Y"], f"{call}'s Y")
    if tuple(X.shape) != (n, 1) or tuple(Y.shape) != (n, 1):
        fail(f"{call}'s answer came back changed (was a built-in replaced while it ran?).", mistake="broke the probe")
    line = torch.linspace(-3, 3, n, dtype=torch.float64).view(-1, 1)
    if not close(X, line, atol=1e-5) and close(Y, line, atol=1e-5):
        if judge_order:
            fail(f"{call} returned (Y, X): the inputs come first, then the targets: return X, Y.",
                 mistake="swapped (X, Y)")
        X, Y = Y, X
    return X, Y


def _shapes(x_shape, y_shape, n, call):
    """Fail with the likely cause of X or Y not having shape (n, 1)."""
    x_numel = math.prod(x_shape)
    if tuple(x_shape) == (n,):
        fail(f"{call} gave X of shape {tuple(x_shape)}: make it a column of shape ({n}, 1), one row per "
             "sample, with .view(-1, 1).")
    if x_numel != n:
        fail(f"{call} gave X with {x_numel} values; it should hold n = {n} evenly spaced values: "
             f"torch.linspace(-3, 3, n) (not arange with a fixed step).")
    if tuple(y_shape) == (n, n):
        fail(f"{call} gave Y of shape ({n}, {n}): noise of shape ({n},) was broadcast against X of shape "
             f"({n}, 1). Draw the noise with X's shape, e.g. torch.randn(X.shape).")
    fail(f"{call} gave X of shape {tuple(x_shape)} and Y of shape {tuple(y_shape)}; both should be ({n}, 1).")


def _noise_level(gen) -> float:
    """A noise standard deviation clearly different from 1, from its square and from its root."""
    return float(rand(gen, 1, low=0.3, high=0.6)) if randint(gen, 0, 1) else float(rand(gen, 1, low=1.6, high=2.5))


@cell("test_make_data")
def test_make_data_spaces_X_evenly_in_columns(nb, gen):
    w, b, n, sigma, seed = _value(gen), _value(gen), randint(gen, 8, 40), _noise_level(gen), randint(gen, 0, 10_000)
    call = f"make_data({w:.3g}, {b:.3g}, {n}, {sigma:.3g}, seed={seed})"
    got = nb.probe(probes.make_data, what=call, cell="make_data", calls=[(w, b, n, sigma, seed, 0)]).parts(1)
    X, Y = _pair(got[0], call, n, judge_order=True)
    expect_close(X, torch.linspace(-3, 3, n).view(-1, 1), f"{call}'s X", atol=1e-5,
                 hint="X should hold n evenly spaced values from -3 to 3: torch.linspace(-3, 3, n).view(-1, 1).")


@cell("test_make_data")
def test_make_data_adds_gaussian_noise_of_the_given_std(nb, gen):
    w, b, sigma, seed = _value(gen), _value(gen), _noise_level(gen), randint(gen, 0, 10_000)
    n = randint(gen, 2000, 3000)
    call = f"make_data({w:.3g}, {b:.3g}, {n}, {sigma:.3g}, seed={seed})"
    got = nb.probe(probes.make_data, what=call, cell="make_data",
                   calls=[(w, b, n, 0.0, seed, 0), (w, b, n, sigma, seed, 0)]).parts(2)
    X0, Y0 = _pair(got[0], call, n)
    X, Y = _pair(got[1], call, n)
    if not close(Y0, w * X0 + b, atol=1e-4):
        fail(f"with noise_std = 0, Y should lie exactly on the line w * X + b (here w = {w:.3g}, b = {b:.3g}), "
             f"but it does not: got {describe(Y0)} for X = {describe(X0)}.")
    noise = (Y - (w * X + b)).reshape(-1)
    mean, std = float(noise.mean()), float(noise.std())
    if not math.isfinite(mean) or not math.isfinite(std):
        fail(f"{call} gave Y with values that are not finite numbers: {describe(Y)}.")
    if std < 0.01 * sigma and abs(mean) > 0.01 * sigma:
        fail(f"every sample got the same noise ({mean:.3g}): draw one random number per sample, with X's "
             "shape, e.g. noise_std * torch.randn(X.shape).", mistake="one noise value for all samples")
    if abs(mean) > 0.15 * sigma:
        if abs(mean - 0.5 * sigma) < 0.1 * sigma:
            fail(f"the noise averages {mean:.3g}, about noise_std / 2: torch.rand draws uniform numbers on "
                 "[0, 1); the course's noise is Gaussian with mean 0: torch.randn.")
        fail(f"the noise Y - (w X + b) averages {mean:.3g}; Gaussian noise has mean 0 (torch.randn).")
    if abs(std - sigma) <= 0.1 * sigma:
        return
    if abs(std - 1.0) < 0.1:
        fail(f"the noise has standard deviation {std:.3g} instead of noise_std = {sigma:.3g}: multiply the "
             "standard normal noise by noise_std.")
    if abs(std - sigma ** 2) < 0.1 * sigma ** 2:
        fail(f"the noise has standard deviation {std:.3g} = noise_std ** 2: noise_std is the standard "
             "deviation itself, so multiply by noise_std, not by its square (the variance).")
    if abs(std - sigma / math.sqrt(3)) < 0.05 * sigma:
        fail(f"the noise has standard deviation {std:.3g} and looks uniform, not Gaussian: use torch.randn.")
    fail(f"the noise Y - (w X + b) has standard deviation {std:.3g}; with noise_std = {sigma:.3g} it should "
         "be about that much: Y = w * X + b + noise_std * torch.randn(X.shape).")


@cell("test_make_data")
def test_make_data_is_reproducible_for_a_seed(nb, gen):
    w, b, n, sigma = _value(gen), _value(gen), randint(gen, 10, 40), _noise_level(gen)
    seed, other = randint(gen, 0, 5000), randint(gen, 5001, 10_000)
    call = f"make_data({w:.3g}, {b:.3g}, {n}, {sigma:.3g}, seed={seed})"
    got = nb.probe(probes.make_data, what=call, cell="make_data",
                   calls=[(w, b, n, sigma, seed, 11), (w, b, n, sigma, seed, 12345),
                          (w, b, n, sigma, other, 11)]).parts(3)
    (_, Y1), (_, Y2), (_, Y3) = (_pair(r, call, n) for r in got)
    if Y1.shape != Y2.shape or not torch.equal(Y1, Y2):
        fail("make_data gave different data for the same seed: seed the noise with the seed argument "
             "(torch.Generator().manual_seed(seed) passed to torch.randn, or torch.manual_seed(seed)) so "
             "the data can be reproduced.")
    if Y1.shape == Y3.shape and torch.equal(Y1, Y3):
        fail(f"make_data gave the same data for seeds {seed} and {other}: use the seed argument, not a fixed seed.")


# ----------------------------------------------------------- loss, dloss_dw


def _samples(gen, count=4):
    return [(_value(gen, 0.3, 3.0), _value(gen, 0.5, 3.0), _value(gen, 0.5, 5.0)) for _ in range(count)]


def _pointwise_case(nb, gen, fn):
    samples = _samples(gen)
    grid = rand(gen, randint(gen, 5, 12), low=-4.0, high=4.0)
    x, y = _value(gen, 0.5, 3.0), _value(gen, 0.5, 5.0)
    got = nb.probe(probes.pointwise, what=f"{fn}(w, x, y)", cell=fn, name=fn, samples=samples, grid=grid, x=x, y=y)
    return samples, grid, x, y, got


def _grid_error(got, fn):
    error = got.text("grid_error")
    if error:
        fail(f"{fn}(w_values, x, y) with a tensor of w values raised {error[:300]}\n{fn} should work "
             "element by element on tensors too: use arithmetic operators only (math.pow, math functions, "
             "float() and .item() work on single numbers only).")


@cell("test_loss")
def test_loss_is_the_squared_error_of_one_sample(nb, gen):
    samples, _, _, _, got = _pointwise_case(nb, gen, "loss")
    values = as_floats(got["values"], "loss(w, x, y)")
    t = torch.tensor(samples, dtype=torch.float64)
    w, x, y = t[:, 0], t[:, 1], t[:, 2]
    want = ref.loss(w, x, y)
    if close(values, want):
        return
    error = w * x - y
    if close(values, error):
        fail("loss returned w * x - y: the error itself; the loss squares it: (w * x - y) ** 2.")
    if close(values, error.abs()):
        fail("loss returned the absolute error |w x - y|; the course's loss squares the error.")
    if close(values, 2 * error):
        fail("loss returned (w * x - y) * 2: `* 2` doubles, `** 2` squares.")
    if close(values, want / 2):
        fail("loss returned half the squared error; the loss is (w * x - y) ** 2, with no factor 1/2.")
    fail(f"loss(w, x, y) returned {describe(values)} for (w, x, y) = {samples}; expected (w * x - y) ** 2 = "
         f"{describe(want)}.")


@cell("test_loss")
def test_loss_works_on_a_tensor_of_w_values(nb, gen):
    _, grid, x, y, got = _pointwise_case(nb, gen, "loss")
    _grid_error(got, "loss")
    out = as_tensor(got["grid"], "loss(w_values, x, y) for a tensor of w values")
    want = ref.loss(grid.double(), x, y)
    if out.numel() == 1 and grid.numel() > 1:
        fail("loss(w_values, x, y) returned one number for a whole tensor of w values: compute it with "
             "arithmetic operators only (no float(), .item() or sum), so it works element by element.")
    expect_close(out, want, f"loss(w_values, {x:.3g}, {y:.3g})", atol=1e-4,
                 hint="Each w in the tensor gets its own loss (w * x - y) ** 2.")


@cell("test_dloss_dw")
def test_dloss_dw_is_the_analytic_derivative(nb, gen):
    samples, _, _, _, got = _pointwise_case(nb, gen, "dloss_dw")
    values = as_floats(got["values"], "dloss_dw(w, x, y)")
    t = torch.tensor(samples, dtype=torch.float64)
    w, x, y = t[:, 0], t[:, 1], t[:, 2]
    want = ref.dloss_dw(w, x, y)
    if close(values, want):
        return
    error = w * x - y
    if close(values, want / 2):
        fail("dloss_dw is missing the factor 2: the derivative of (w x - y) ** 2 is 2 x (w x - y).")
    if close(values, 2 * error):
        fail("dloss_dw returned 2 (w x - y): by the chain rule the derivative of (w x - y) with respect to w, "
             "which is x, multiplies it: 2 x (w x - y).")
    if close(values, -want):
        fail("dloss_dw has the wrong sign: it is 2 x (w x - y), positive when w x > y times x > 0.")
    if close(values, error ** 2):
        fail("dloss_dw returned the loss itself; it should return its derivative with respect to w, 2 x (w x - y).")
    if close(values, 2 * w * error):
        fail("dloss_dw multiplied by w instead of x: the derivative of w x with respect to w is x, so it is "
             "2 x (w x - y).")
    fail(f"dloss_dw(w, x, y) returned {describe(values)} for (w, x, y) = {samples}; the derivative "
         f"2 x (w x - y) is {describe(want)}.")


@cell("test_dloss_dw")
def test_dloss_dw_matches_autograd(nb, gen):
    _, grid, x, y, got = _pointwise_case(nb, gen, "dloss_dw")
    _grid_error(got, "dloss_dw")
    out = as_tensor(got["grid"], "dloss_dw(w_values, x, y) for a tensor of w values")
    w = grid.double().clone().requires_grad_(True)
    ref.loss(w, x, y).sum().backward()
    if out.numel() == 1 and grid.numel() > 1:
        fail("dloss_dw(w_values, x, y) returned one number for a whole tensor of w values: use arithmetic "
             "operators only, so it works element by element.")
    expect_close(out, w.grad, f"dloss_dw(w_values, {x:.3g}, {y:.3g}) compared with autograd", atol=1e-4,
                 hint="It should equal what loss(w, x, y).backward() puts in w.grad, at every w.")


# ---------------------------------------------------------- gradient_descent


def _gd_run(gen, c_low=0.05, c_high=0.4, n_low=5, n_high=12):
    x, y = _value(gen, 0.7, 2.5), _value(gen, 0.5, 5.0)
    lr = float(rand(gen, 1, low=c_low, high=c_high)) / x ** 2
    return (float(rand(gen, 1, low=-4.0, high=4.0)), x, y, lr, randint(gen, n_low, n_high))


def _path(got, n_iter, what="gradient_descent"):
    """The values of the path, as a float64 tensor (their types are judged by one check only)."""
    if not got.flag("listed"):
        fail(f"{what} returned {describe(got['path'])}; it should return the list [w0, w1, ..., w_n_iter].")
    return as_floats(got["path"], f"{what}'s list")


def _replay(w0, n_iter, step) -> torch.Tensor:
    """The path of ``w = step(w)`` from w0, in float64 tensors (a diverging replay ends in inf, never raises)."""
    values = [torch.tensor(w0, dtype=torch.float64)]
    for _ in range(n_iter):
        values.append(step(values[-1]))
    return torch.stack(values)


def _aligned(path: torch.Tensor, want: torch.Tensor):
    """``path`` and ``want`` cut to the values they share: a path without w0, or
    with a step too many or too few, is judged on its values here (its length
    is judged by the check of the list itself)."""
    if len(path) and len(want) > 1 and not close(path[0], want[0]) and close(path[0], want[1]):
        want = want[1:]
    k = min(len(path), len(want))
    return path[:k], want[:k]


@cell("test_gradient_descent")
def test_gradient_descent_returns_n_iter_plus_1_floats_from_w0(nb, gen):
    run = _gd_run(gen)
    w0, _, _, _, n_iter = run
    start = randint(gen, -4, 4)
    got, none = nb.probe(probes.gradient_descent, what="gradient_descent(w0, x, y, lr, n_iter)",
                         cell="gradient_descent", reference=FOR_GRADIENT_DESCENT,
                         runs=[run, (start, *run[1:4], 0)]).parts(2)
    path = _path(got, n_iter)
    python_floats(got["path"], "gradient_descent's list", "store float(w) (or w.item()) for every value.")
    if len(path) == n_iter and abs(float(path[0]) - w0) > 1e-9:
        fail(f"gradient_descent(w0, x, y, lr, {n_iter}) returned {n_iter} values: the list should start with "
             f"w0 itself, then the {n_iter} updated values ({n_iter + 1} in all).")
    if len(path) != n_iter + 1:
        fail(f"gradient_descent(w0, x, y, lr, {n_iter}) returned {len(path)} values; expected {n_iter + 1}: "
             "w0 and one value after each of the n_iter steps.")
    if abs(float(path[0]) - w0) > 1e-6 * max(1.0, abs(w0)):
        fail(f"gradient_descent's list should start with w0 = {w0:.6g}, but starts with {num(path[0])}.")
    call = f"gradient_descent({start}, x, y, lr, 0)"
    if _path(none, 0, call).tolist() != [float(start)]:
        fail(f"{call} returned {describe(none['path'])}; with n_iter = 0 there is no step: [w0] = [{float(start)}].")
    python_floats(none["path"], f"{call}'s list", "with an integer w0 the list should still hold floats: "
                  "start from float(w0).")


@cell("test_gradient_descent")
def test_gradient_descent_follows_the_update_rule(nb, gen):
    run = _gd_run(gen)
    w0, x, y, lr, n_iter = run
    got, = nb.probe(probes.gradient_descent, what="gradient_descent(w0, x, y, lr, n_iter)", cell="gradient_descent",
                    reference=FOR_GRADIENT_DESCENT, runs=[run]).parts(1)
    path = _path(got, n_iter)
    want = torch.tensor(ref.gradient_descent(*run), dtype=torch.float64)
    if not len(path):
        fail("gradient_descent returned an empty list: it should hold w0 and one value after each step.")
    shown, want = _aligned(path, want)
    if close(shown, want, atol=1e-5):
        return
    path = shown

    def replay(step):
        return _aligned(path, _replay(w0, n_iter, step))[1]

    if close(path, replay(lambda w: w + lr * ref.dloss_dw(w, x, y)), atol=1e-5):
        fail("gradient_descent added the derivative: that climbs the bowl. Gradient descent moves against "
             "it: w = w - lr * dloss_dw(w, x, y).")
    if close(path, replay(lambda w: w - ref.dloss_dw(w, x, y)), atol=1e-5):
        fail("gradient_descent ignored the learning rate: the step is lr * dloss_dw(w, x, y).")
    if close(path, replay(lambda w: w - lr * ref.loss(w, x, y)), atol=1e-5):
        fail("gradient_descent stepped by the loss instead of its derivative: w = w - lr * dloss_dw(w, x, y).")
    if close(path, replay(lambda w: w - lr * ref.dloss_dw(w0, x, y)), atol=1e-5):
        fail("gradient_descent used the derivative at w0 for every step; compute it at the current w each time.")
    expect_close(path, want, "gradient_descent's path", atol=1e-5,
                 hint=f"From w0 = {w0:.4g} with x = {x:.4g}, y = {y:.4g}, lr = {lr:.4g}: w = w - lr * dloss_dw(w, x, y).")


@cell("test_gradient_descent")
def test_gradient_descent_converges_or_diverges_with_the_learning_rate(nb, gen):
    good = _gd_run(gen, 0.2, 0.3, 40, 50)
    bad = _gd_run(gen, 1.2, 1.5, 10, 14)
    got = nb.probe(probes.gradient_descent, what="gradient_descent(w0, x, y, lr, n_iter)", cell="gradient_descent",
                   reference=FOR_GRADIENT_DESCENT, runs=[good, bad]).parts(2)
    w0, x, y, lr, n_iter = good
    path = _path(got[0], n_iter)
    best = y / x
    if not len(path) or not abs(float(path[-1]) - best) <= 1e-4 * max(1.0, abs(best)):
        fail(f"with x = {x:.4g}, y = {y:.4g} and a good learning rate lr = {lr:.4g}, {n_iter} steps should reach the "
             f"bottom of the bowl, w = y / x = {best:.5g}; gradient_descent ended at "
             f"{num(path[-1]) if len(path) else 'nothing (an empty list)'}.")
    w0, x, y, lr, n_iter = bad
    path = _path(got[1], n_iter)
    path, want = _aligned(path, torch.tensor(ref.gradient_descent(*bad), dtype=torch.float64))
    distance = (path - y / x).abs()
    growing = len(path) >= n_iter and bool((distance[1:] > distance[:-1]).all())
    if growing and close(path, want, rtol=1e-4, atol=1e-5):
        return
    fail(f"with lr = {lr:.4g}, more than 1 / x**2 = {1 / x ** 2:.4g}, every step overshoots the minimum by more "
         f"than it corrects and gradient descent should diverge, moving further from w = y / x at every step "
         f"({describe(want)}); gradient_descent gave {describe(path)}.")


# ------------------------------------------------------------ cost, total_cost


def _data(gen, n_low=6, n_high=20):
    n = randint(gen, n_low, n_high)
    return rand(gen, n, 1), rand(gen, n, 1, low=-4.0, high=4.0)


def _cost_case(nb, gen, fn):
    X, Y = _data(gen)
    w, b = _value(gen, 0.5, 3.0), _value(gen, 0.5, 3.0)
    got = nb.probe(probes.cost, what=f"{fn}(w, b, X, Y)", cell=fn, name=fn, w=w, b=b, X=X, Y=Y)
    return w, b, X, Y, got


def _diagnose_cost(fn, value, w, b, X, Y, want):
    n = X.shape[0]
    err = (w * X + b - Y).double()
    r = ratio(value, want)
    if fn == "cost" and abs(r - n) < 1e-3 * n:
        fail(f"cost returned {r:.3g}x the expected value: sum instead of mean? cost is the mean squared error "
             "(the sum is total_cost).")
    if fn == "total_cost" and abs(r - 1 / n) < 1e-3 / n:
        fail(f"total_cost returned 1/{n} of the expected value: mean instead of sum? total_cost adds up the "
             "squared errors.")
    if fn == "cost" and abs(r - n / (n - 1)) < 1e-4:
        fail("cost divided by N - 1; the mean squared error divides by N (torch.mean).")
    if abs(r - 0.5) < 1e-4:
        fail(f"{fn} returned half the expected value; the course's cost has no factor 1/2.")
    reduce = torch.mean if fn == "cost" else torch.sum
    if close(value, reduce(((w * X - Y).double()) ** 2)):
        fail(f"{fn} left out the bias: the prediction is w * X + b.")
    if close(value, reduce(err ** 2).sqrt()):
        fail(f"{fn} took a square root; it is the {'mean' if fn == 'cost' else 'sum'} of the squared errors, no root.")
    if close(value, reduce(err) ** 2):
        fail(f"{fn} squared the {'mean' if fn == 'cost' else 'sum'} of the errors; square each error first.")
    if close(value, reduce(err.abs())):
        fail(f"{fn} used absolute errors; square each error: (w * X + b - Y) ** 2.")


@cell("test_cost")
def test_cost_is_the_mean_squared_error(nb, gen):
    w, b, X, Y, got = _cost_case(nb, gen, "cost")
    value = as_tensor(got["value"], "cost(w, b, X, Y)")
    want = ref.cost(w, b, X.double(), Y.double())
    if value.numel() > 1:
        fail(f"cost returned {describe(value)}, one value per sample: the cost is their mean, a single number.")
    value = value.reshape(())
    if close(value, want, atol=1e-5):
        return
    _diagnose_cost("cost", value, w, b, X, Y, want)
    expect_close(value, want, "cost(w, b, X, Y)", atol=1e-5, hint="The cost is the mean of (w * X + b - Y) ** 2.")


@cell("test_cost")
def test_cost_is_a_tensor_autograd_can_differentiate(nb, gen):
    w, b, X, Y, got = _cost_case(nb, gen, "cost")
    again = got["again"]
    if not isinstance(again, torch.Tensor):
        fail(f"cost returned {describe(again)}, {'a plain number' if is_number(again) else type_word(again)}: return the tensor (no .item() or float()), so "
             "autograd can differentiate the cost.", mistake="not a tensor")
    grads = got["grads"]
    if grads is not None and (not isinstance(grads, list) or len(grads) != 2):
        fail("cost's gradients came back changed (was a built-in replaced while it ran?).", mistake="broke the probe")
    if grads is not None and grads[0] is not None and grads[1] is None:
        fail("no gradient reaches b through cost: the cost does not use the bias (the prediction is w * X + b).")
    if grads is None or grads[0] is None or grads[1] is None:
        fail("cost's result is not connected to w and b in the autograd graph when they are tensors that "
             "require grad (a detach, .item() or a new torch.tensor(...) breaks it).", mistake="graph broken")
    wt, bt = torch.tensor(w, dtype=torch.float64, requires_grad=True), torch.tensor(b, dtype=torch.float64, requires_grad=True)
    ref.cost(wt, bt, X.double(), Y.double()).backward()
    for name, g, want in (("w", grads[0], wt.grad), ("b", grads[1], bt.grad)):
        g = as_tensor(g, f"the gradient of cost with respect to {name}")
        if g.numel() != 1:
            fail(f"the gradient of cost with respect to {name} has shape {tuple(g.shape)}; a scalar w gets a "
                 "scalar gradient.", mistake="wrong shape")
        expect_close(g.reshape(()), want, f"the gradient of cost with respect to {name}", atol=1e-5)


@cell("test_total_cost")
def test_total_cost_is_the_sum_of_squared_errors(nb, gen):
    w, b, X, Y, got = _cost_case(nb, gen, "total_cost")
    value = as_tensor(got["value"], "total_cost(w, b, X, Y)")
    want = ref.total_cost(w, b, X.double(), Y.double())
    if value.numel() > 1:
        fail(f"total_cost returned {describe(value)}, one value per sample: add them up into a single number.")
    value = value.reshape(())
    if close(value, want, atol=1e-4):
        return
    _diagnose_cost("total_cost", value, w, b, X, Y, want)
    expect_close(value, want, "total_cost(w, b, X, Y)", atol=1e-4,
                 hint="The total cost is the sum of (w * X + b - Y) ** 2.")


# ------------------------------------------------------------- cost_gradient


def _gradient_case(nb, gen):
    X, Y = _data(gen, 8, 25)
    w, b = _value(gen, 0.5, 3.0), _value(gen, 0.5, 3.0)
    got = nb.probe(probes.cost_gradient, what="cost_gradient(w, b, X, Y)", cell="cost_gradient", w=w, b=b, X=X, Y=Y)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"cost_gradient returned {describe(got)}; it should return the pair (dJ/dw, dJ/db).")
    values = [as_float(v, f"cost_gradient(w, b, X, Y)'s {name}") for v, name in zip(got, ("dJ/dw", "dJ/db"))]
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    ref.cost(wt, bt, X.double(), Y.double()).backward()
    return values, (float(wt.grad), float(bt.grad)), X, Y, w, b, list(got)


def _diagnose_partial(name, got, want, other, n, extra, swapped):
    tol = dict(rtol=1e-4, atol=1e-5)
    if close(got, want, **tol):
        return
    if swapped:
        fail("cost_gradient returned the two partial derivatives swapped: the pair is (dJ/dw, dJ/db), in that order.",
             mistake="swapped (dJ/dw, dJ/db)")
    if close(got, n * want, **tol):
        fail(f"cost_gradient's {name} is {n}x too large: it summed the samples' terms instead of averaging "
             "them (the cost is the mean, so its derivative is a mean too).")
    if close(got, want / 2, **tol):
        fail(f"cost_gradient's {name} is missing the factor 2 from differentiating the square.")
    if close(got, -want, **tol):
        fail(f"cost_gradient's {name} has the wrong sign: differentiate (w x + b - y) ** 2, whose inner "
             "derivative is +x for w and +1 for b.")
    for value, message in extra:
        if close(got, value, **tol):
            fail(message)
    fail(f"cost_gradient's {name} is {num(got)}; autograd on the cost gives {num(want)}.")


@cell("test_cost_gradient")
def test_cost_gradient_dJ_dw_matches_autograd(nb, gen):
    (gw, gb), (want_w, want_b), X, Y, w, b, raw = _gradient_case(nb, gen)
    err = (w * X + b - Y).double()
    swapped = close(gw, want_b, rtol=1e-4, atol=1e-5) and close(gb, want_w, rtol=1e-4, atol=1e-5)
    _diagnose_partial("dJ/dw", gw, want_w, want_b, X.shape[0], swapped=swapped, extra=
                      [(float(torch.mean(2 * err)), "cost_gradient's dJ/dw leaves out x_i: by the chain rule each "
                        "sample's term is 2 x_i (w x_i + b - y_i).")])
    python_floats(raw, "cost_gradient(w, b, X, Y)", "return Python floats: float(dw), float(db) (or .item()).")


@cell("test_cost_gradient")
def test_cost_gradient_dJ_db_matches_autograd(nb, gen):
    (gw, gb), (want_w, want_b), X, Y, w, b, _ = _gradient_case(nb, gen)
    err = (w * X + b - Y).double()
    if close(gw, want_b, rtol=1e-4, atol=1e-5) and close(gb, want_w, rtol=1e-4, atol=1e-5):
        return  # both values are right, in the wrong order: one mistake, judged by the dJ/dw check
    _diagnose_partial("dJ/db", gb, want_b, want_w, X.shape[0], swapped=False, extra=
                      [(float(torch.mean(2 * X * err)), "cost_gradient's dJ/db multiplies by x_i; the bias's "
                        "inner derivative is 1: each sample's term is 2 (w x_i + b - y_i).")])


# ---------------------------------------------------- batch_gradient_descent


def _line_data(gen):
    """Noisy points on a line, with inputs whose mean is not 0 (a bias updated with
    the slope already updated, or a sum where a mean belongs, shows), scaled so
    that the learning rates below converge."""
    n = randint(gen, 20, 60)
    X = off_center(gen, n, spread=float(rand(gen, 1, low=1.2, high=1.8)))
    Y = _value(gen, 0.5, 3.0) * X + _value(gen, 0.3, 3.0) + 0.5 * torch.randn(X.shape, generator=gen)
    return X, Y


def _batch_run(gen, tol=None):
    X, Y = _line_data(gen)
    w0, b0 = float(rand(gen, 1, low=-4, high=4)), float(rand(gen, 1, low=-4, high=4))
    return (w0, b0, X, Y, float(rand(gen, 1, low=0.02, high=0.12)), randint(gen, 6, 15), tol)


def _unpack(got, what="batch_gradient_descent"):
    """(w, b, costs as a float64 tensor); their types are judged by one check only."""
    result = got["result"]
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        fail(f"{what} returned {describe(result)}; it should return the triple (w, b, costs).")
    w, b, costs = result
    w, b = as_float(w, f"{what}'s w"), as_float(b, f"{what}'s b")
    if not isinstance(costs, (list, tuple)):
        fail(f"{what}'s costs is {describe(costs)}; it should be a list of Python floats.")
    return w, b, as_floats(costs, f"a cost in {what}'s list")


def _ref_batch(run):
    w0, b0, X, Y, lr, n_iter, tol = run
    w, b, costs = ref.batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol=tol)
    return w, b, torch.tensor(costs, dtype=torch.float64)


def _run_one(nb, run):
    return nb.probe(probes.batch, what="batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol)",
                    cell="batch_gradient_descent", reference=FOR_BATCH, runs=[run]).parts(1)[0]


TOL = dict(rtol=1e-4, atol=1e-5)


@cell("test_batch_gradient_descent")
def test_batch_gradient_descent_returns_w_b_and_one_float_cost_per_update(nb, gen):
    run = _batch_run(gen)
    w0, b0 = randint(gen, -4, 4), randint(gen, 1, 4)
    got, none = nb.probe(probes.batch, what="batch_gradient_descent(w0, b0, X, Y, lr, n_iter, tol)",
                         cell="batch_gradient_descent", reference=FOR_BATCH,
                         runs=[run, (w0, b0, *run[2:5], 0, None)]).parts(2)
    _, _, costs = _unpack(got)
    w, b, raw = got["result"]
    n_iter = run[5]
    python_floats([w, b], "batch_gradient_descent's (w, b)", "return Python floats (float(w), or w.item()).")
    python_floats(raw, "batch_gradient_descent's costs", "append Python floats (float(c) or c.item()).")
    if len(costs) != n_iter:
        fail(f"without tol, batch_gradient_descent(..., n_iter={n_iter}) recorded {len(costs)} costs; it should "
             f"record one cost before each of the {n_iter} updates.")
    call = f"batch_gradient_descent({w0}, {b0}, X, Y, lr, 0)"
    w, b, costs = _unpack(none, call)
    if (w, b, costs.tolist()) != (w0, b0, []):
        fail(f"{call} returned ({num(w)}, {num(b)}, {describe(costs.tolist())}); with n_iter = 0 nothing is "
             f"updated or recorded: ({float(w0)}, {float(b0)}, []).")
    python_floats(list(none["result"])[:2], f"{call}'s (w, b)", "with integer w0 and b0, w and b should still be "
                  "floats: start from float(w0) and float(b0).")


@cell("test_batch_gradient_descent")
def test_batch_gradient_descent_updates_w_and_b_together(nb, gen):
    run = _batch_run(gen)
    w0, b0, X, Y, lr, n_iter, _ = run
    w, b, costs = _unpack(_run_one(nb, run))
    want_w, want_b, want_costs = _ref_batch(run)
    if close(costs, want_costs, **TOL) and close(w, want_w, **TOL) and close(b, want_b, **TOL):
        return
    if abs(b - b0) < 1e-12 and not close(b, want_b, **TOL):
        fail("batch_gradient_descent never changed b: update the bias too, b = b - lr * dJ/db.")
    if abs(w - w0) < 1e-12 and not close(w, want_w, **TOL):
        fail("batch_gradient_descent never changed w: update the slope too, w = w - lr * dJ/dw.")
    if len(costs) == n_iter and close(costs[:-1], want_costs[1:], **TOL):
        fail("batch_gradient_descent recorded each cost after the update; record the cost of the current "
             "(w, b), computed before updating them.")
    if len(costs) and float(costs[-1]) > float(costs[0]) and float(want_costs[-1]) < float(want_costs[0]):
        fail("batch_gradient_descent's cost grew while it should fall: move against the gradient, "
             "w - lr * dJ/dw and b - lr * dJ/db.")
    if len(costs) != len(want_costs):
        fail(f"batch_gradient_descent recorded {len(costs)} costs, expected {len(want_costs)}.")
    expect_close(costs, want_costs, "batch_gradient_descent's costs", **TOL,
                 hint="Each iteration: record cost(w, b, X, Y), then update w and b with cost_gradient at the same (w, b).")
    expect_close(torch.tensor([w, b]), torch.tensor([want_w, want_b]), "the final (w, b)", **TOL)


def _tol_run(gen):
    """A run, with a tolerance that stops it after a known number of recorded costs, well clear of rounding."""
    for _ in range(50):
        w0, b0, X, Y, lr, _, _ = _batch_run(gen)
        _, _, costs = ref.batch_gradient_descent(w0, b0, X, Y, lr, 40)
        diffs = [abs(a - c) for a, c in zip(costs, costs[1:])]
        k = randint(gen, 3, 10)
        low, high = min(diffs[: k - 1]), diffs[k - 1]
        if low > 1.05 * high and high > 1e-3 * costs[k - 1]:
            return (w0, b0, X, Y, lr, k + randint(gen, 5, 20), math.sqrt(low * high)), k
    raise RuntimeError("no tolerance case found")


@cell("test_batch_gradient_descent")
def test_batch_gradient_descent_stops_early_with_tol(nb, gen):
    run, k = _tol_run(gen)
    w0, b0, X, Y, lr, n_iter, tol = run
    w, b, costs = _unpack(_run_one(nb, run))
    want_w, want_b, want_costs = _ref_batch(run)
    if len(costs) == len(want_costs) and close(costs, want_costs, **TOL) and close(w, want_w, **TOL) \
            and close(b, want_b, **TOL):
        return
    if len(costs) > 1 and not close(costs[1], want_costs[1], **TOL) and len(costs) < n_iter \
            and bool(((costs[1:] - costs[:-1]).abs() >= tol).all()):
        return  # its updates differ (judged by the check of the update), but it stops by tol's rule
    if len(costs) == n_iter:
        fail(f"with tol = {tol:.3g}, batch_gradient_descent still ran all {n_iter} iterations; it should stop "
             f"as soon as the cost changes by less than tol (here after {k} recorded costs).")
    if len(costs) == k + 1 and close(costs[:k], want_costs, **TOL):
        fail(f"with tol = {tol:.3g}, batch_gradient_descent also recorded the cost that made it stop ({k + 1} "
             f"costs instead of {k}): compare the new cost with the last recorded one first, and stop without "
             "recording it.")
    if len(costs) == k - 1:
        fail(f"with tol = {tol:.3g}, batch_gradient_descent stopped one iteration early ({k - 1} costs instead "
             f"of {k}): compare the current cost with the last recorded cost, and stop only when they differ "
             "by less than tol.")
    if len(costs) == k and close(costs, want_costs, **TOL):
        fail(f"with tol = {tol:.3g}, batch_gradient_descent recorded the right costs but ended at w = {w:.5g}, "
             f"b = {b:.5g} instead of w = {want_w:.5g}, b = {want_b:.5g}: when it stops, it must not update "
             "w and b any more.")
    fail(f"with tol = {tol:.3g}, batch_gradient_descent recorded {len(costs)} costs and ended at w = {w:.5g}, "
         f"b = {b:.5g}; expected {k} costs (it stops when the new cost differs from the last recorded one by "
         f"less than tol) and w = {want_w:.5g}, b = {want_b:.5g}.")


@cell("test_batch_gradient_descent")
def test_batch_gradient_descent_finds_least_squares_or_diverges(nb, gen):
    X, Y = _line_data(gen)
    X1 = torch.cat([X, torch.ones_like(X)], dim=1).double()
    w_ls, b_ls = torch.linalg.lstsq(X1, Y.double()).solution.flatten().tolist()
    # The cost is a bowl whose curvatures are the eigenvalues of 2 X1^T X1 / N. A rate above
    # 2 / (the largest) makes the steps overshoot along its direction, further each time:
    # start well away from the minimum along that direction, so that the overshoot dominates the cost.
    curvatures, directions = torch.linalg.eigh(2 * X1.T @ X1 / len(X1))
    big = float(rand(gen, 1, low=1.2, high=1.4)) * 2 / float(curvatures[-1])
    steep, flat = directions[:, -1], directions[:, 0]
    w0, b0 = (torch.tensor([w_ls, b_ls], dtype=torch.float64) + _value(gen, 1.0, 3.0) * steep
              + _value(gen, 0.05, 0.2) * flat).tolist()
    runs = [(w0, b0, X, Y, 0.1, 400, None), (w0, b0, X, Y, big, 15, None)]
    got = nb.probe(probes.batch, what="batch_gradient_descent(w0, b0, X, Y, lr, n_iter)",
                   cell="batch_gradient_descent", reference=FOR_BATCH, runs=runs).parts(2)
    w, b, _ = _unpack(got[0])
    if abs(w - w_ls) > 1e-3 or abs(b - b_ls) > 1e-3:
        fail(f"with lr = 0.1 and 400 iterations, batch gradient descent should reach the least-squares line "
             f"w = {w_ls:.5g}, b = {b_ls:.5g} (the minimum of the cost); it ended at w = {w:.5g}, b = {b:.5g}.")
    _, _, costs = _unpack(got[1])
    if len(costs) == 15 and bool((costs[1:] > costs[:-1]).all()) and float(costs[-1]) > 10 * float(costs[0]):
        return
    _, _, want = _ref_batch(runs[1])
    if len(costs) > 1 and close(costs[0], want[0], **TOL) and not close(costs[1], want[1], **TOL):
        return  # its update differs from the first step on: judged by the check of the update, not here
    fail(f"with lr = {big:.3g}, too large for this data, every update overshoots and the cost should grow at "
         f"every iteration (gradient descent diverges); the costs were {describe(costs)}.")


# ------------------------------------------------------------------- descend

FOR_DESCEND = ("loss", "dloss_dw")
FOR_SWEEP = ("loss", "dloss_dw", "gradient_descent")
REASONS = ("gradient", "no decrease", "tol", "max_iter")


def _descend_run(gen, c_low=0.05, c_high=0.4, max_iter=40, tol=None, grad_tol=None):
    """(w0, x, y, lr, max_iter, tol, grad_tol), with lr = c / x**2: each step multiplies the
    distance to the minimum by 1 - 2c (c < 0.5 approaches it steadily; c > 1 overshoots further each time)."""
    x, y = _value(gen, 0.7, 2.5), _value(gen, 0.5, 5.0)
    w0 = y / x + _value(gen, 1.0, 4.0)
    return (w0, x, y, float(rand(gen, 1, low=c_low, high=c_high)) / x ** 2, max_iter, tol, grad_tol)


def _descend_call(run) -> str:
    w0, x, y, lr, max_iter, tol, grad_tol = run
    options = "".join(f", {k}={v:.3g}" for k, v in (("tol", tol), ("grad_tol", grad_tol)) if v is not None)
    return f"descend({w0:.3g}, {x:.3g}, {y:.3g}, {lr:.3g}, {max_iter}{options})"


def _descend_probe(nb, runs):
    """The answers of ``runs``, each marked with whether descend returns (reason, ws) on
    every path: an extra run with max_iter = 0 shows what its last return gives."""
    zero = (*runs[0][:4], 0, None, None)
    got = nb.probe(probes.descend, what="descend(w0, x, y, lr, max_iter, tol, grad_tol)", cell="descend",
                   reference=FOR_DESCEND, runs=[*runs, zero]).parts(len(runs) + 1)
    swapped = _swapped(got[-1]["result"])
    for answer in got:
        answer.swapped_everywhere = swapped
    return got[:-1]


def _swapped(result) -> bool:
    return isinstance(result, (tuple, list)) and len(result) == 2 and isinstance(result[0], str) \
        and isinstance(result[1], (list, tuple))


def _descended(got, run, judge_order=False):
    """(ws as a float64 tensor, reason) from what descend returned. Returned as
    (reason, ws) on every path, it fails only where ``judge_order``; elsewhere it is
    judged the right way round. (Returned so by one ``return`` only, it fails where it shows.)"""
    call = _descend_call(run)
    result = got["result"]
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail(f"{call} returned {describe(result)}; it should return the pair (ws, reason).")
    ws, reason = result
    if _swapped(result):
        if judge_order or not getattr(got, "swapped_everywhere", False):
            fail(f"{call} returned (reason, ws); the order is (ws, reason): the list of w values first.",
                 mistake="swapped (ws, reason)")
        ws, reason = reason, ws
    if not isinstance(reason, str) or reason not in REASONS:
        fail(f"{call} gave the reason {describe(reason)}; it should be exactly one of "
             f"{', '.join(repr(r) for r in REASONS)}.", mistake="wrong reason text")
    if not isinstance(ws, (list, tuple)):
        fail(f"{call} returned ws = {describe(ws)}; it should be the list [w0, w1, ...] of every w visited.")
    return as_floats(ws, f"{call}'s ws"), reason, list(ws)


def _expect_descent(got, run, *, judge_order=False, judge_extra_update=False, rule=""):
    """Fail unless descend stopped where and why the reference does, on the same path. One
    update made before the rules were checked fails only where ``judge_extra_update``."""
    ws, reason, _ = _descended(got, run, judge_order)
    want_ws, want_reason = ref.descend(*run)
    call = _descend_call(run)
    updates, want_updates = len(ws) - 1, len(want_ws) - 1
    if reason == want_reason and updates == want_updates:
        expect_close(ws, torch.tensor(want_ws, dtype=torch.float64), f"{call}'s ws", atol=1e-6,
                     hint="Each update is w = w - lr * dloss_dw(w, x, y), as in gradient_descent.")
        return
    w0, x, y, lr, max_iter, tol, grad_tol = run
    if reason == "gradient" and grad_tol is not None and len(ws):
        slope = float(ref.dloss_dw(float(ws[-1]), x, y))
        if abs(slope) >= grad_tol:
            fail(f"{call} stopped with 'gradient' at w = {num(ws[-1])}, where dloss_dw is {num(slope)}: its size "
                 f"is not below grad_tol = {grad_tol:.3g}. Compare the size of the gradient, whatever its sign: "
                 "abs(dloss_dw(w, x, y)) < grad_tol.", mistake="gradient rule without abs")
    if reason == want_reason and updates == want_updates + 1:
        if not judge_extra_update:
            return
        fail(f"{call} stopped with {reason!r} but after {updates} updates, one too many: check the rules "
             "before updating w, and stop without updating (ws ends with the w where the rule held).",
             mistake="updated before stopping")
    fail(f"{call} stopped with {reason!r} after {updates} updates; expected {want_reason!r} after "
         f"{want_updates}. {rule}".rstrip())


@cell("test_descend")
def test_descend_records_every_w_and_stops_after_max_iter(nb, gen):
    run = _descend_run(gen, max_iter=randint(gen, 4, 12))
    start = randint(gen, -4, 4)
    got, none = _descend_probe(nb, [run, (start, *run[1:4], 0, None, None)])
    none.swapped_everywhere = False  # its own max_iter path: judged here
    _expect_descent(got, run, judge_order=True,
                    rule="With neither tol nor grad_tol and a loss that falls at every step, it makes all "
                         "max_iter updates and stops with 'max_iter'.")
    ws, _, raw = _descended(got, run)
    python_floats(raw, f"{_descend_call(run)}'s ws", "store float(w) for every value, w0 included.")
    ws, reason, raw = _descended(none, (start, *run[1:4], 0, None, None))
    if ws.tolist() != [float(start)] or reason != "max_iter":
        fail(f"descend({start}, x, y, lr, 0) returned ({describe(raw)}, {reason!r}); with max_iter = 0 there "
             f"is no update: ([{float(start)}], 'max_iter').")
    python_floats(raw, f"descend({start}, x, y, lr, 0)'s ws", "with an integer w0, start from float(w0).")


def _gradient_run(gen, k, tol=None):
    """A run whose gradient first falls below grad_tol before update k (well clear of rounding)."""
    run = _descend_run(gen)
    w0, x, y, lr = run[:4]
    path = ref.gradient_descent(w0, x, y, lr, k)
    slopes = [abs(float(ref.dloss_dw(w, x, y))) for w in path]
    return (w0, x, y, lr, k + randint(gen, 3, 15), tol, math.sqrt(slopes[k] * slopes[k - 1]))


@cell("test_descend")
def test_descend_stops_when_the_gradient_is_about_zero(nb, gen):
    run = _gradient_run(gen, randint(gen, 2, 8))
    w0, x, y = run[:3]
    mirror = (2 * y / x - w0, *run[1:])  # the other side of the minimum: the same sizes of gradient, other sign
    both = _gradient_run(gen, 1, tol=1e9)  # at update 1 the gradient rule and the tol rule both hold
    got = _descend_probe(nb, [run, mirror, both])
    for answer, this in zip(got, (run, mirror)):
        _expect_descent(answer, this, rule="The gradient rule: stop with 'gradient' as soon as abs(dloss_dw(w, x, y)) "
                                           "< grad_tol at the current w, before updating it.")
    _expect_descent(got[2], both, rule="The rules are checked in order, the gradient rule first: when it holds, "
                                       "the reason is 'gradient' even if another rule holds too.")


@cell("test_descend")
def test_descend_stops_when_the_loss_stops_decreasing(nb, gen):
    run = _descend_run(gen, 1.1, 1.4)
    with_tol = (*_descend_run(gen, 1.1, 1.4)[:5], 1e-9, None)  # tol holds too: the loss rose
    # lr = 1 / x**2 jumps to the mirror image of w across the minimum: the loss is exactly the same
    # (the numbers are chosen so that floats hold them exactly). Not below it: 'no decrease'.
    x = (0.5, 1.0, 2.0)[randint(gen, 0, 2)] * (1 if randint(gen, 0, 1) else -1)
    y, w0 = randint(gen, -12, 12) / 4, randint(gen, -12, 12) / 4
    tie = (w0 if w0 * x != y else w0 + 1.0, x, y, 1 / x ** 2, randint(gen, 5, 20), None, None)
    got = _descend_probe(nb, [run, with_tol, tie])
    _expect_descent(got[0], run, rule="This learning rate overshoots: the loss after the first update is higher, "
                                      "so the next iteration stops with 'no decrease' (the loss is not below the "
                                      "previous one).")
    _expect_descent(got[1], with_tol, rule="The 'no decrease' rule comes before the tol rule: a loss that rose "
                                           "stops the run with 'no decrease'.")
    _expect_descent(got[2], tie, rule="Here the loss after the first update equals the one before: a loss that is "
                                      "not below the previous one stops the run ('no decrease'), an equal one too.")


def _tol_descent(gen):
    # Slow steps (each loss at least half the one before): "fell by less than tol" and other
    # readings of the rule (the loss itself, or the sum of two losses, below tol) stop at different updates.
    run = _descend_run(gen, 0.05, 0.15)
    w0, x, y, lr = run[:4]
    k = randint(gen, 2, 8)
    losses = [float(ref.loss(w, x, y)) for w in ref.gradient_descent(w0, x, y, lr, k)]
    drops = [a - b for a, b in zip(losses, losses[1:])]   # drops[j - 1] = loss(w_{j-1}) - loss(w_j)
    return (w0, x, y, lr, k + randint(gen, 3, 15), math.sqrt(drops[k - 1] * drops[k - 2]), None)


@cell("test_descend")
def test_descend_stops_when_the_loss_falls_by_less_than_tol(nb, gen):
    run = _tol_descent(gen)
    got, = _descend_probe(nb, [run])
    _expect_descent(got, run, judge_extra_update=True, rule="The tol rule: stop with 'tol' when there is a previous loss and the loss fell "
                                   "by less than tol since it (previous - current < tol).")


# ------------------------------------------------------------------ lr_sweep


def _sweep_case(gen, diverging=0, all_diverge=False):
    """(w0, x, y, lrs, n_iter): rates that converge (lr = c / x**2 with c < 0.5), too small ones, and
    ``diverging`` ones whose last w is not a finite number; each other last w stays small enough
    that (w * x - y) ** 2 is a float."""
    x, y = _value(gen, 0.7, 2.5), _value(gen, 0.5, 5.0)
    w0, n_iter = y / x + _value(gen, 1.0, 4.0), randint(gen, 150, 250)
    shapes = [] if all_diverge else [0.003, 0.02, 0.1, 0.3, 0.45][: randint(gen, 3, 5)]
    shapes += [float(rand(gen, 1, low=40, high=60)) for _ in range(diverging)]
    if diverging and not all_diverge:
        shapes.append(float(rand(gen, 1, low=1.02, high=1.06)))  # grows, but stays a finite number
    lrs = [float(c * float(rand(gen, 1, low=0.9, high=1.1))) / x ** 2 for c in shapes]
    lrs = [lrs[i] for i in torch.randperm(len(lrs), generator=gen).tolist()]
    return (w0, x, y, lrs, n_iter)


def _sweep_probe(nb, cases):
    return nb.probe(probes.lr_sweep, what="lr_sweep(w0, x, y, lrs, n_iter)", cell="lr_sweep",
                    reference=FOR_SWEEP, runs=cases).parts(len(cases))


def _finals(got, case, judge_keys=False) -> dict:
    """What lr_sweep returned as finals: {lr: final loss}, checked to hold each lr once.
    Keyed by position instead, it fails only where ``judge_keys``."""
    lrs = case[3]
    pairs = got["pairs"]
    if pairs is None:
        fail(f"lr_sweep returned finals = {describe(got['finals'])}; it should be a dict {{lr: final loss}}.")
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        fail("lr_sweep's finals came back changed (was a built-in replaced while it ran?).", mistake="broke the probe")
    keys = [k for k, _ in pairs]
    if not all(is_number(k) for k in keys):
        fail(f"lr_sweep's finals has the keys {describe(keys)}; its keys should be the learning rates in lrs.",
             mistake="wrong keys")
    if keys == list(range(len(lrs))) and not judge_keys:
        return {lrs[k]: value for k, value in pairs}
    if sorted(map(str, keys)) != sorted(map(str, lrs)) or not all(is_number(k) for k in keys):
        fail(f"lr_sweep's finals has the keys {describe(keys)}; it should have one key per learning rate in lrs, "
             f"the rate itself ({describe(lrs)}).", mistake="wrong keys")
    return {lr: value for lr, value in pairs}


@cell("test_lr_sweep")
def test_lr_sweep_records_the_final_loss_of_each_rate(nb, gen):
    case = _sweep_case(gen)
    got, = _sweep_probe(nb, [case])
    finals = _finals(got, case, judge_keys=True)
    want, _ = ref.lr_sweep(*case)
    python_floats(list(finals.values()), "lr_sweep's finals", "record float(loss(...)) for each rate.")
    for lr in case[3]:
        if not close(finals[lr], want[lr], rtol=1e-4, atol=1e-9):
            w0, x, y, _, n_iter = case
            fail(f"lr_sweep's final loss for lr = {lr:.4g} is {num(finals[lr])}; gradient_descent({w0:.3g}, {x:.3g}, "
                 f"{y:.3g}, {lr:.4g}, {n_iter}) ends where loss is {num(want[lr])}: record loss(w, x, y) at the "
                 "last value of each run.")


@cell("test_lr_sweep")
def test_lr_sweep_gives_inf_for_a_diverging_rate(nb, gen):
    case = _sweep_case(gen, diverging=randint(gen, 1, 2))
    got, = _sweep_probe(nb, [case])
    finals = _finals(got, case)
    want, _ = ref.lr_sweep(*case)
    for lr in case[3]:
        value = finals[lr]
        if want[lr] == math.inf and value != math.inf:
            fail(f"with lr = {lr:.4g} gradient descent diverges until w is no longer a finite number; lr_sweep "
                 f"recorded {describe(value)} for it. Record math.inf when the final loss is not finite "
                 "(math.isfinite), so that such a rate can never be the best.", mistake="no inf for divergence")
        if want[lr] != math.inf and is_number(value) and not math.isfinite(value):
            fail(f"with lr = {lr:.4g} the final loss is a finite number, {num(want[lr])}; lr_sweep recorded "
                 f"{describe(value)}. Only a loss that is not finite becomes math.inf.")
        # (a finite loss recorded wrongly is the other check's: the final loss of each rate)


def _own_finals(answer, case) -> tuple[dict, set] | None:
    """The student's own final losses, each a number (not finite counts as inf), and the rates its ``min``
    could pick from them as they are (a nan among them makes ``min`` depend on the order: the nan itself is
    the other check's); None when they cannot be read."""
    try:
        finals = _finals(answer, case)
    except CheckFailed:
        return None
    if not all(is_number(v) for v in finals.values()):
        return None
    raw = {lr: float(v) for lr, v in finals.items()}
    picks = {min(case[3], key=lambda lr: raw[lr])} if any(math.isnan(v) for v in raw.values()) else set()
    return {lr: (v if math.isfinite(v) else math.inf) for lr, v in raw.items()}, picks


@cell("test_lr_sweep")
def test_lr_sweep_picks_the_rate_with_the_lowest_final_loss(nb, gen):
    case = _sweep_case(gen, diverging=1)
    ties = _sweep_case(gen, diverging=randint(gen, 2, 3), all_diverge=True)
    got = _sweep_probe(nb, [case, ties])
    for answer, run in zip(got, (case, ties)):
        lrs = run[3]
        best = answer["best"]
        finals, want = ref.lr_sweep(*run)
        own, picks = _own_finals(answer, run) or (None, set())
        if own is not None:  # judged on its own final losses: whether they are right is the other checks'
            finals = own
            want = min(lrs, key=lambda lr: finals[lr])
        if is_number(best) and any(best == lr for lr in lrs) and (best == want or best in picks):
            continue
        lowest = finals[want]
        tied = [lr for lr in lrs if finals[lr] == lowest]
        if run is not ties and len(tied) > 1 and best in tied:
            fail(f"the rates {describe(tied)} tie for the lowest final loss ({num(lowest)}); on a tie lr_sweep should "
                 f"return the earliest of them in lrs, {want:.4g}, but returned {best:.4g}.",
                 mistake="tie not the earliest")
        if run is ties:
            fail(f"every rate in lrs = {describe(lrs)} diverges (all final losses are inf); on a tie lr_sweep "
                 f"should return the earliest of them, {want:.4g}, but returned {describe(best)}.",
                 mistake="tie not the earliest")
        if is_number(best) and best in range(len(lrs)) and lrs[int(best)] == want:
            fail(f"lr_sweep returned {best}, the index of the best rate in lrs; return the rate itself, {want:.4g}.")
        if is_number(best) and any(best == lr for lr in lrs) and finals[best] == max(finals.values()):
            fail("lr_sweep returned the rate with the highest final loss; the best rate has the lowest.")
        fail(f"lr_sweep returned best = {describe(best)}; the rate with the lowest final loss is {want:.4g} "
             f"(final losses: {', '.join(f'{lr:.3g}: {num(v)}' for lr, v in finals.items())}).")
