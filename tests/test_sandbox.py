"""The sandbox on its own: limits and what student code can reach, probed directly."""

import os
import subprocess
import sys

import pytest

from autograder.sandbox import wire
from autograder.sandbox.client import Sandbox
from autograder.sandbox.limits import Limits
from tests import support

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and per-worker uids need root")
#: What a probe with no keyword arguments is sent.
NO_KWARGS = {"$": "dict", "items": []}


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


def test_sys_argv_and_the_output_stay_the_nodes_own_in_every_cell_and_check(sandbox):
    """Restoring sys after a cell used to put the fork server's argv back (the grader's path)."""
    node = sandbox.start()
    for label in ("first", "second"):
        outcome = node.exec("import sys\nprint(sys.argv)", label)
        assert outcome.ok and outcome.stdout.strip() == "['notebook']", outcome.stdout
    assert node.exec("import io\nsys.stdout = io.StringIO()\nsys.argv = ['changed']", "redirect").ok
    assert node.exec("print('seen', sys.argv)", "after").stdout.strip() == "seen ['notebook']"
    probe = "def look(ns):\n    import sys\n    print('check', sys.argv)\n"
    assert node.probe({"source": probe, "function": "look", "kwargs": NO_KWARGS}).stdout.strip() == "check ['notebook']"
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
    assert node.probe({"source": probe, "function": "look", "kwargs": NO_KWARGS}).value == []
    sandbox.cleanup()


@ROOT_ONLY
def test_student_code_runs_without_root_network_or_the_graders_files(sandbox):
    node = sandbox.start()
    code = ("import os, socket\nuid = os.getuid()\ncwd = os.getcwd()\n"
            "try:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n    net = True\n"
            "except OSError:\n    net = False\n")
    assert node.exec(code, "who").ok
    probe = "def look(ns):\n    return [ns['uid'], ns['cwd'], ns['net']]\n"
    uid, cwd, net = node.probe({"source": probe, "function": "look", "kwargs": NO_KWARGS}).value
    assert uid >= 100_000 and cwd == "/tmp/notebook" and net is False
    assert sandbox.isolation == "namespace"
    sandbox.cleanup()



def test_every_kind_of_patch_is_undone_before_a_check_even_when_repeated(sandbox):
    """A probe skips the namespaces nothing changed since they were last
    restored (it compares their dicts' version tags): each way of patching
    must still show up as a change, also the second time after a restore."""
    node = sandbox.start()
    assert node.exec("import builtins, torch, numpy as np\n"
                     "torch.mean = lambda *a, **k: torch.tensor(0.0)\n"        # module attribute
                     "vars(torch)['sum'] = lambda *a, **k: torch.tensor(0.0)\n"  # the module's dict itself
                     "torch.Tensor.tolist = lambda self: [42]\n"                # a class
                     "builtins.len = lambda obj: 0\n"                          # builtins
                     "del np.allclose\n", "patch").ok                          # a deletion
    assert node.exec("x = 1", "after").ok
    # The same patch again, after the first one was undone at the end of its cell.
    assert node.exec("torch.mean = lambda *a, **k: torch.tensor(0.0)", "again").ok
    probe = ("def look(ns):\n"
             "    t = torch.tensor([1.0, 3.0])\n"
             "    return [torch.mean(t).item(), torch.sum(t).item(), t.tolist(), len([1, 2]),\n"
             "            bool(np.allclose(1.0, 2.0))]\n")
    outcome = node.fork().probe({"source": probe, "function": "look", "kwargs": NO_KWARGS})
    assert outcome.ok, outcome.error
    assert outcome.value == [2.0, 4.0, [1.0, 3.0], 2, False]
    assert {"torch.mean", "torch.sum", "Tensor.tolist", "builtins.len", "numpy.allclose"} <= set(outcome.patched)
    sandbox.cleanup()


def test_a_patch_made_during_a_check_cannot_change_the_value_sent_back(sandbox):
    node = sandbox.start()
    assert node.exec("import torch\n"
                     "def answer():\n"
                     "    for name in ('detach', 'cpu', 'contiguous', 'numpy', 'tolist', 'float'):\n"
                     "        setattr(torch.Tensor, name, lambda self, *a, **k: torch.zeros(5))\n"
                     "    return torch.ones(2)\n", "cell").ok
    probe = "def call(ns):\n    return ns['answer']()\n"
    outcome = node.fork().probe({"source": probe, "function": "call", "kwargs": NO_KWARGS})
    assert outcome.ok, outcome.error
    assert outcome.value.tolist() == [1.0, 1.0]
    sandbox.cleanup()


def test_the_fork_server_checks_dict_versions_and_keeps_torch_on_huge_pages(sandbox):
    """The two things that make a probe cheap (see forkserver.use_huge_pages and
    guard.version_of) are in effect where the machine allows them."""
    code = ("from autograder.sandbox import guard\n"
            "d = {}\nv = guard.version_of(d)\nd['x'] = 1\n"
            "print(guard.version_of is not None and guard.version_of(d) != v)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=support.ROOT,
                         env=dict(os.environ, PYTHONPATH=str(support.ROOT)))
    assert run.stdout.strip() == "True", run.stderr[-2000:]
    sandbox.start().kill()  # the server is ready
    with open(f"/proc/{sandbox.server_pid}/smaps_rollup") as rollup:
        huge_kb = next(int(line.split()[1]) for line in rollup if line.startswith("AnonHugePages:"))
    assert (huge_kb > 100_000) == _huge_pages_available(), huge_kb


def _huge_pages_available() -> bool:
    """MADV_COLLAPSE needs Linux 6.1 and transparent huge pages not set to never."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as setting:
            enabled = "[never]" not in setting.read()
    except OSError:
        return False
    major, minor = (int(part) for part in os.uname().release.split(".")[:2])
    return enabled and (major, minor) >= (6, 1)


def test_a_snapshot_sends_copies_back_and_fences_the_students_own_copying_code(sandbox):
    node = sandbox.start()
    assert node.exec("import os, torch\n"
                     "class Sneaky:\n"
                     "    def __deepcopy__(self, memo):\n"
                     "        torch.mean = lambda *a, **k: torch.tensor(0.0)\n"
                     "        os.fork()  # the copy must not come back into the node's loop\n"
                     "        print('copying')\n"
                     "        return self\n"
                     "class Uncopyable:\n"
                     "    def __deepcopy__(self, memo):\n"
                     "        raise RuntimeError('no copies')\n"
                     "w = torch.tensor([2.0], requires_grad=True)\n"
                     "history = [1, 2]\nsneaky, stubborn = Sneaky(), Uncopyable()\n", "setup").ok
    copied = node.snapshot("after_setup", ["w", "history", "sneaky", "stubborn", "never_defined"])
    assert copied.ok, copied
    assert sorted(copied.value) == ["history", "sneaky", "stubborn", "w"]
    assert copied.value["w"].tolist() == [2.0] and copied.value["history"] == [1, 2]
    assert "could not be copied" in str(copied.value["stubborn"])
    # Later changes do not reach the copy a probe reads, the node still answers
    # the grader alone, and the patch made while copying was undone and reported.
    assert node.exec("history.append(3)", "later").ok
    probe = ("def look(ns):\n"
             "    return [torch.mean(torch.tensor([1.0, 3.0])).item(), SNAPSHOTS['after_setup']['history']]\n")
    outcome = node.fork().probe({"source": probe, "function": "look", "kwargs": NO_KWARGS})
    assert outcome.ok, outcome.error
    assert outcome.value == [2.0, [1, 2]]
    assert "torch.mean" in outcome.patched
    sandbox.cleanup()


@ROOT_ONLY
def test_each_submission_runs_as_a_uid_of_its_own_and_leaves_no_process_behind(sandbox):
    # The probe's copy starts daemons that outlive it: only the cleanup can end them.
    probe = ("def look(ns):\n    import os, time\n"
             "    for _ in range(5):\n"
             "        if os.fork() == 0:\n            os.setsid()\n            time.sleep(600)\n            os._exit(0)\n"
             "    return os.getuid()\n")
    uids = []
    for _ in range(2):
        node = sandbox.start()
        assert node.exec("x = 1", "cell").ok
        uids.append(node.fork().probe({"source": probe, "function": "look", "kwargs": NO_KWARGS}).value)
        assert _processes_of(uids[-1]) >= 5
        sandbox.cleanup()
        assert sandbox.left_behind == 0
        assert _processes_of(uids[-1]) == 0
    assert uids[0] != uids[1] and min(uids) >= 100_000


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status") as status:
                    count += any(line.startswith("Uid:") and int(line.split()[1]) == uid for line in status)
            except OSError:
                pass
    return count


def test_a_submission_whose_replies_pass_its_budget_gets_no_more_answers():
    with Sandbox(Limits(timeout=20, reply_kb=512, replies_mb=1)) as box:
        node = box.start()
        assert node.exec("big = [0.5] * 100_000", "data").ok  # about 400 KB of JSON a reply
        probe = "def look(ns):\n    return ns['big']\n"
        outcomes = [node.fork().probe({"source": probe, "function": "look", "kwargs": NO_KWARGS}) for _ in range(4)]
        assert [o.status for o in outcomes] == ["ok", "ok", "crashed", "crashed"]
        assert "passed the 1 MB one submission may send back" in outcomes[2].reason
        box.cleanup()


@ROOT_ONLY
def test_student_code_sees_a_private_dev_proc_and_a_read_only_disk(sandbox):
    node = sandbox.start()
    code = ("import os\n"
            "devices = sorted(os.listdir('/dev'))\n"
            "pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
            "status = open('/proc/self/status').read()\n"
            "flags = [line.split()[1] for line in status.splitlines() if line.startswith(('NoNewPrivs', 'Seccomp:'))]\n"
            "writable = []\n"
            "for folder in ('/run/lock', '/var/lock', '/etc', '/', '/usr', '/tmp', '/var/tmp', '/dev/shm'):\n"
            "    try:\n"
            "        open(os.path.join(folder, 'probe-file'), 'w').close()\n"
            "        writable.append(folder)\n"
            "    except OSError:\n"
            "        pass\n")
    assert node.exec(code, "look").ok
    probe = "def look(ns):\n    return [ns['devices'], ns['pids'], ns['flags'], ns['writable']]\n"
    devices, pids, flags, writable = node.fork().probe({"source": probe, "function": "look",
                                                        "kwargs": NO_KWARGS}).value
    assert devices == ["full", "null", "random", "shm", "urandom", "zero"]
    assert pids[0] == 1 and len(pids) <= 3  # the node, the copy probing it (and nothing of the host's)
    assert flags == ["1", "2"]  # no_new_privs set, a seccomp filter loaded
    assert writable == ["/tmp", "/var/tmp", "/dev/shm"]
    assert set(sandbox.features) == set(wire.FEATURES) and sandbox.isolation == "namespace"
    sandbox.cleanup()


def test_a_notebook_that_never_seeds_draws_the_same_numbers_every_time_it_is_graded(sandbox):
    """Two submissions in a row, and the fork server drawing numbers of its own in
    between, still start from one random state: the grade of unseeded code is repeatable."""
    drawn = []
    for _ in range(2):
        node = sandbox.start()
        assert node.exec("import random, torch\nvalues = [torch.rand(3).tolist(), random.random()]", "draw").ok
        drawn.append(node.snapshot("drawn", ["values"]).value["values"])
        sandbox.cleanup()
        import torch
        torch.rand(5)  # the grader's own process drawing does not matter either
    assert drawn[0] == drawn[1]
    assert len(set(drawn[0][0])) == 3


def test_every_check_draws_the_numbers_the_notebook_would_draw_next_in_every_grading():
    """A copy for a check starts from the notebook's random state, Python's ``random``
    included (Python reseeds it from the OS in every forked process), and strings hash
    alike in every grading run: a check of code that draws or iterates a set gives the
    same answer each time the notebook is graded."""
    draw = {"source": "def draw(ns):\n    return [ns['random'].random(), ns['torch'].rand(2).tolist(), "
                      "list({'slope', 'bias', 'cost', 'gradient', 'learning rate', 'loss', 'epoch', 'batch', "
                      "'forward', 'backward', 'step', 'zero_grad'})]\n",
            "function": "draw", "kwargs": NO_KWARGS}
    runs = []
    for _ in range(2):  # two grading runs: two fork servers
        with Sandbox() as box:
            node = box.start()
            assert node.exec("import random, torch\nrandom.random()", "draw").ok
            runs.append([node.fork().probe(draw).value for _ in range(2)])
            box.cleanup()
    assert runs[0][0] == runs[0][1] == runs[1][0] == runs[1][1]


def test_a_notebook_that_breaks_random_still_gets_its_checks(sandbox):
    """Copying ``random``'s state into a copy uses nothing a cell can replace or break:
    every check still gets a copy, drawing the numbers the notebook would draw next."""
    draw = {"source": "def draw(ns):\n    return ns['random'].random()\n", "function": "draw", "kwargs": NO_KWARGS}
    node = sandbox.start()
    assert node.exec("import random\nrandom.getstate = random.setstate = None", "patch").ok
    assert node.fork().probe(draw).value == node.fork().probe(draw).value
    # Found by an outside tester: with these, random's own getstate or setstate fails, and the
    # copies drew from the OS again (a check's answer, and once a score, changed between gradings).
    for breaking in ("del random._inst.gauss_next", "random._inst.VERSION = 4",
                     "class Odd:\n    def __eq__(self, other):\n        raise SystemExit\nrandom._inst.VERSION = Odd()"):
        assert node.exec(breaking, "break").ok
        drawn = [node.fork().probe(draw) for _ in range(2)]
        assert all(o.ok and isinstance(o.value, float) for o in drawn), drawn
        assert drawn[0].value == drawn[1].value, breaking
    sandbox.cleanup()


def test_code_that_removes_the_import_guard_still_finds_nothing_of_the_graders(sandbox):
    """The project's environment has the grader as an editable install, whose finder
    maps its packages to the checkout: the node drops that finder too."""
    import importlib.util

    assert importlib.util.find_spec("solutions") is not None  # the grader's own process finds it
    node = sandbox.start()
    code = ("import sys, importlib\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != 'ForbiddenImports']\n"
            "found = []\n"
            "for name in ('solutions', 'autograder', 'autograder.checks'):\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "        found.append(name)\n"
            "    except ImportError:\n"
            "        pass\n"
            "def knows(finder):\n"
            "    try:\n"
            "        return finder.find_spec('solutions', None) is not None\n"
            "    except Exception:\n"
            "        return False\n"
            "finders = [type(f).__name__ for f in sys.meta_path if knows(f)]\n"
            "loaded = [n for n in sys.modules if n.split('.')[0] in ('autograder', 'solutions')]\n"
            "paths = list(sys.path)\n")
    assert node.exec(code, "unguard").ok
    seen = node.snapshot("after", ["found", "finders", "loaded", "paths"]).value
    assert seen["found"] == [] and seen["finders"] == [] and seen["loaded"] == []
    # the fork server works out once what every node keeps of sys.path: the checkout is not in it
    assert str(support.ROOT) not in seen["paths"] and any("site-packages" in p for p in seen["paths"])
    sandbox.cleanup()


def test_a_node_drops_every_finder_that_maps_the_graders_packages(tmp_path):
    """The editable install's finder (made by `make setup`) is dropped; the standard ones stay."""
    code = ("import sys\n"
            "name = lambda f: getattr(f, '__name__', type(f).__name__)\n"
            "before = [name(f) for f in sys.meta_path]\n"
            "from autograder.sandbox import guard\n"
            "guard.drop_grader_finders()\n"
            "print(before, [name(f) for f in sys.meta_path])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    before, after = (eval(part + "]") for part in done.stdout.strip()[:-1].split("] ", 1))
    assert any("Editable" in name for name in before), before
    assert not any("Editable" in name for name in after) and "PathFinder" in after
