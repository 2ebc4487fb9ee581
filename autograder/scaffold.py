"""``python -m autograder new NAME``: the files of a new assignment, ready to grade.

It writes one small, complete assignment (one answer cell, ``mse``, with its
text, reference, probe, two hidden checks, a catalogue and a test module), so
that a new exercise starts from something that releases and grades, and grows
from there. Every file written is about the new assignment alone: the list of
assignments is read from the checks (their ``TEACHING_ORDER``), the points of
a test cell from its checks, the solution regions from ``solutions/``.
``docs/authoring.md`` walks through the files.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

#: What ``new`` writes, relative to the checkout, and the template of each.
FILES = {
    "tools/notebooks/$name.py": '''\
import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nbtools import HOW_GRADED, NB
from solutions import $name as ref  # noqa: E402 - every answer cell is rendered from it

nb = NB("$name")
nb.md(r"""
# $title

A line $$\\hat{y} = w\\,x + b$$ is only as good as its predictions. The **cost**
(here the mean squared error) says how far they are from the targets, on average:

$$J = \\frac{1}{N} \\sum_{i=1}^{N} (\\hat{y}_i - y_i)^2 .$$

""" + HOW_GRADED)
nb.provided("imports", """
import torch
""")
nb.md(r"""
## 1. The cost of a prediction

**Your task.** Write `mse(yhat, y)`: the mean over all samples of the squared error
$$(\\hat{y} - y)^2$$, as a one-number tensor (keep it a tensor, so gradients can flow through it).
""")
nb.answer("mse", ref.mse)
nb.test("test_mse", """
# Checks for mse
yhat, y = torch.tensor([[1.0], [2.0]]), torch.tensor([[0.0], [4.0]])
got = mse(yhat, y)
assert isinstance(got, torch.Tensor) and got.numel() == 1, f"mse should return one number as a tensor, got {got!r}"
assert torch.isclose(got, torch.tensor(2.5)), f"mse gave {got.item()}, expected (1 + 4) / 2 = 2.5"
print("mse: these checks pass (the hidden checks test more).")
""")
nb.write(sys.argv[1])
''',
    "solutions/$name.py": '''\
"""Reference solution of the `$name` assignment: what its hidden checks compare with."""

import torch


def mse(yhat, y):
    """The mean squared error between predictions yhat and targets y."""
    return torch.mean((yhat - y) ** 2)
''',
    "autograder/probes/$name.py": '''\
"""Probes of the `$name` assignment (public: see ``autograder/probes/__init__.py``).

Each runs inside a copy of the student's process as ``probe(ns, **inputs)`` and
returns what the student's code gave back, as data; the verdicts stay in
``autograder/checks/$name.py``.
"""


def mse(ns, yhat, y):
    return {"loss": ns["mse"](yhat, y)}
''',
    "autograder/checks/$name.py": '''\
"""Hidden checks of the `$name` assignment (see docs/authoring.md).

Each check judges one idea, on inputs drawn for each student (``gen``), against
``solutions/$name.py``; its message speaks the course's terms.
"""

from autograder.checkapi import as_tensor, cell, close, expect_close, fail, off_center, randint
from autograder.probes import $name as probes
from solutions import $name as ref

#: Where this assignment comes in the module (the order `release` and the docs list them in).
TEACHING_ORDER = $order


def _case(nb, gen):
    n = randint(gen, 6, 19)
    yhat, y = off_center(gen, n), off_center(gen, n)
    got = nb.probe(probes.mse, what="mse(yhat, y)", cell="mse", yhat=yhat, y=y)
    return yhat, y, as_tensor(got["loss"], "mse(yhat, y)")


@cell("test_mse")
def test_mse_is_the_mean_of_the_squared_errors(nb, gen):
    yhat, y, loss = _case(nb, gen)
    want = ref.mse(yhat.double(), y.double())
    if loss.numel() != 1:
        return  # one number or many: the other check's business
    loss = loss.reshape(())
    if close(loss, want * len(y)):
        fail("mse returned N times the cost: it sums the squared errors instead of averaging them.",
             mistake="sum instead of mean")
    if close(loss, want.sqrt()):
        fail("mse returned the square root of the cost (the RMSE): leave out the square root.",
             mistake="root mean square")
    expect_close(loss, want, "mse(yhat, y)", hint="The cost is the mean of (yhat - y) ** 2.")


@cell("test_mse")
def test_mse_is_one_number(nb, gen):
    _, y, loss = _case(nb, gen)
    if loss.numel() != 1:
        fail(f"mse returned {loss.numel()} numbers (shape {tuple(loss.shape)}), one squared error per "
             "sample: average them into one cost.", mistake="not reduced")
''',
    "tests/catalogue/$name.py": '''\
"""Realistic submissions of the `$name` assignment: mistakes and correct variants.

Each mistake is a different misunderstanding; each variant a different correct way to write a cell.
"""

from tests.support import Case

MISTAKES = [
    Case("mse_sums_instead_of_averaging", {"mse": "def mse(yhat, y):\\n    return torch.sum((yhat - y) ** 2)\\n"},
         loses=frozenset({"test_mse"}), message="sum"),
    Case("mse_per_sample_not_reduced", {"mse": "def mse(yhat, y):\\n    return (yhat - y) ** 2\\n"},
         loses=frozenset({"test_mse"}), message="one squared error per sample"),
]

VARIANTS = [
    Case("mse_with_the_mean_method", {"mse": "def mse(yhat, y):\\n    return ((yhat - y) ** 2).mean()\\n"}),
    Case("mse_with_functional", {"mse": "def mse(yhat, y):\\n    return torch.nn.functional.mse_loss(yhat, y)\\n"}),
]
''',
    "tests/test_$name.py": '''\
"""$name graded end to end (solutions, untouched release, the catalogue), and the same
submissions under real `nbgrader autograde` giving every cell the same score."""

from tests import parity_suite
from tests.catalogue_suite import suite

globals().update(suite("$name", min_mistakes=2, min_variants=2))
globals().update(parity_suite.suite("$name"))
''',
}


class ScaffoldError(ValueError):
    """The name cannot be an assignment, or its files are already there."""


def check_name(name: str, existing: tuple[str, ...]) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,40}", name) or keyword.iskeyword(name):
        raise ScaffoldError(f"{name!r} cannot name an assignment: use lower-case letters, digits and _, "
                            "starting with a letter (it becomes a module name and a folder name)")
    if name in existing:
        raise ScaffoldError(f"there is already an assignment called {name!r}")


def new(name: str, root: Path, existing: tuple[str, ...]) -> list[Path]:
    """Write the files of assignment ``name`` into the checkout ``root``; return them."""
    check_name(name, existing)
    values = {"name": name, "title": name.replace("_", " ").capitalize(), "order": len(existing) + 1}
    planned = {root / Template(rel).substitute(values): Template(text).substitute(values)
               for rel, text in FILES.items()}
    there = [str(p.relative_to(root)) for p in planned if p.exists()]
    if there:
        raise ScaffoldError(f"these files are already there, so nothing was written: {', '.join(there)}")
    for path, text in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(planned)
