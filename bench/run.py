"""Benchmark: `python -m autograder grade` against `nbgrader autograde`.

    .venv/bin/python -m bench.run --n 200 --nbgrader-n 10 --jobs 2

Builds N submissions of one assignment (a realistic mix: the catalogue's
mistakes and correct variants, the solutions and the untouched release),
grades them with this grader, grades the first M of them with nbgrader
(twice: with the hidden regions, which ask this grader for each cell's score,
to compare scores; and with plain visible tests only, which is nbgrader's own
speed), checks that the per-cell scores agree, and prints throughput, the
ratio, seconds per submission, the machine's CPU time per submission (user and
kernel, start-up included), peak memory of the whole process tree and the
start-up cost. Prints numbers; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.gradebook import nbgrader_env  # noqa: E402
from tests import support  # noqa: E402


def build(assignment: str, n: int, submitted: Path) -> list[str]:
    catalogue = importlib.import_module(f"tests.catalogue.{assignment}")
    pool = [support.source_notebook(assignment), support.release_notebook(assignment)]
    pool += [support.build(assignment, case) for case in catalogue.MISTAKES + catalogue.VARIANTS]
    names = []
    for i in range(n):
        name = f"s{i:05d}"
        support.write(submitted, name, assignment, pool[i % len(pool)])
        names.append(name)
    return names


class TreeMemory:
    """Samples the summed RSS of a process and all its descendants."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree_rss(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
                rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
        total, stack = 0, [self.pid]
        while stack:
            pid = stack.pop()
            total += rss.get(pid, 0)
            stack.extend(children.get(pid, []))
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def machine_cpu() -> dict[str, float]:
    """Seconds every core of the machine has spent in user code, in the kernel,
    and idle since boot (from /proc/stat)."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq = (int(v) for v in stat.readline().split()[1:8])
    tick = os.sysconf("SC_CLK_TCK")
    return {"user": (user + nice) / tick, "kernel": (system + irq + softirq) / tick, "idle": (idle + iowait) / tick}


def busy_seconds(before: dict[str, float], after: dict[str, float]) -> float:
    """Machine CPU seconds (user plus kernel) between two ``machine_cpu()`` readings."""
    return sum(after[k] - before[k] for k in ("user", "kernel"))


def cpu_line(before: dict[str, float], after: dict[str, float], n: int) -> str:
    """Where the machine's CPU went during a run, per submission: the figure to
    cut when every core is busy (CPU-bound, as grading is with --jobs 2 on 2 cores)."""
    used = {k: after[k] - before[k] for k in before}
    busy = busy_seconds(before, after)
    share = busy / max(busy + used["idle"], 1e-9)
    return (f"CPU per submission (whole machine): {used['user'] / n * 1000:.0f} ms user + "
            f"{used['kernel'] / n * 1000:.0f} ms kernel; cores busy {share:.0%} of the run")


def run(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int, subprocess.CompletedProcess]:
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(process.pid)
    stdout, stderr = process.communicate()
    peak = memory.stop()
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stdout}\n{stderr}")
    return time.monotonic() - start, peak, done


def ours(assignment: str, submitted: Path, out: Path, jobs: int):
    command = [sys.executable, "-m", "autograder", "grade", assignment, str(submitted), "--out", str(out),
               "--jobs", str(jobs), "--quiet", "--force"]
    return run(command, ROOT)


def nbgrader_course(assignment: str, course: Path, plain: bool) -> None:
    shutil.copy(ROOT / "nbgrader_config.py", course)
    target = course / "source" / assignment
    target.mkdir(parents=True)
    nb = support.source_notebook(assignment)
    if plain:  # nbgrader's own speed: visible tests only, no call into this grader
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                cell.source = "\n".join(line for line in _without_hidden(cell.source).splitlines())
    nbformat.write(nb, str(target / f"{assignment}.ipynb"))
    for package in ("autograder", "solutions"):
        os.symlink(ROOT / package, course / package)


def _without_hidden(source: str) -> str:
    kept, hidden = [], False
    for line in source.splitlines():
        if line.strip() == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif line.strip() == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def nbgrader(assignment: str, course: Path, submitted: Path, students: list[str]):
    shutil.copytree(submitted, course / "submitted", dirs_exist_ok=True,
                    ignore=lambda d, names: [n for n in names if d == str(submitted) and n not in students])
    env = nbgrader_env()
    base = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*base, "generate_assignment", assignment, "--force", f"--CourseDirectory.root={course}"],
                   cwd=course, env=env, check=True, capture_output=True)
    return run([*base, "autograde", assignment, "--force", f"--CourseDirectory.root={course}"], course, env)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="training_slope")
    parser.add_argument("--n", type=int, default=200, help="submissions graded by this grader")
    parser.add_argument("--nbgrader-n", type=int, default=10, help="of them, graded by nbgrader too")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    a = args.assignment

    with tempfile.TemporaryDirectory(prefix="autograder-bench-") as scratch:
        root = Path(scratch)
        students = build(a, args.n, root / "submitted")
        print(f"machine: {os.cpu_count()} cores; assignment {a}; {args.n} submissions; --jobs {args.jobs}")

        startup, _, _ = ours(a, root / "submitted-one", root / "out-one", 1) if _one(root, students, a) else (0, 0, 0)
        before = machine_cpu()
        seconds, peak, _ = ours(a, root / "submitted", root / "out", args.jobs)
        cpu = cpu_line(before, machine_cpu(), args.n)
        times = [json.loads((root / "out" / s / "results.json").read_text())["execution_time"] for s in students]
        ours_rate = args.n / seconds
        print(f"autograder: {seconds:.1f} s for {args.n} -> {ours_rate:.2f} submissions/s; per submission "
              f"median {statistics.median(times):.3f} s, worst {max(times):.3f} s; peak RSS of the process tree "
              f"{peak / 2**20:.0f} MiB; start-up (one submission, --jobs 1) {startup:.1f} s")
        print(cpu)
        print(f"at this rate 1,000 submissions take {1000 / ours_rate:.0f} s (goal: under 60 s)")

        m = min(args.nbgrader_n, args.n)
        if m:
            sample = students[:m]
            plain_course, bridge_course = root / "nbgrader-plain", root / "nbgrader-bridge"
            plain_course.mkdir()
            bridge_course.mkdir()
            nbgrader_course(a, plain_course, plain=True)
            plain_seconds, plain_peak, _ = nbgrader(a, plain_course, root / "submitted", sample)
            nb_rate = m / plain_seconds
            print(f"nbgrader autograde (visible tests only): {plain_seconds:.1f} s for {m} -> {nb_rate:.2f} "
                  f"submissions/s, {plain_seconds / m:.2f} s per submission; peak RSS {plain_peak / 2**20:.0f} MiB")
            print(f"ratio: {ours_rate / nb_rate:.1f}x nbgrader's throughput (goal: at least 40x)")
            nbgrader_course(a, bridge_course, plain=False)
            nbgrader(a, bridge_course, root / "submitted", sample)
            theirs = support.nbgrader_scores(bridge_course, a, sample)
            mine = {s: json.loads((root / "out" / s / "results.json").read_text())["extra_data"]["cells"]
                    for s in sample}
            differ = [s for s in sample if theirs[s] != mine[s]]
            print(f"per-cell scores, nbgrader autograde vs autograder: {m - len(differ)} of {m} agree"
                  + (f"; differ: {differ}" if differ else ""))
            return 1 if differ else 0
    return 0


def _one(root: Path, students: list[str], assignment: str) -> bool:
    shutil.copytree(root / "submitted" / students[0], root / "submitted-one" / students[0])
    return True


if __name__ == "__main__":
    sys.exit(main())
