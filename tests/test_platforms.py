"""Gradescope bundles and Coursera graders, run as the platforms run them
(paths overridden by environment variables; no Docker engine needed)."""

import json
import os
import subprocess
import sys
import zipfile

import pytest

from tests import support

A = "training_slope"
EXAMPLES = support.ROOT / "examples" / A
GRADESCOPE_TEST_FIELDS = {"score", "max_score", "status", "name", "output", "visibility"}
SNOOP = ("import pathlib\n"
         "checks = pathlib.Path('{root}') / 'autograder' / 'checks' / 'training_slope.py'\n"
         "leaked = checks.read_text()\n")


def cli(*args, **env):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=support.ROOT, capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, **env))


def run_gradescope(tmp_path, notebook):
    bundle = tmp_path / "bundle.zip"
    assert cli("gradescope", A, "-o", str(bundle)).returncode == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
        for info in z.infolist():
            (root / "source" / info.filename).chmod(info.external_attr >> 16 or 0o644)
    (root / "source" / "run_autograder").rename(root / "run_autograder")
    (root / "submission").mkdir()
    (root / "submission" / "my_lab.ipynb").write_bytes(notebook.read_bytes() if hasattr(notebook, "read_bytes")
                                                        else notebook.encode())
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    done = subprocess.run(["bash", str(root / "run_autograder")], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text()), root



@pytest.mark.parametrize("student, score", sorted(support.EXAMPLE_SCORES.items()))
def test_gradescope_bundle_grades_an_upload_into_results_json(tmp_path, student, score):
    result, root = run_gradescope(tmp_path, EXAMPLES / student / A / f"{A}.ipynb")
    assert result["score"] == score
    assert result["tests"] and all(GRADESCOPE_TEST_FIELDS <= set(t) for t in result["tests"])
    assert {t["status"] for t in result["tests"]} <= {"passed", "failed"}
    assert all(t["visibility"] in ("visible", "hidden", "after_due_date", "after_published") for t in result["tests"])
    assert (root / "setup.sh").exists() or (root / "source" / "setup.sh").exists()


def test_gradescope_bundle_zeroes_an_upload_that_is_not_a_notebook(tmp_path):
    result, _ = run_gradescope(tmp_path, "this is not json")
    assert result["score"] == 0 and "not a valid Jupyter notebook" in result["output"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the bundle protects the checks through file permissions, as root")
def test_student_code_in_the_bundle_cannot_read_the_hidden_checks(tmp_path):
    snoop = SNOOP.replace("{root}", str(tmp_path / "autograder" / "source"))
    nb = support.build(A, support.Case("snoop", {"forward": snoop + "def forward(x):\n    return w * x\n"}))
    import nbformat

    result, _ = run_gradescope(tmp_path, nbformat.writes(nb))
    seen = result["output"] + json.dumps(result["tests"])
    assert "PermissionError" in seen or "FileNotFoundError" in seen


def test_coursera_grader_writes_feedback_json(tmp_path):
    target = tmp_path / "grader"
    assert cli("coursera", A, "-o", str(target)).returncode == 0
    assert "ENTRYPOINT" in (target / "Dockerfile").read_text()
    shared = tmp_path / "shared"
    (shared / "submission").mkdir(parents=True)
    (shared / "submission" / f"{A}.ipynb").write_bytes((EXAMPLES / "chloe_sum_not_mean" / A / f"{A}.ipynb").read_bytes())
    env = dict(os.environ, COURSERA_SHARED=str(shared), AUTOGRADER_PYTHON=sys.executable)
    done = subprocess.run(["bash", str(target / "project" / "grade.sh")], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    feedback = json.loads((shared / "feedback.json").read_text())
    assert feedback["feedbackType"] == "HTML"
    assert feedback["fractionalScore"] == round(support.EXAMPLE_SCORES["chloe_sum_not_mean"] / 15, 4)
    assert "sum instead of mean" in feedback["feedback"] and "test_criterion" in feedback["feedback"]
