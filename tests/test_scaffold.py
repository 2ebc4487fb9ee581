"""`python -m autograder new NAME` in a copy of this checkout: the new assignment's own
files are all it takes to release it with nbgrader and grade it (its own test module,
catalogue and nbgrader parity included)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder import assignments, scaffold
from tests import support

NAME = "cost_of_a_line"


def _run(command, cwd, env=None, timeout=1200) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=timeout)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of this checkout's tracked files, with the new assignment scaffolded and built."""
    copy = tmp_path_factory.mktemp("checkout") / "project"
    shutil.copytree(support.ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", "*.pyc", ".pytest_cache", "runs", "demo-out", "build", "*.egg-info"))
    before = set(p.relative_to(copy) for p in copy.rglob("*") if p.is_file())
    env = dict(os.environ, PYTHONPATH=str(copy))  # every process imports the copy, not this checkout
    done = _run([sys.executable, "-m", "autograder", "new", NAME], copy, env)
    written = set(p.relative_to(copy) for p in copy.rglob("*") if p.is_file()) - before
    _run([sys.executable, f"tools/notebooks/{NAME}.py", f"source/{NAME}/{NAME}.ipynb"], copy, env)
    _run([sys.executable, "-m", "autograder", "release", NAME], copy, env)
    return copy, env, written, done.stdout


def test_new_writes_only_the_files_of_the_new_assignment(checkout):
    copy, env, written, said = checkout
    assert {str(p) for p in written} == {
        f"tools/notebooks/{NAME}.py", f"solutions/{NAME}.py", f"autograder/probes/{NAME}.py",
        f"autograder/checks/{NAME}.py", f"tests/catalogue/{NAME}.py", f"tests/test_{NAME}.py"}
    assert "make notebooks" in said
    listed = _run([sys.executable, "-c", "from autograder import assignments; print(*assignments.NAMES)"], copy,
                  env).stdout.split()
    assert listed == [*assignments.NAMES, NAME]


def test_the_new_assignment_releases_and_grades_a_right_and_a_wrong_submission(checkout, tmp_path):
    copy, env, _, _ = checkout
    release = json.loads((copy / "release" / NAME / f"{NAME}.ipynb").read_text())
    assert any("raise NotImplementedError" in "".join(c["source"]) for c in release["cells"])
    source = json.loads((copy / "source" / NAME / f"{NAME}.ipynb").read_text())
    test_cell = next(c for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_mse")
    assert test_cell["metadata"]["nbgrader"]["points"] == 2  # from its two checks
    wrong = json.loads(json.dumps(source))
    answer = next(c for c in wrong["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "mse")
    answer["source"] = "def mse(yhat, y):\n    return torch.sum((yhat - y) ** 2)\n"
    for student, nb in (("right", source), ("wrong", wrong)):
        support.write(tmp_path / "submitted", student, NAME, json.dumps(nb))
    _run([sys.executable, "-m", "autograder", "grade", NAME, tmp_path / "submitted", "--out", tmp_path / "out",
          "--quiet"], copy, env)
    right = json.loads((tmp_path / "out" / "right" / "results.json").read_text())
    wrong = json.loads((tmp_path / "out" / "wrong" / "results.json").read_text())
    assert right["score"] == right["max_score"] == 2
    assert wrong["score"] == 1
    assert "sums the squared errors instead of averaging" in wrong["output"] + json.dumps(wrong["tests"])


def test_the_new_assignments_own_tests_pass_nbgrader_parity_included(checkout):
    copy, env, _, _ = checkout
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                           f"tests/test_{NAME}.py", "tests/test_release.py", "-k", f"{NAME} or test_{NAME}"],
                          cwd=copy, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_a_name_that_cannot_be_an_assignment_is_refused_with_a_reason(tmp_path):
    for bad in ("Cost", "1lab", "class", "a-b"):
        with pytest.raises(scaffold.ScaffoldError, match="cannot name an assignment"):
            scaffold.new(bad, tmp_path, assignments.NAMES)
    with pytest.raises(scaffold.ScaffoldError, match="already an assignment"):
        scaffold.new("training_slope", tmp_path, assignments.NAMES)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "fresh_lab.py").write_text("")
    with pytest.raises(scaffold.ScaffoldError, match="nothing was written"):
        scaffold.new("fresh_lab", tmp_path, assignments.NAMES)
    assert not (tmp_path / "tests").exists()


def test_the_assignments_are_spec_s_five_in_teaching_order():
    assert assignments.NAMES == ("prediction", "gradient_descent", "training_slope", "training_slope_bias",
                                 "best_practices")
