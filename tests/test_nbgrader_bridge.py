"""The nbgrader bridge: what a test cell's hidden region gets back."""

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder import assignments, nbgrader_bridge
from autograder.fingerprint import grader_fingerprint, result_key
from autograder.results import CheckResult, SubmissionResult
from tests import support

A = "training_slope"


def _course(tmp_path):
    """nbgrader's layout with one submission, and the folder where the bridge keeps results."""
    root = tmp_path / "course"
    (root / "autograded" / "kim" / A).mkdir(parents=True)
    shutil.copy(support.ROOT / "nbgrader_config.py", root)
    shutil.copytree(support.ROOT / "source" / A, root / "source" / A)  # the course's own source notebook
    notebook = root / "submitted" / "kim" / A / f"{A}.ipynb"
    notebook.parent.mkdir(parents=True)
    shutil.copy(support.ROOT / "examples" / A / "chloe_sum_not_mean" / A / f"{A}.ipynb", notebook)
    course = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    out = Path(tempfile.gettempdir()) / "autograder-nbgrader" / f"{course}-{A}"
    shutil.rmtree(out, ignore_errors=True)
    return root, notebook, out


def _result(out, key, cells):
    """A results.json as the grader writes it, giving each cell ``cells[cell]`` of 2 points."""
    checks = [CheckResult(f"{cell}_check_{i}", cell, 1.0, i < score) for cell, score in cells.items() for i in range(2)]
    made = SubmissionResult("kim", A, checks, dict.fromkeys(cells, 2.0), key=key)
    (out / "kim").mkdir(parents=True)
    (out / "kim" / "results.json").write_text(json.dumps(made.to_json()))


def test_outside_nbgrader_autograde_the_visible_checks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    checks = object()
    assert nbgrader_bridge.hidden_score("test_forward", checks) is checks


def test_an_up_to_date_result_is_used_without_starting_the_grader(tmp_path, monkeypatch):
    root, notebook, out = _course(tmp_path)
    key = result_key(grader_fingerprint(assignments.get(A)), notebook)
    _result(out, key, {"test_criterion": 0.0, "test_forward": 2.0})

    def no_grader(*args, **kwargs):
        raise AssertionError("the grader was started although the result was up to date")

    monkeypatch.setattr(subprocess, "run", no_grader)
    monkeypatch.setattr(nbgrader_bridge, "_CACHE", {})
    monkeypatch.chdir(root / "autograded" / "kim" / A)
    try:
        assert nbgrader_bridge.hidden_score("test_forward", None)() == 2.0
        assert nbgrader_bridge.hidden_score("test_criterion", None)() == 0.0
    finally:
        shutil.rmtree(out)


def test_a_result_for_another_notebook_is_regraded(tmp_path, monkeypatch):
    root, notebook, out = _course(tmp_path)
    stale = result_key(grader_fingerprint(assignments.get(A)), support.ROOT / "source" / A / f"{A}.ipynb")
    _result(out, stale, {"test_criterion": 2.0, "test_forward": 2.0})
    monkeypatch.setattr(nbgrader_bridge, "_CACHE", {})
    monkeypatch.chdir(root / "autograded" / "kim" / A)
    try:
        assert nbgrader_bridge.hidden_score("test_criterion", None)() == 1.0  # chloe sums instead of averaging: 1 of 2
        assert nbgrader_bridge.hidden_score("test_forward", None)() == 2.0
    finally:
        shutil.rmtree(out)


@pytest.mark.parametrize("broken", ["not json", json.dumps(["a list"]), None])
def test_an_unreadable_result_is_not_trusted(tmp_path, broken):
    root, notebook, out = _course(tmp_path)
    if broken is not None:
        (out / "kim").mkdir(parents=True)
        (out / "kim" / "results.json").write_text(broken)
    assert nbgrader_bridge._up_to_date(out, root, "kim", A) is None
    shutil.rmtree(out, ignore_errors=True)
