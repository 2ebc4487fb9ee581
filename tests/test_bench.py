"""The benchmark behind `make bench` runs end to end (at a size that proves
nothing about speed: its numbers are printed, never asserted)."""

import re
import subprocess
import sys

from tests import support


def test_the_benchmark_grades_with_both_tools_and_reports_agreeing_scores():
    run = subprocess.run([sys.executable, "-m", "bench.run", "--n", "3", "--nbgrader-n", "1", "--jobs", "2"],
                         cwd=support.ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    out = run.stdout
    assert re.search(r"autograder: [\d.]+ s for 3 -> [\d.]+ submissions/s; per submission median", out), out
    assert re.search(r"CPU per submission \(whole machine\): \d+ ms user \+ \d+ ms kernel; cores busy \d+%", out), out
    assert re.search(r"nbgrader autograde \(visible tests only\): [\d.]+ s for 1 ", out), out
    assert re.search(r"ratio: [\d.]+x nbgrader's throughput \(goal: at least 40x\)", out), out
    assert re.search(r"at this rate 1,000 submissions take \d+ s \(goal: under 60 s\)", out), out
    assert "per-cell scores, nbgrader autograde vs autograder: 1 of 1 agree" in out, out


def test_the_floor_benchmark_prints_each_layer_and_counts_one_copy_per_probe():
    """`python -m bench.floor` (also part of `make bench`) measures what each layer
    of isolation costs. A correct training_slope submission needs one fresh copy
    per test cell that probes (forward, criterion, backward_update, zero_grad,
    train_model, plot_loss): the checks of one cell share their probe."""
    run = subprocess.run([sys.executable, "-m", "bench.floor", "--n", "2"],
                         cwd=support.ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    rows = re.findall(r"^  (.+?) +(-?\d+) ms  -> 1,000 in >= +(-?\d+) s$", run.stdout, re.MULTILINE)
    assert [label.split(" (")[0] for label, _, _ in rows] == [
        "its cells, all in one process", "+ a fresh sandboxed process per submission",
        "+ a fresh copy of that process per probe", "the whole grader"], run.stdout
    assert "+ a fresh copy of that process per probe (6)" in run.stdout, run.stdout
    assert all(int(ms) > 0 for _, ms, _ in rows[:3]), run.stdout
    assert re.search(r"the whole grader costs [\d.]+x the floor's fresh sandboxed process per submission "
                     r"\(goal: at most 1.5x\)", run.stdout), run.stdout
