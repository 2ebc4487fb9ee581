"""Grading on a real Dask cluster on 127.0.0.1: a ``dask scheduler`` process and two
``python -m autograder worker`` processes, started here and stopped at the end.

The poison submission needs something that kills a worker's whole process, which
student code cannot do from inside the sandbox; on a real cluster the kernel's
out-of-memory killer does. Here ``tests/cluster_poison.py``, preloaded into
this cluster's workers only, plays that part: it kills the worker process
(SIGKILL) whenever it is handed the submission of a student named ``poison``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import support
from tools import same_results

A = "training_slope"
PYTHON = sys.executable


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _start_worker(address: str, log: Path, env: dict | None = None, cwd: Path = support.ROOT) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, "-m", "autograder", "worker", address, "--preload", "tests.cluster_poison"],
                            cwd=cwd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from distributed import Client

    root = tmp_path_factory.mktemp("cluster")
    scheduler_file = root / "scheduler.json"
    # The scheduler loads each task's function, so it runs where the grader is installed (or checked out).
    scheduler = subprocess.Popen([PYTHON, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                                 cwd=support.ROOT, stdout=(root / "scheduler.log").open("w"),
                                 stderr=subprocess.STDOUT, start_new_session=True)
    workers = []
    try:
        _wait_for(scheduler_file.exists, 60, "the scheduler")
        address = json.loads(scheduler_file.read_text())["address"]
        workers = [_start_worker(address, root / f"worker{i}.log") for i in range(2)]
        client = Client(address, timeout=30)
        client.wait_for_workers(2, timeout=120)
        yield {"address": address, "file": scheduler_file, "client": client, "root": root}
        client.close()
    finally:
        for process in [*workers, scheduler]:
            _stop(process)


def _class(root: Path, extra: dict | None = None) -> Path:
    """The whole catalogue of training_slope, its solution and its untouched release."""
    import importlib

    catalogue = importlib.import_module(f"tests.catalogue.{A}")
    submitted = root / "submitted"
    support.write(submitted, "solutions", A, support.source_notebook(A))
    support.write(submitted, "untouched", A, support.release_notebook(A))
    for case in catalogue.MISTAKES + catalogue.VARIANTS:
        support.write(submitted, case.name, A, support.build(A, case))
    for student, notebook in (extra or {}).items():
        support.write(submitted, student, A, notebook)
    return submitted


def _grade(submitted: Path, out: Path, *extra: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "autograder", "grade", A, str(submitted), "--out", str(out), "--quiet",
                           *extra], cwd=support.ROOT, capture_output=True, text=True, timeout=timeout)


def _results(out: Path) -> dict[str, dict]:
    return {p.parent.name: same_results._without_timings(json.loads(p.read_text()))
            for p in sorted(out.glob("*/results.json"))}


def test_a_whole_class_gets_the_same_results_on_the_cluster_as_locally(cluster, tmp_path):
    submitted = _class(tmp_path)
    local = _grade(submitted, tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stderr
    remote = _grade(submitted, tmp_path / "remote", "--scheduler", cluster["address"])
    assert remote.returncode == 0, remote.stderr
    ours, theirs = _results(tmp_path / "local"), _results(tmp_path / "remote")
    assert len(ours) == len(list(submitted.iterdir())) and ours.keys() == theirs.keys()
    differ = [s for s in ours if ours[s] != theirs[s]]
    assert not differ, (differ, remote.stderr[-3000:])
    local_csv = (tmp_path / "local" / "grades.csv").read_text()
    assert (tmp_path / "remote" / "grades.csv").read_text() == local_csv
    # ... and through the scheduler file, with --force regrading what is there.
    again = _grade(submitted, tmp_path / "remote", "--scheduler-file", str(cluster["file"]), "--force")
    assert again.returncode == 0, again.stderr
    assert _results(tmp_path / "remote") == theirs


def _slow(seconds: float):
    """A correct notebook whose last cell sleeps: long enough to kill its worker mid-run."""
    import nbformat

    nb = support.source_notebook(A)
    nb.cells.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"))
    return nb


def test_a_worker_killed_mid_run_loses_nothing(cluster, tmp_path):
    client = cluster["client"]
    submitted = _class(tmp_path, {"slow": _slow(8)})
    grading = subprocess.Popen([PYTHON, "-m", "autograder", "grade", A, str(submitted), "--out",
                                str(tmp_path / "out"), "--quiet", "--scheduler", cluster["address"]],
                               cwd=support.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def running_slow():
        return next((worker for worker, keys in client.processing().items()
                     if any(_student_of(k) == "slow" for k in keys)), None)

    victim = _wait_for(running_slow, 180, "the slow submission to start")
    pid = client.run(os.getpid, workers=[victim])[victim]
    scratch = Path(client.run(_scratch_of, workers=[victim])[victim])
    assert scratch.is_dir()
    time.sleep(1.0)
    os.kill(pid, signal.SIGKILL)
    out, err = grading.communicate(timeout=900)
    assert grading.returncode == 0, err
    results = _results(tmp_path / "out")
    assert sorted(results) == sorted(p.name for p in submitted.iterdir())
    for student, result in results.items():
        assert result["tests"] or result["extra_data"]["load_error"], student
    assert results["slow"]["score"] == results["solutions"]["score"] == sum(support.cell_max(A).values())
    assert not list((tmp_path / "out").glob("*/.*.tmp"))
    # The worker that replaced the killed one removed the killed one's scratch folder
    # (it held copies of the source notebook and of submissions).
    client.wait_for_workers(2, timeout=120)
    _wait_for(lambda: not scratch.exists(), 60, f"the killed worker's {scratch} to be removed")


def _scratch_of(dask_worker=None) -> str:
    from autograder import cluster as grader_cluster

    return str(dask_worker.plugins[grader_cluster.PLUGIN].scratch)


def _student_of(key) -> str | None:
    from autograder import cluster as grader_cluster

    return grader_cluster.student_of_key(str(key))


def test_a_submission_that_kills_its_workers_is_recorded_and_the_others_are_graded(cluster, tmp_path):
    submitted = _class(tmp_path, {"poison": support.source_notebook(A)})
    done = _grade(submitted, tmp_path / "out", "--scheduler", cluster["address"])
    assert done.returncode == 0, done.stderr
    results = _results(tmp_path / "out")
    assert "stopped the grader's worker process" in results["poison"]["output"]
    assert results["poison"]["score"] == 0
    assert results["solutions"]["score"] == sum(support.cell_max(A).values())
    assert len(results) == len(list(submitted.iterdir()))
    client = cluster["client"]
    client.wait_for_workers(2, timeout=120)  # the nannies brought the killed workers back


def test_a_rerun_after_the_client_was_killed_regrades_nothing_complete(cluster, tmp_path):
    submitted = _class(tmp_path)
    out = tmp_path / "out"
    grading = subprocess.Popen([PYTHON, "-m", "autograder", "grade", A, str(submitted), "--out", str(out),
                                "--quiet", "--scheduler", cluster["address"]], cwd=support.ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    _wait_for(lambda: len(list(out.glob("*/results.json"))) >= 5, 300, "five results")
    os.killpg(grading.pid, signal.SIGKILL)
    grading.wait()
    complete = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/results.json")}
    again = _grade(submitted, out, "--scheduler", cluster["address"])
    assert again.returncode == 0, again.stderr
    assert complete and f"{len(complete)} result(s) were up to date" in again.stdout
    for student, mtime in complete.items():
        assert (out / student / "results.json").stat().st_mtime_ns == mtime, f"{student} was graded again"
    assert len(list(out.glob("*/results.json"))) == len(list(submitted.iterdir()))


def test_an_unreachable_scheduler_ends_the_run_before_grading(tmp_path):
    submitted = _class(tmp_path)
    done = _grade(submitted, tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9", timeout=120)
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr
    assert not list((tmp_path / "out").glob("*/results.json"))


def test_a_worker_with_another_grader_ends_the_run_before_grading(cluster, tmp_path):
    """A worker running a copy of the grader whose checks differ by one comment."""
    import shutil

    copy = tmp_path / "other-grader"
    for item in ("autograder", "solutions", "tests", "tools"):
        shutil.copytree(support.ROOT / item, copy / item, ignore=shutil.ignore_patterns("__pycache__"))
    checks = copy / "autograder" / "checks" / f"{A}.py"
    checks.write_text(checks.read_text() + "\n# a newer check\n")
    env = dict(os.environ, PYTHONPATH=str(copy))
    other = _start_worker(cluster["address"], tmp_path / "other.log", env=env, cwd=copy)
    try:
        cluster["client"].wait_for_workers(3, timeout=120)
        submitted = _class(tmp_path)
        done = _grade(submitted, tmp_path / "out", "--scheduler", cluster["address"], timeout=300)
        assert done.returncode == 2, done.stderr
        assert "1 of 3 workers would grade differently from this grader" in done.stderr
        assert "fingerprint" in done.stderr
        assert not list((tmp_path / "out").glob("*/results.json"))
    finally:
        _stop(other)
        _wait_for(lambda: len(cluster["client"].scheduler_info()["workers"]) == 2, 60, "the copy to leave")
