"""Nothing is lost: a grader killed at any moment can be run again; it finishes
the batch without regrading finished submissions (unless --force), and no
file is ever half-written."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from tests import support

A = "training_slope"
STUDENTS = 6


def start(submitted, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", A, str(submitted), "--out", str(out),
                             "--jobs", "1", "--quiet", *extra], cwd=support.ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(out):
    return sorted(p.parent.name for p in out.glob("*/results.json"))


def test_a_killed_run_resumes_without_regrading_and_without_corrupt_files(tmp_path):
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    for i in range(STUDENTS):
        shutil.copytree(support.ROOT / "examples" / A / "chloe_sum_not_mean", submitted / f"s{i}")

    run = start(submitted, out)
    deadline = time.monotonic() + 300
    while len(finished(out)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done_before = finished(out)
    assert 2 <= len(done_before) < STUDENTS, done_before
    for path in out.glob("*/results.json"):
        json.loads(path.read_text())  # every file there is whole
    mtimes = {s: (out / s / "results.json").stat().st_mtime_ns for s in done_before}

    again = start(submitted, out)
    stdout, stderr = again.communicate(timeout=600)
    assert again.returncode == 0, stderr
    assert finished(out) == [f"s{i}" for i in range(STUDENTS)]
    assert f"{len(done_before)} result(s) were up to date" in stdout
    for student, mtime in mtimes.items():
        assert (out / student / "results.json").stat().st_mtime_ns == mtime, f"{student} was graded again"
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + STUDENTS and all(f",{support.EXAMPLE_SCORES['chloe_sum_not_mean']}," in r for r in rows[1:])
    assert not list(out.rglob("*.tmp"))

    forced = start(submitted, out, "--force")
    forced.communicate(timeout=600)
    assert all((out / s / "results.json").stat().st_mtime_ns != m for s, m in mtimes.items())


def test_a_changed_notebook_is_regraded(tmp_path):
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    shutil.copytree(support.ROOT / "examples" / A / "chloe_sum_not_mean", submitted / "chloe")
    assert support.grade(A, submitted, out).returncode == 0
    assert support.results(out, "chloe")["score"] == support.EXAMPLE_SCORES["chloe_sum_not_mean"]
    shutil.copy(support.ROOT / "examples" / A / "ada_perfect" / A / f"{A}.ipynb",
                submitted / "chloe" / A / f"{A}.ipynb")
    assert support.grade(A, submitted, out).returncode == 0
    assert support.results(out, "chloe")["score"] == 15
