"""The fork server: torch imported once, a node forked per submission.

Run as ``python -m autograder.sandbox.forkserver FD``. The server imports
torch, numpy and matplotlib, records the trusted state (``guard``), then waits
on the socket FD for the grader's requests:

* ``configure``: the limits and the folders needing a cover of their own;
* ``spawn``: fork a node for one submission, in a PID namespace of its own
  (when root) and with a uid nobody else has, and hand the grader the node's
  pidfd (a handle on exactly that process, whatever its pid becomes);
* ``cleanup``: kill every process of the submissions started so far and count,
  uid by uid, what is left. A uid that still has processes is never handed out
  again, so nothing a student leaves behind can touch the next submission.

The server never runs student code and reads nothing a node sends.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import socket
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402,F401
import torch  # noqa: E402
import torch.nn.functional  # noqa: E402

torch.set_num_threads(1)

# Modules student code commonly imports, loaded now: once the node drops to
# an unprivileged uid it may be unable to read the standard library from disk.
import collections, csv, dataclasses, datetime, decimal, fractions, functools, hashlib  # noqa: E401,E402,F401
import itertools, json, operator, pathlib, pickle, random, re, secrets, statistics  # noqa: E401,E402,F401
import string, textwrap, typing, warnings  # noqa: E401,E402,F401
import numpy.random  # noqa: E402,F401 - numpy 2 loads it lazily
# best_practices trains with TensorBoard's SummaryWriter and fit's checks read its event file
# back: half a second to import, paid once here instead of in every submission.
import torch.utils.tensorboard  # noqa: E402,F401
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402,F401

from autograder import codec  # noqa: E402
from autograder.sandbox import wire  # noqa: E402
from autograder.sandbox.isolation import CLONE_NEWPID  # noqa: E402
from autograder.sandbox.limits import Limits  # noqa: E402
from autograder.sandbox.prepared import Prepared  # noqa: E402

try:  # loaded here, where the disk is still readable (the node loads the filter)
    import pyseccomp  # noqa: E402,F401
except (ImportError, OSError, RuntimeError):
    pass


def _warm_up() -> None:
    """Do once, here, the lazy work torch and matplotlib do on first use (the
    first optimiser step imports torch._dynamo: about a second), so that no
    submission pays it again."""
    p = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=0.1)
    torch.nn.functional.mse_loss(torch.nn.Linear(1, 1)(p.view(1, 1)), torch.zeros(1, 1)).backward()
    torch.nn.utils.clip_grad_norm_([p], 1.0)
    optimizer.step()
    torch.optim.lr_scheduler.StepLR(optimizer, step_size=1).step()
    fig, ax = plt.subplots()
    ax.contour([[0.0, 1.0], [1.0, 2.0]])
    plt.close(fig)


_warm_up()

from autograder.sandbox import guard, leftovers, node  # noqa: E402 - the trusted state is recorded on import
from autograder.sandbox.leftovers import reap as _reap  # noqa: E402

#: ``madvise`` advice (Linux 6.1+): back a range with huge pages now.
MADV_COLLAPSE = 25
HUGE_PAGE = 2 << 20
#: uids one fork server hands out in turn (each checked empty before reuse).
UID_SLOTS = 256
#: How long cleanup waits for killed processes to be gone before it retires their uid.
GONE_SECONDS = 2.0


def use_huge_pages() -> None:
    """Move the server's anonymous memory (about 240 MB once torch is imported)
    onto 2 MB pages. Every node and every probe is a fork of it: copying the
    page tables of 4 kB pages, and tearing them down again, costs about 20 ms
    per fork; with huge pages about 5 ms. Pages are still copied on write, so
    nothing is shared between forks that was not before. Where the kernel
    cannot (older than 6.1, or transparent huge pages set to ``never``),
    nothing changes."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        with open("/proc/self/maps") as maps:
            ranges = [line.split() for line in maps]
    except (OSError, AttributeError):
        return
    for fields in ranges:
        anonymous = len(fields) < 6 or fields[5] == "[heap]"
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if anonymous and fields[1].startswith("rw") and end - start >= HUGE_PAGE:
            libc.madvise(start, end - start, MADV_COLLAPSE)


# --------------------------------------------------------------- processes


def kill_descendants() -> int:
    """SIGKILL every process below the server. The server is a child
    subreaper, so orphans (even double-forked daemons) come back to it and are
    killed in a later round. A node that is the init of its PID namespace takes
    everything in that namespace with it."""
    killed = 0
    for _ in range(1000):
        children = leftovers.children()
        if not children:
            return killed
        for pid in children:
            killed += _kill_own_child(pid)
        _reap()
        os.sched_yield()
    return killed


def _kill_own_child(pid: int) -> int:
    """SIGKILL ``pid`` if it is still this server's child (a pid read from /proc
    may have been reused by the time it is signalled: a pidfd pins the process,
    and its parent is checked through it)."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return 0
    except OSError:  # a kernel without pidfds
        os.kill(pid, signal.SIGKILL)
        return 1
    try:
        with open(f"/proc/{pid}/status") as status:
            parent = next((int(line.split()[1]) for line in status if line.startswith("PPid:")), None)
        if parent != os.getpid():
            return 0
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        return 1
    except (OSError, ValueError):
        return 0
    finally:
        os.close(pidfd)


def processes_of(uids: set[int]) -> int:
    """How many processes on the machine run as one of ``uids`` (real uid)."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                for line in status:
                    if line.startswith("Uid:"):
                        count += int(line.split()[1]) in uids
                        break
        except (OSError, ValueError, IndexError):
            pass
    return count


def _set_subreaper() -> None:
    PR_SET_CHILD_SUBREAPER = 36
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class _Uids:
    """The uids this server hands out: one per submission, never one that still
    has processes (those are retired for good)."""

    def __init__(self):
        base = leftovers.STUDENT_UID_BASE + (os.getpid() % (1 << 22)) * UID_SLOTS
        self.free = [base + slot for slot in range(UID_SLOTS)]
        self.live: set[int] = set()
        self.retired: set[int] = set()

    def take(self) -> int:
        if not self.free:
            raise RuntimeError("every uid of this fork server still has processes")
        uid = self.free.pop(0)
        self.live.add(uid)
        return uid

    def settle(self) -> int:
        """After the live submissions' processes were killed: free their uids,
        or retire the ones with processes left. Returns how many are left."""
        deadline = time.monotonic() + GONE_SECONDS
        left = processes_of(self.live) if self.live else 0
        while left and time.monotonic() < deadline:
            time.sleep(0.01)
            _reap()
            left = processes_of(self.live)
        for uid in sorted(self.live):
            if left and processes_of({uid}):
                self.retired.add(uid)
            else:
                self.free.append(uid)
        self.live.clear()
        return left


# ---------------------------------------------------------------- the loop


class ForkServer:
    """The server's state: its configuration and the uids it handed out."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.limits = Limits()
        self.covers: list[str] = []
        self.uids = _Uids()
        self.root = os.getuid() == 0
        self.home_pid_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY) if self.root else -1
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.prepared = Prepared.now()

    def serve(self) -> None:
        while True:
            _reap()
            try:
                message, fds = wire.recv(self.sock, limit=codec.MAX_FRAME_BYTES, with_fds=True)
            except (wire.ChannelClosed, OSError, wire.ReplyError):
                kill_descendants()
                return
            op = message.get("op")
            if op == "configure":
                self.limits = Limits.from_message(message["limits"])
                self.covers = [str(c) for c in message["covers"]]
                wire.send(self.sock, wire.Ready().to_frame())
            elif op == "spawn" and len(fds) == 1:
                self.spawn(fds[0], str(message["workdir"]))
            elif op == "cleanup":
                killed = kill_descendants()
                wire.send(self.sock, wire.Cleaned(killed, self.uids.settle()).to_frame())
            else:
                kill_descendants()
                return

    def spawn(self, fd: int, workdir: str) -> None:
        """Fork a node. As root it is the first process of a new PID namespace
        (the server then goes back to its own, for the next spawn)."""
        uid = self.uids.take()
        in_own_namespace = self.root and self.libc.unshare(CLONE_NEWPID) == 0
        pid = os.fork()
        if pid == 0:
            self.sock.close()
            sock, limits, covers = socket.socket(fileno=fd), self.limits, self.covers
            self.covers = []
            try:
                node.become_node(sock, uid, workdir, limits, covers, in_own_namespace, self.prepared)
            finally:
                os._exit(0)
        if in_own_namespace:
            self.libc.setns(self.home_pid_namespace, CLONE_NEWPID)
        os.close(fd)
        try:
            pidfd = os.pidfd_open(pid)
        except (OSError, AttributeError):
            pidfd = None
        try:
            wire.send(self.sock, wire.Spawned(uid, pid).to_frame(), () if pidfd is None else (pidfd,))
        finally:
            if pidfd is not None:
                os.close(pidfd)


def main(argv: list[str]) -> None:
    sock = socket.socket(fileno=int(argv[1]))
    _set_subreaper()
    # What torch changed lazily since the snapshot is settled once, here, and not in every node.
    guard.restore_trusted_state()
    # Every node inherits the seeded generators (it resets only the CPU one itself).
    guard.seed_everything()
    # The garbage collector of a node then never walks (and so never copies) the
    # objects of torch, numpy and matplotlib: about 5 ms less per submission.
    gc.freeze()
    use_huge_pages()
    # Orphans of student code are re-parented here: reap them as they die, so
    # zombies never hold on to process slots. (Nodes set SIGCHLD back to default.)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    ForkServer(sock).serve()


if __name__ == "__main__":
    main(sys.argv)
