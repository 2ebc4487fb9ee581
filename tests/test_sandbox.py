"""The sandbox on its own: limits and what student code can reach, probed directly."""

import os
import sys

import pytest

from autograder.sandbox.client import Limits, Sandbox

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and per-worker uids need root")


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(Limits(timeout=20, cpu_seconds=2, memory_mb=512)) as box:
        yield box


def test_a_cpu_bound_cell_is_stopped_by_the_cpu_limit_before_its_time_limit(sandbox):
    node = sandbox.start()
    outcome = node.exec("while True:\n    pass", "spin")
    assert outcome.status == "crashed" and outcome.seconds < 15
    sandbox.cleanup()


def test_an_allocation_beyond_the_memory_limit_fails_inside_the_cell(sandbox):
    node = sandbox.start()
    outcome = node.exec("import torch\nx = torch.ones(200_000_000)", "hog")
    assert outcome.status == "error" and ("MemoryError" in str(outcome.error) or "allocate" in str(outcome.error))
    assert node.exec("y = 1 + 1", "after").ok
    sandbox.cleanup()


def test_each_cell_starts_without_the_last_cells_figure_as_in_jupyter(sandbox):
    node = sandbox.start()
    assert node.exec("import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\nfirst = plt.gcf()", "plot").ok
    outcome = node.exec("assert plt.get_fignums() == [] and plt.gcf() is not first", "next")
    assert outcome.ok, outcome.error
    sandbox.cleanup()


@ROOT_ONLY
def test_student_code_cannot_reach_the_grader_through_its_own_process_details(sandbox):
    node = sandbox.start()
    code = r'''
import os, sys, pathlib
reached = []
tries = [pathlib.Path(sys.executable).resolve().parents[2], pathlib.Path(sys.prefix).parent,
         pathlib.Path(os.environ.get("VIRTUAL_ENV", "/nonexistent")).parent,
         pathlib.Path(os.environ.get("PYTHONPATH", "/nonexistent")),
         pathlib.Path(f"/proc/{os.getppid()}/cwd"), pathlib.Path(f"/proc/{os.getppid()}/root/work/main"),
         pathlib.Path("/proc/1/root/work/main")]
for base in tries:
    for rel in ("autograder/checks/training_slope.py", "solutions/training_slope.py"):
        try:
            (base / rel).read_text()
            reached.append(str(base / rel))
        except OSError:
            pass
'''
    assert node.exec(code, "snoop").ok
    probe = "def look(ns):\n    return ns['reached']\n"
    assert node.probe({"source": probe, "function": "look", "kwargs": {"$": "dict", "items": []}}).value == []
    sandbox.cleanup()


@ROOT_ONLY
def test_student_code_runs_without_root_network_or_the_graders_files(sandbox):
    node = sandbox.start()
    code = ("import os, socket\nuid = os.getuid()\ncwd = os.getcwd()\n"
            "try:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n    net = True\n"
            "except OSError:\n    net = False\n")
    assert node.exec(code, "who").ok
    probe = "def look(ns):\n    return [ns['uid'], ns['cwd'], ns['net']]\n"
    uid, cwd, net = node.probe({"source": probe, "function": "look", "kwargs": {"$": "dict", "items": []}}).value
    assert uid >= 100_000 and cwd == "/tmp/notebook" and net is False
    assert sandbox.isolation == "namespace"
    sandbox.cleanup()
