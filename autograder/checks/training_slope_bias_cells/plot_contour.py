"""Hidden checks of the `training_slope_bias` lab: its `plot_contour` cell.

Gathered, in the order they run, by ``autograder/checks/training_slope_bias.py`` (the file pytest is handed).
"""

import torch

from autograder.checkapi import cell, close, fail, numbers_or_none, rand, randint, yes
from autograder.probes import training_slope_bias as probes


# ------------------------------------------------------------- plot_contour


def _plot_case(nb, gen):
    m = randint(gen, 12, 18)
    k = m + randint(gen, 3, 7)
    w_values = torch.linspace(float(rand(gen, 1, low=-8, high=-4)), float(rand(gen, 1, low=2, high=6)), m)
    b_values = torch.linspace(float(rand(gen, 1, low=-20, high=-12)), float(rand(gen, 1, low=-4, high=0)), k)
    w_c, b_c = float(w_values[m // 3]), float(b_values[k // 2])
    a, c = float(rand(gen, 1, low=2.0, high=5.0)), float(rand(gen, 1, low=0.5, high=1.5))
    W, B = torch.meshgrid(w_values, b_values, indexing="xy")
    Z = a * (W - w_c) ** 2 + c * (B - b_c) ** 2 + 0.3 * (W - w_c) * (B - b_c) + float(rand(gen, 1, low=0, high=2))
    steps_ = randint(gen, 4, 8)
    start = (float(w_values[-2]), float(b_values[1]))
    path = [(start[0] + (w_c - start[0]) * (1 - 0.5 ** s), start[1] + (b_c - start[1]) * (1 - 0.6 ** s))
            for s in range(steps_ + 1)]
    got = nb.probe(probes.plot_contour, what="plot_contour(w_values, b_values, Z, path)", cell="plot_contour",
                   w_values=w_values, b_values=b_values, Z=Z, path=path)
    if not yes(got["is_axes"]):
        fail(f"plot_contour drew nothing (it returned {got['returned']}); it should draw on an Axes and return "
             "it (e.g. `fig, ax = plt.subplots()` ... `return ax`).", mistake="drew nothing")
    return w_values, b_values, Z.double(), path, got


def _interpolate(w_values, b_values, Z, points):
    """Bilinear interpolation of Z (rows: b, columns: w) at (w, b) points; NaN outside the grid."""
    w = w_values.double()
    b = b_values.double()
    out = []
    for x, y in points:
        if not (w[0] - 1e-6 <= x <= w[-1] + 1e-6 and b[0] - 1e-6 <= y <= b[-1] + 1e-6):
            out.append(float("nan"))
            continue
        j = min(max(int(torch.searchsorted(w, torch.tensor(x, dtype=torch.float64))) - 1, 0), len(w) - 2)
        i = min(max(int(torch.searchsorted(b, torch.tensor(y, dtype=torch.float64))) - 1, 0), len(b) - 2)
        tx = (x - float(w[j])) / float(w[j + 1] - w[j])
        ty = (y - float(b[i])) / float(b[i + 1] - b[i])
        z = ((1 - tx) * (1 - ty) * Z[i, j] + tx * (1 - ty) * Z[i, j + 1]
             + (1 - tx) * ty * Z[i + 1, j] + tx * ty * Z[i + 1, j + 1])
        out.append(float(z))
    return torch.tensor(out, dtype=torch.float64)


def _explained(w_values, b_values, Z, contour) -> float:
    """The fraction of a contour set's vertices lying on one of its levels of Z over (w, b)."""
    levels = numbers_or_none(contour.get("levels"))
    vertices = contour.get("vertices")
    if levels is None or not len(levels) or not isinstance(vertices, list):
        return 0.0
    span = float(Z.max() - Z.min())
    lo_w, hi_w, lo_b, hi_b = float(w_values[0]), float(w_values[-1]), float(b_values[0]), float(b_values[-1])
    tables = [numbers_or_none(verts) for verts in vertices]
    points = [tuple(float(v) for v in row) for t in tables if t is not None and t.dim() == 2 and t.shape[1] == 2
              for row in t]
    if not points:
        return 0.0
    values = _interpolate(w_values, b_values, Z, points)
    filled = yes(contour.get("filled"))
    good = 0
    for (x, y), z in zip(points, values):
        on_edge = filled and (min(abs(x - lo_w), abs(x - hi_w)) < 1e-6 * (1 + abs(x))
                              or min(abs(y - lo_b), abs(y - hi_b)) < 1e-6 * (1 + abs(y)))
        if on_edge or (bool(torch.isfinite(z)) and float((levels - z).abs().min()) <= 2e-3 * span + 1e-6):
            good += 1
    return good / len(points)


@cell("test_plot_contour")
def test_plot_contour_draws_the_contours_of_z_over_w_and_b(nb, gen):
    w_values, b_values, Z, _, got = _plot_case(nb, gen)
    returned = got.text("returned")
    if returned == "figure":
        fail("plot_contour returned the Figure; return the Axes it drew on (`fig, ax = plt.subplots()` ... "
             "`return ax`).", mistake="returned the Figure")
    if returned != "axes":
        fail(f"plot_contour returned {got['returned']}; it should return the matplotlib Axes it drew on.",
             mistake="did not return the Axes")
    if yes(got["stale"]):
        fail("plot_contour returned an Axes made before it was called (a global ax from an earlier cell?): "
             "make a new one with `fig, ax = plt.subplots()`.", mistake="drew on an old Axes")
    contours = [c for c in got.get("contours", []) if isinstance(c, dict)]
    if not contours:
        fail("plot_contour drew no contour lines on the Axes it returned: use ax.contour(w_values, b_values, Z).")
    if any(_explained(w_values, b_values, Z, c) > 0.98 for c in contours):
        return
    if any(_explained(b_values, w_values, Z.T, c) > 0.98 for c in contours):
        fail("plot_contour put the bias on the x axis and the slope on the y axis: draw "
             "ax.contour(w_values, b_values, Z), slope w along x and bias b along y.")
    m, k = len(w_values), len(b_values)
    index_w, index_b = torch.arange(m, dtype=torch.float64), torch.arange(k, dtype=torch.float64)
    if any(_explained(index_w, index_b, Z, c) > 0.98 for c in contours):
        fail("plot_contour drew Z against row and column numbers (ax.contour(Z)): pass the grid too, "
             "ax.contour(w_values, b_values, Z), so the axes show the values of w and b.")
    fail("the contour lines plot_contour drew are not the lines of equal cost of the Z it was given "
         "over the (w, b) grid: draw ax.contour(w_values, b_values, Z).")


@cell("test_plot_contour")
def test_plot_contour_draws_the_path_over_the_contours(nb, gen):
    _, _, _, path, got = _plot_case(nb, gen)
    want = torch.tensor(path, dtype=torch.float64)
    series = []
    for line in got["lines"] if isinstance(got["lines"], list) else []:
        xy = numbers_or_none([line.get("x"), line.get("y")]) if isinstance(line, dict) else None
        if xy is not None and xy.dim() == 2 and xy.shape[1]:
            series.append(xy.T)
    for c in got["collections"] if isinstance(got["collections"], list) else []:
        if isinstance(c, dict) and c.get("type") not in ("QuadContourSet", "ContourSet"):
            offsets = numbers_or_none(c.get("offsets"))
            if offsets is not None and offsets.dim() == 2 and len(offsets):
                series.append(offsets)
    tol = {"rtol": 1e-4, "atol": 1e-6}
    if any(s.shape == want.shape and close(s, want, **tol) for s in series):
        return
    if any(s.shape == want.shape and close(s, want.flip(1), **tol) for s in series):
        fail("plot_contour drew the path with the biases along x and the slopes along y: plot the "
             "slopes (first of each pair) as x and the biases as y, like the contours.", mistake="path axes swapped")
    if any(s.shape == want[1:].shape and close(s, want[1:], **tol) for s in series):
        fail("plot_contour left out the first point of the path (its start).", mistake="path misses the start")
    if not series:
        fail("plot_contour drew the contours but not the path of (w, b): plot it on the same Axes, "
             "e.g. ax.plot(path_w, path_b, 'o-').", mistake="forgot the path")
    fail("none of the lines or markers plot_contour drew follows the (w, b) path it was given "
         "(slopes as x, biases as y, every point in order).", mistake="did not draw the path")
