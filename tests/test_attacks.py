"""Hostile and broken student code gains nothing and stops nobody else's grading.

One batch holds a correct control submission and one attack each; every
attack is checked for its own score, and the control for full marks.
"""

import os
import time

import pytest

from tests import support
from tests.support import Case

A = "training_slope"
TIMEOUT = 3

SUM_CRITERION = "def criterion(yhat, y):\n    return torch.sum((yhat - y) ** 2)\n"
SWALLOWING_FORWARD = ("import time\n\ndef forward(x):\n    while True:\n        try:\n"
                      "            time.sleep(0.05)\n        except:\n            pass\n")

ATTACKS = {
    # name: (case, expected score or None for "cells below", cells that must be 0)
    "control": Case("control"),
    "exits_with_sys_exit": Case("exits_with_sys_exit", extra_cells=("import sys\nsys.exit(0)",)),
    "exits_with_os_exit": Case("exits_with_os_exit", extra_cells=("import os\nos._exit(3)",)),
    "raises_keyboard_interrupt": Case("raises_keyboard_interrupt", extra_cells=("raise KeyboardInterrupt",)),
    "loops_forever_at_top_level": Case("loops_forever_at_top_level", extra_cells=("while True:\n    pass",)),
    "swallows_interrupts_in_forward": Case("swallows_interrupts_in_forward", {"forward": SWALLOWING_FORWARD}),
    "allocates_without_bound": Case("allocates_without_bound",
                                    extra_cells=("import torch\nhog = torch.zeros(20_000_000_000)",)),
    "monkeypatches_the_comparisons": Case("monkeypatches_the_comparisons", {
        "criterion": (
            "import builtins, numpy\nimport torch.testing\n"
            "torch.allclose = lambda *a, **k: True\n"
            "torch.testing.assert_close = lambda *a, **k: None\n"
            "numpy.allclose = lambda *a, **k: True\n"
            "torch.Tensor.__eq__ = lambda self, other: True\n"
            "builtins.isinstance = lambda obj, cls: True\n" + SUM_CRITERION)}),
}


SNOOPING_FORWARD = (
    "import glob, os\n"
    "found = {}\n"
    "for pattern in ['/work/*/autograder/checks/*.py', '{root}/autograder/checks/*.py', '{root}/solutions/*.py',\n"
    "                '{root}/autograder/checks/*/*.py', '{root}/source/*/*.ipynb', '/work/*/source/*/*.ipynb',\n"
    "                '{submitted}/*/*/*.ipynb', '{out}/*/results.json', '/tmp/pytest-of-*/**/*.py']:\n"
    "    found[pattern] = glob.glob(pattern, recursive=True)\n"
    "leaked = [p for paths in found.values() for p in paths]\n"
    "if leaked:\n"
    "    raise RuntimeError('LEAKED ' + ' '.join(leaked[:3]))\n"
    "def forward(x):\n    return w * x\n"
)


def _stub_everything_with(code: str) -> dict:
    """Answers that leave every function a stub, with ``code`` added to the first."""
    nb = support.release_notebook(A)
    answers = {support.grade_id(c): c.source for c in nb.cells
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    answers["forward"] = code + "\n" + answers["forward"]
    return answers


def _fake_results_code(out) -> str:
    fake = '{"score": 100, "tests": []}'
    return (
        "import os, time, pathlib\n"
        f"print('score: 15 / 15 -- all tests passed')\n"
        f"pathlib.Path('results.json').write_text('{fake}')\n"
        f"for target in [{str(out / 'fakes_results' / 'results.json')!r}, {str(out / 'grades.csv')!r}]:\n"
        "    try:\n"
        f"        pathlib.Path(target).write_text('{fake}')\n"
        "    except OSError:\n"
        "        pass\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    time.sleep(4)\n"
        f"    pathlib.Path({str(out / 'fakes_results' / 'results.json')!r}).write_text('{fake}')\n"
        "    os._exit(0)\n"
    )


def write_submissions(submitted, out, prefix=""):
    """Every attack of this module, as students ``prefix + name`` under ``submitted``."""
    for name, case in ATTACKS.items():
        support.write(submitted, prefix + name, A, support.build(A, case))
    support.write(submitted, prefix + "fakes_results", A,
                  support.build(A, Case("fakes", _stub_everything_with(_fake_results_code(out)))))
    support.write(submitted, prefix + "imports_solutions", A, support.build(A, Case("imports", {
        "forward": "import sys\nsys.path.insert(0, '/work/main')\nfrom solutions.training_slope import *\n",
        "criterion": "from autograder.checks import training_slope as hidden\ncriterion = hidden.ref.criterion\n",
    })))
    snoop = SNOOPING_FORWARD.replace("{root}", str(support.ROOT)).replace("{submitted}", str(submitted))
    support.write(submitted, prefix + "snoops_on_disk", A, support.build(A, Case("snoop", {
        "forward": snoop.replace("{out}", str(out))})))


#: What each student of this module must get (see tests/test_mixed_class.py).
EXPECTED = {
    **{name: "full" for name in ATTACKS if name not in ("swallows_interrupts_in_forward",
                                                        "monkeypatches_the_comparisons")},
    "swallows_interrupts_in_forward": Case("swallow", loses=frozenset({"test_forward"}),
                                           may_lose=frozenset({"test_converged"}), message="did not finish"),
    "monkeypatches_the_comparisons": Case("patch", loses=frozenset({"test_criterion"}),
                                          may_lose=frozenset({"test_converged"}), message="sum instead of mean"),
    "fakes_results": "zero",
    "imports_solutions": Case("imports", loses=frozenset({"test_forward", "test_criterion"}),
                              may_lose=frozenset(support.cell_max(A)), message="not available while grading"),
    "snoops_on_disk": "full",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("attacks")
    submitted, out = root / "submitted", root / "out"
    write_submissions(submitted, out)
    done = support.grade(A, submitted, out, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    time.sleep(5)  # give a surviving daemon the time to write its fake results
    return out


def test_control_submission_in_the_same_batch_gets_full_marks(graded):
    support.assert_full_marks(A, support.results(graded, "control"), "control")


@pytest.mark.parametrize("name", ["exits_with_sys_exit", "exits_with_os_exit", "raises_keyboard_interrupt",
                                  "loops_forever_at_top_level", "allocates_without_bound"])
def test_a_hostile_extra_cell_costs_nothing_else(graded, name):
    support.assert_full_marks(A, support.results(graded, name), name)


def test_a_cell_that_loops_forever_is_stopped_and_reported(graded):
    result = support.results(graded, "loops_forever_at_top_level")
    assert "did not finish within 3 s" in result["output"]


def test_a_function_that_swallows_interrupts_costs_only_its_own_checks(graded):
    result = support.results(graded, "swallows_interrupts_in_forward")
    support.assert_mistake(A, result, Case("swallow", loses=frozenset({"test_forward"}),
                                           may_lose=frozenset({"test_converged"}), message="did not finish"))
    # The training cell calls forward too, so it was stopped: no trained slope was ever copied aside.
    assert any("did not run, so there is no trained slope" in m
               for m in support.failed_messages(result, {"test_converged"})), result["output"]


def test_monkeypatching_torch_numpy_and_builtins_gains_nothing(graded):
    result = support.results(graded, "monkeypatches_the_comparisons")
    support.assert_mistake(A, result, Case("patch", loses=frozenset({"test_criterion"}),
                                           may_lose=frozenset({"test_converged"}), message="sum instead of mean"))
    assert "torch.allclose" in result["output"]


def test_fake_results_and_printed_scores_change_nothing(graded):
    result = support.results(graded, "fakes_results")
    assert result["score"] == 0
    assert result["extra_data"]["student_id"] == "fakes_results"
    row = next(l for l in (graded / "grades.csv").read_text().splitlines() if l.startswith("fakes_results,"))
    assert row.split(",")[2] == "0"


def test_student_code_cannot_import_the_solutions_or_the_checks(graded):
    result = support.results(graded, "imports_solutions")
    scores = support.cell_scores(result)
    assert scores["test_forward"] == 0 and scores["test_criterion"] == 0
    messages = " ".join(support.failed_messages(result, {"test_forward", "test_criterion"}))
    assert "not available while grading" in messages


@pytest.mark.skipif(os.geteuid() != 0, reason="files are hidden with a mount namespace, which needs root")
def test_student_code_cannot_find_checks_solutions_or_other_students_on_disk(graded):
    result = support.results(graded, "snoops_on_disk")
    assert "LEAKED" not in result["output"] + str(result["tests"])
    support.assert_full_marks(A, result, "snoops_on_disk")
    assert result["extra_data"]["isolation"] == "namespace"
