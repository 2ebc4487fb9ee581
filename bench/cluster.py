"""Benchmark: grading through a Dask scheduler, against the local fork-server run.

    .venv/bin/python -m bench.cluster --n 200 --assignment training_slope

Builds the bench mix (as ``bench.run``), grades it locally (``--jobs 2``), then
through a ``dask scheduler`` on 127.0.0.1 with 1 and with 2 ``python -m
autograder worker`` processes (workers warmed up first, as a standing cluster
is), checks that every result is the local one, and prints:

* throughput of each run (submissions per second) and its ratio to the local run;
* the scheduler's overhead per task: the grading run's wall time, less the time
  the workers spent inside the grading task, per submission;
* the rate of trivial tasks the scheduler sustains here (10,000 no-op tasks
  from one client): the point where adding workers stops helping.

From those it prints a projection for N workers (this machine's cost per
submission, divided among N, capped by the scheduler's rate), which is a
projection, not a measurement. Prints numbers; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import build  # noqa: E402
from tools import same_results  # noqa: E402

PYTHON = sys.executable


def _grade(assignment: str, submitted: Path, out: Path, *extra: str) -> float:
    start = time.monotonic()
    subprocess.run([PYTHON, "-m", "autograder", "grade", assignment, str(submitted), "--out", str(out), "--quiet",
                    "--force", *extra], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def _results(out: Path) -> dict:
    return {p.parent.name: same_results._without_timings(json.loads(p.read_text()))
            for p in out.glob("*/results.json")}


def _no_op(i):
    return i


def _scheduler_rate(address: str, tasks: int) -> float:
    from distributed import Client, wait

    with Client(address) as client:
        client.submit(_no_op, -1).result()
        start = time.monotonic()
        wait(client.map(_no_op, range(tasks), pure=False))
        return tasks / (time.monotonic() - start)


class Cluster:
    """A scheduler and ``workers`` grader workers on 127.0.0.1, for one measurement."""

    def __init__(self, scratch: Path, workers: int):
        self.file = scratch / f"scheduler-{workers}.json"
        self.processes = [subprocess.Popen(
            [PYTHON, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(self.file)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
        while not self.file.exists():
            time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]
        self.processes += [subprocess.Popen([PYTHON, "-m", "autograder", "worker", self.address], cwd=ROOT,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True) for _ in range(workers)]
        from distributed import Client

        with Client(self.address) as client:
            client.wait_for_workers(workers, timeout=180)

    def close(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--assignment", default="training_slope")
    parser.add_argument("--trivial", type=int, default=10_000, help="no-op tasks for the scheduler's rate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as scratch:
        scratch = Path(scratch)
        submitted = scratch / "submitted"
        build(args.assignment, args.n, submitted)
        warm = scratch / "warm"
        build(args.assignment, 8, warm)
        local = _grade(args.assignment, submitted, scratch / "local", "--jobs", "2")
        print(f"local, --jobs 2: {args.n} in {local:.1f} s = {args.n / local:.2f} submissions/s")
        want = _results(scratch / "local")
        per_sub_local = local / args.n
        rate = None
        for workers in (1, 2):
            cluster = Cluster(scratch, workers)
            try:
                _grade(args.assignment, warm, scratch / f"warm-{workers}", "--scheduler", cluster.address)
                took = _grade(args.assignment, submitted, scratch / f"dask-{workers}", "--scheduler", cluster.address)
                same = _results(scratch / f"dask-{workers}") == want
                graded = [json.loads(p.read_text()) for p in (scratch / f"dask-{workers}").glob("*/results.json")]
                busy = sum(r["execution_time"] for r in graded)
                overhead = max(0.0, took - busy / workers) / args.n
                print(f"dask, {workers} worker(s): {args.n} in {took:.1f} s = {args.n / took:.2f} submissions/s "
                      f"({local / took:.2f}x the local run); results {'identical' if same else 'DIFFERENT'}; "
                      f"scheduler and client overhead about {overhead * 1000:.0f} ms per task")
                if workers == 2:
                    rate = _scheduler_rate(cluster.address, args.trivial)
            finally:
                cluster.close()
        print(f"scheduler: {rate:.0f} trivial tasks/s from one client (where adding workers stops helping)")
        cost = per_sub_local * 2  # CPU-seconds of one core per submission: the local run keeps 2 cores busy
        print(f"projection (not a measurement): one worker core grades about {1 / cost:.2f} submissions/s; "
              f"N workers about N x {1 / cost:.2f}/s, up to the scheduler's {rate:.0f}/s, so about "
              f"{rate * cost:.0f} worker cores before the scheduler is the limit; 10,000 submissions on 32 "
              f"cores in about {10_000 / min(32 / cost, rate) / 60:.1f} min")


if __name__ == "__main__":
    main()
