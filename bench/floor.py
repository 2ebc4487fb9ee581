"""Benchmark: the least grading one submission can cost on this machine.

    .venv/bin/python -m bench.floor --n 40

Runs the assignment's solution notebook N times in four ways, each adding one
layer of what grading does, and prints the machine's CPU time per submission
(user plus kernel, from /proc/stat) for each, with the time 1,000 submissions
would take at best if every core did nothing else:

1. its cells in this process, one fresh namespace after another (no isolation
   at all: what running the notebook's own code costs);
2. its cells in a fresh sandboxed process per submission (a fork of the
   sandbox's server, with its namespaces and limits), as grading runs them;
3. the same, plus one fresh copy of that process per probe the hidden checks
   make (each copy runs a probe that does nothing), as grading did before
   probes shared copies;
4. the whole grader (`python -m autograder grade --jobs 1`: checks, pytest,
   results, probes sharing copies where ``sandbox.sharing`` allows), its
   start-up taken out.

Layers 1 to 3 are measured in rounds, each layer in turn, and each one's median
round is printed, so a slow spell of the machine does not land on one layer.
They are floors: no grader that keeps a layer's isolation can do better.
Prints numbers; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import assignments, codec, grade  # noqa: E402
from autograder.notebook import build_program, read_source, read_submission  # noqa: E402
from autograder.sandbox import client  # noqa: E402
from bench.run import busy_seconds, machine_cpu, ours  # noqa: E402
from tests import support  # noqa: E402

#: What the whole grader may cost at most, against a fresh sandboxed process per submission (issue 18).
GOAL_RATIO = 1.5
#: Rounds each of the first three layers is measured in (see ``main``).
ROUNDS = 4
#: A probe that does nothing: what a fresh copy costs by itself.
NOTHING = {"source": "def nothing(ns):\n    return None\n", "function": "nothing",
           "kwargs": codec.encode({}), "reference": []}


def cpu_seconds(work, n: int) -> float:
    """Machine CPU seconds per call of ``work``, over ``n`` calls."""
    time.sleep(0.2)  # let the previous layer's processes finish dying
    before = machine_cpu()
    for _ in range(n):
        work()
    time.sleep(0.2)
    return busy_seconds(before, machine_cpu()) / n


def in_process(cells) -> None:
    import matplotlib.pyplot as plt

    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in cells:
            exec(compile(cell.source, f"<cell {cell.label}>", "exec"), namespace)
            plt.close("all")


def in_sandbox(sandbox: client.Sandbox, cells, copies: int) -> None:
    node = sandbox.start()
    for cell in cells:
        node.exec(cell.source, cell.label)
    for _ in range(copies):
        node.fork().probe(NOTHING)
    node.kill()
    sandbox.cleanup()


def copies_per_submission(name: str, scratch: Path) -> int:
    """How many probes the hidden checks make of one correct submission: the fresh
    copies they would fork if no two probes shared one (``sandbox.sharing``)."""
    counted = []
    probe = client.Node.probe

    def counting_probe(node, *args, **kwargs):
        counted.append(1)
        return probe(node, *args, **kwargs)

    support.write(scratch / "one", "solution", name, support.source_notebook(name))
    client.Node.probe = counting_probe
    try:
        grade.grade(name, scratch / "one", scratch / "one-out", jobs=1, force=True)
    finally:
        client.Node.probe = probe
    return len(counted)


def print_layers(rows: list[tuple[str, float]], cores: int) -> None:
    """Each layer's CPU seconds per submission, then the whole grader's (the last row)
    against a fresh sandboxed process per submission (the second)."""
    for label, seconds in rows:
        if seconds <= 0:  # the run with n submissions cost less than the one with 1: other work interfered
            print(f"  {label:<52} not measured (other work on the machine)")
        else:
            print(f"  {label:<52} {seconds * 1000:6.0f} ms  -> 1,000 in >= {seconds * 1000 / cores:5.0f} s")
    whole, floor = rows[-1][1], rows[1][1]
    if whole <= 0:
        print("the whole grader's cost could not be told apart from other work on the machine: "
              "run bench.floor alone, with a larger --n")
    else:
        print(f"the whole grader costs {whole / floor:.2f}x the floor's fresh sandboxed process per submission "
              f"(goal: at most {GOAL_RATIO}x)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="training_slope")
    parser.add_argument("--n", type=int, default=40, help=f"runs of each layer (split into {ROUNDS} rounds)")
    args = parser.parse_args(argv)
    if args.n < 2:
        parser.error("--n must be at least 2 (the whole grader's start-up is measured apart from its runs)")
    name, n = args.assignment, args.n
    source = assignments.get(name).source_notebook
    cells = build_program(read_submission(source), read_source(source)).cells
    cores = os.cpu_count() or 1
    per_round = max(1, n // ROUNDS)

    import torch

    torch.set_num_threads(1)  # as in the sandbox
    with tempfile.TemporaryDirectory(prefix="autograder-floor-") as scratch:
        root = Path(scratch)
        copies = copies_per_submission(name, root)
        in_process(cells)  # warm, as the sandbox's server is
        with client.Sandbox() as sandbox:
            in_sandbox(sandbox, cells, 0)
            layers = {
                "its cells, all in one process (no isolation)": lambda: in_process(cells),
                "+ a fresh sandboxed process per submission": lambda: in_sandbox(sandbox, cells, 0),
                f"+ a fresh copy of that process per probe ({copies})": lambda: in_sandbox(sandbox, cells, copies),
            }
            # In rounds, each layer in turn: a slow spell of the machine then spreads
            # over all layers instead of landing on one; each layer's median round counts.
            rounds = {label: [] for label in layers}
            for _ in range(ROUNDS):
                for label, work in layers.items():
                    rounds[label].append(cpu_seconds(work, per_round))
            rows = [(label, statistics.median(taken)) for label, taken in rounds.items()]
        for count in (1, n):
            for i in range(count):
                support.write(root / f"class-{count}", f"s{i:04d}", name, support.source_notebook(name))
        before = machine_cpu()
        ours(name, root / "class-1", root / "out-1", 1)
        middle = machine_cpu()
        ours(name, root / f"class-{n}", root / f"out-{n}", 1)
        # start-up + 1 submission, then start-up + n: the difference is n - 1 submissions
        whole = (busy_seconds(middle, machine_cpu()) - busy_seconds(before, middle)) / (n - 1)
        rows.append(("the whole grader (--jobs 1, start-up taken out)", whole))

    print(f"floor for {name} on {cores} cores: machine CPU per submission of its solution notebook "
          f"(median of {ROUNDS} rounds of {per_round} runs; the whole grader: {n} runs), and the least "
          "time 1,000 submissions could then take")
    print_layers(rows, cores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
