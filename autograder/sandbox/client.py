"""The grader's side of the sandbox: start the fork server, drive nodes.

Every call that waits on student code has a deadline. When it passes, the node
is killed from outside with SIGKILL, so a loop that swallows interrupts with a
bare ``except:`` costs its time limit once and nothing more.

Nothing a node sends is an instruction. The grader signals only processes it
has a handle on that it can trust: the node the fork server started (its pidfd
comes from the server), and a copy whose pidfd the node sent only once the
grader has proven it is that node's own child, inside the submission's
sandbox. Every reply is bounded in size, per reply and per submission, and
checked field by field (``wire``) before it is read.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder import codec
from autograder.sandbox import isolation, pidfds, wire
from autograder.sandbox.limits import Limits

#: How long the fork server may take to import torch and get ready.
STARTUP_SECONDS = 120.0
#: Grace for the sandbox's own work around a student call (fork, encode).
OVERHEAD_SECONDS = 5.0
#: Largest message the fork server (trusted) sends.
SERVER_REPLY_BYTES = 1 << 16
#: Python's string hash seed in the sandbox: a set or dict of strings iterates in the same
#: order every time a notebook is graded (a kernel of its own would draw a new seed).
HASH_SEED = "0"
#: Largest reply a node may send to a request for a copy (it says only that it forked).
FORK_REPLY_BYTES = 256


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the student's code)."""


@dataclass
class Outcome:
    """What happened when a node ran a cell or a probe."""

    status: str
    """``ok``, ``error`` (the student's code raised), ``timeout`` or ``crashed``."""
    value: object = None
    """The decoded value a probe returned (``None`` for cells)."""
    error: codec.StudentError | None = None
    """The student's exception, when ``status == "error"``."""
    stdout: str = ""
    """What the student's code printed (truncated)."""
    patched: list[str] = field(default_factory=list)
    """Guarded names the student's code had monkeypatched (undone before probing)."""
    seconds: float = 0.0
    """Wall-clock time the call took."""
    reason: str = ""
    """Why a ``crashed`` call gave nothing back, when the grader knows (a reply too large)."""
    unchanged: bool | None = None
    """For an audited cell: whether it changed nothing but its names. ``skipped``: left out (``unread``)."""
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def trusted_copy(fds: list[int], parent: Node) -> int | None:
    """The pidfd a node sent for a copy of itself, if the grader can prove it
    is one: exactly one fd, a pidfd, of a live process whose parent is the
    node, running as the submission's uid, in the submission's PID namespace.
    Anything else is closed and ``None`` returned: the copy is then never signalled."""
    if len(fds) != 1:
        wire.close_fds(fds)
        return None
    fd = fds[0]
    pid = pidfds.pidfd_pid(fd)
    ids = pidfds.status_ids(pid) if pid is not None else None
    proven = (ids is not None and pid != parent.pid and ids == (parent.pid, parent.uid)
              and pidfds.pid_namespace(pid) == parent.pid_namespace and parent.pid_namespace is not None
              and pidfds.alive(fd))  # alive now, so everything read above was about this very process
    if not proven:
        wire.close_fds([fd])
        return None
    return fd


class Node:
    """A handle on one sandboxed process holding a notebook's namespace."""

    def __init__(self, sock: socket.socket, pid: int, uid: int, limits: Limits, budget: wire.Budget,
                 pidfd: int | None, pid_namespace: str | None):
        self.sock = sock
        self.pid = pid
        """The node's pid as the grader sees it (from the fork server, or from a proven pidfd)."""
        self.uid = uid
        self.limits = limits
        self.budget = budget
        self.pid_namespace = pid_namespace
        self.alive = True
        self._pidfd = pidfd
        self._kept = False
        """A probe sent with ``keep`` returned: the copy's word on whether it may be reused is due."""

    def exec(self, source: str, label: str, timeout: float | None = None, audit: list[str] | None = None) -> Outcome:
        reply, outcome = self._call(wire.exec_cell(source, label, audit), timeout)
        if reply is not None:
            try:
                done = wire.CellDone.parse(reply)
            except wire.ReplyError as exc:
                return self._broken(outcome, exc)
            outcome.status = "ok" if done.ok else "error"
            outcome.error, outcome.stdout, outcome.patched = done.error, done.stdout, list(done.patched)
            outcome.unchanged = done.unchanged
        return outcome

    def probe(self, message: dict, timeout: float | None = None, keep: bool = False) -> Outcome:
        """Run a probe (``source``, ``function``, ``kwargs``, ``reference``) in
        this node, which is a copy: it ends afterwards, unless ``keep`` and the
        probe returned (then ask :meth:`reusable` before the next probe)."""
        request = wire.probe(message["source"], message["function"], message.get("kwargs") or {"$": "dict", "items": []},
                             list(message.get("reference", [])), keep)
        reply, outcome = self._call(request, timeout)
        if reply is not None:
            try:
                done = wire.ProbeDone.parse(reply)
            except wire.ReplyError as exc:
                self.kill()
                return self._broken(outcome, exc)
            outcome.status = "ok" if done.ok else "error"
            outcome.error, outcome.stdout, outcome.patched = done.error, done.stdout, list(done.patched)
            _decode_value(outcome, done.value)
        if keep and outcome.ok and self.alive and self._pidfd is not None:
            self._kept = True
        else:
            self.kill()
        return outcome

    def reusable(self) -> bool:
        """Whether this copy, kept after a probe, says it is as that probe found it
        and still runs: then it takes the next probe. Otherwise it is ended."""
        kept, self._kept = self._kept, False
        clean = False
        if kept and self.alive:
            try:
                reply, fds = wire.recv(self.sock, limit=FORK_REPLY_BYTES, with_fds=True,
                                       deadline=time.monotonic() + OVERHEAD_SECONDS)
                wire.close_fds(fds)
                clean = wire.Kept.parse(reply).clean and pidfds.alive(self._pidfd)
            except (OSError, wire.ChannelClosed, wire.ReplyError, TimeoutError):
                clean = False
        if not clean:
            self.kill()
        return clean

    def snapshot(self, tag: str, names: list[str]) -> Outcome:
        """Copy the globals ``names`` aside in the node (probes see them as
        ``SNAPSHOTS[tag]``); the outcome's value is a dict of those copies."""
        reply, outcome = self._call(wire.snapshot(tag, names), None)
        if reply is not None:
            try:
                done = wire.SnapshotDone.parse(reply)
            except wire.ReplyError as exc:
                return self._broken(outcome, exc)
            outcome.status = "ok"
            _decode_value(outcome, done.values)
            if outcome.ok and not isinstance(outcome.value, dict):
                outcome.status = "crashed"
        return outcome

    def fork(self, keep: bool = False, spare: bool = False) -> Node:
        """A copy of this node (``keep``, ``spare``: see ``wire.fork``). (Its tiny reply is not charged
        to the budget, so a submission that spent its budget still gets copies, whose replies are refused.)"""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            wire.send(self.sock, wire.fork(keep, spare), fds=(theirs.fileno(),))
            reply, fds = wire.recv(self.sock, limit=FORK_REPLY_BYTES, with_fds=True,
                                   deadline=time.monotonic() + OVERHEAD_SECONDS * 4)
        except (OSError, wire.ChannelClosed, wire.ReplyError, TimeoutError) as exc:
            ours.close()
            self.kill()
            raise SandboxError(f"could not copy the notebook's state: {exc}") from exc
        finally:
            theirs.close()
        try:
            wire.Forked.parse(reply)
        except wire.ReplyError:
            wire.close_fds(fds)
            return Node(ours, -1, self.uid, self.limits, self.budget, None, None)
        pidfd = trusted_copy(fds, self)
        pid = pidfds.pidfd_pid(pidfd) if pidfd is not None else -1
        return Node(ours, pid or -1, self.uid, self.limits, self.budget, pidfd, self.pid_namespace)

    def kill(self) -> None:
        """SIGKILL the process, if the grader has a handle it trusts on it; close the channel."""
        if not self.alive:
            return
        self.alive = False
        try:
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        except OSError:
            pass
        finally:
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
            self.sock.close()

    # -- helpers ----------------------------------------------------------

    def _recv(self, deadline: float, with_fds: bool = False) -> tuple[dict, list[int]]:
        return wire.recv(self.sock, limit=self.budget, with_fds=with_fds, deadline=deadline)

    def _call(self, message: dict, timeout: float | None) -> tuple[dict | None, Outcome]:
        limit = self.limits.timeout if timeout is None else timeout
        start = time.monotonic()
        outcome = Outcome(status="crashed")
        try:
            wire.send(self.sock, message)
            reply, _ = self._recv(start + limit + OVERHEAD_SECONDS)
        except (TimeoutError, socket.timeout):
            self.kill()
            outcome.status = "timeout"
            reply = None
        except wire.ReplyTooLarge as exc:
            self.kill()
            outcome.reason = self._too_much(exc)
            reply = None
        except (OSError, wire.ChannelClosed, wire.ReplyError):
            self.kill()
            reply = None
        outcome.seconds = time.monotonic() - start
        return reply, outcome

    def _too_much(self, exc: wire.ReplyTooLarge) -> str:
        if exc.limit < self.budget.per_reply:
            return (f"its replies to the grader passed the {self.limits.replies_mb} MB "
                    "one submission may send back")
        return f"it sent back an answer larger than the {self.limits.reply_kb} KB one answer may take"

    def _broken(self, outcome: Outcome, exc: wire.ReplyError) -> Outcome:
        self.kill()
        outcome.status, outcome.reason = "crashed", f"its reply broke the grader's protocol ({exc})"
        return outcome


def _decode_value(outcome: Outcome, data) -> None:
    """Put the value a node sent back into ``outcome`` (a malformed one: ``crashed``)."""
    import torch

    try:
        outcome.value = codec.decode(data, torch=torch)
    except (codec.CodecError, RecursionError, MemoryError) as exc:
        outcome.status = "crashed"
        outcome.reason = f"the value it sent back was malformed ({type(exc).__name__})"
        outcome.value = None


class Sandbox:
    """A fork server with torch imported, ready to start submissions."""

    def __init__(self, limits: Limits = Limits(), hide: tuple[str, ...] = ()):
        self.limits = limits
        self.hide = tuple(str(h) for h in hide)
        self.isolation = "unknown"
        """``namespace``, ``uid`` or ``none``: see ``wire.Hello``."""
        self.features: tuple[str, ...] = ()
        self.left_behind = 0
        """Processes of ended submissions the last cleanup could not end (their uids are retired)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        project = Path(__file__).resolve().parents[2]
        env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(project), PYTHONHASHSEED=HASH_SEED)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.forkserver", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), cwd=str(project), env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        theirs.close()
        self._sock = ours
        keep = isolation.python_paths(isolation.grader_folders())
        covers = [h for h in self.hide if isolation.needs_own_cover(h, keep)]
        try:
            wire.send(self._sock, wire.configure(limits, covers))
        except OSError as exc:
            raise SandboxError(f"the sandbox did not start: {exc}") from exc
        self._ready = False
        self._workdirs: list[str] = []

    def _wait_until_ready(self) -> None:
        """The server imports torch while the grader gets on with its own start-up;
        the first real request waits for it here."""
        if self._ready:
            return
        try:
            reply, _ = wire.recv(self._sock, limit=SERVER_REPLY_BYTES, deadline=time.monotonic() + STARTUP_SECONDS)
            wire.Ready.parse(reply)
        except (OSError, wire.ChannelClosed, wire.ReplyError, TimeoutError) as exc:
            self._process.kill()
            stderr = self._process.stderr.read().decode(errors="replace")[-2000:] if self._process.stderr else ""
            raise SandboxError(f"the sandbox did not start: {exc}\n{stderr}") from exc
        self._ready = True

    def start(self) -> Node:
        """A fresh node with an empty namespace, in a fresh working directory."""
        self._wait_until_ready()
        workdir = tempfile.mkdtemp(prefix="autograder-")
        self._workdirs.append(workdir)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + OVERHEAD_SECONDS * 4
        try:
            wire.send(self._sock, wire.spawn(workdir), fds=(theirs.fileno(),))
            reply, fds = wire.recv(self._sock, limit=SERVER_REPLY_BYTES, with_fds=True, deadline=deadline)
            spawned = wire.Spawned.parse(reply)
            root = os.getuid() == 0
            if root:  # where namespaces are not allowed (a container), the node works here
                os.chown(workdir, spawned.uid, spawned.uid)
            pidfd = fds[0] if fds else None
            wire.close_fds(fds[1:])
            node = Node(ours, spawned.pid, spawned.uid if root else os.getuid(), self.limits,
                        wire.Budget.of(self.limits), pidfd, None)
            alive = pidfd is not None and pidfds.alive(pidfd)
            node.pid_namespace = pidfds.pid_namespace(spawned.pid) if alive else None
            hello_frame, _ = wire.recv(ours, limit=SERVER_REPLY_BYTES, deadline=deadline)
            hello = wire.Hello.parse(hello_frame)
        except (OSError, wire.ChannelClosed, wire.ReplyError, TimeoutError) as exc:
            ours.close()
            raise SandboxError(f"the sandbox stopped answering: {exc}") from exc
        finally:
            theirs.close()
        if hello.failed:
            node.kill()
            raise SandboxError(f"a student process could not be walled off, so none was run: {hello.failed}")
        self.isolation, self.features = hello.isolation, hello.features
        return node

    def cleanup(self) -> None:
        """Kill every process the student's code left behind, count what is
        left (see ``forkserver``), remove work dirs."""
        self._wait_until_ready()
        try:
            wire.send(self._sock, wire.cleanup())
            reply, _ = wire.recv(self._sock, limit=SERVER_REPLY_BYTES, deadline=time.monotonic() + 60)
            self.left_behind = wire.Cleaned.parse(reply).left
        except (OSError, wire.ChannelClosed, wire.ReplyError, TimeoutError) as exc:
            raise SandboxError(f"the sandbox stopped answering: {exc}") from exc
        for workdir in self._workdirs:
            shutil.rmtree(workdir, ignore_errors=True)
        self._workdirs.clear()

    def close(self) -> None:
        try:
            wire.send(self._sock, wire.quit_server())
        except OSError:
            pass
        self._sock.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for workdir in self._workdirs:
            shutil.rmtree(workdir, ignore_errors=True)

    @property
    def server_pid(self) -> int:
        return self._process.pid

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
