"""The grader's side of the sandbox: start the fork server, drive nodes.

Every call that waits on student code has a deadline. When it passes, the node
is killed from outside with SIGKILL, so a loop that swallows interrupts with a
bare ``except:`` costs its time limit once and nothing more.
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
from autograder.sandbox import wire

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: How long the fork server may take to import torch and get ready.
STARTUP_SECONDS = 120.0
#: Grace for the sandbox's own work around a student call (fork, encode).
OVERHEAD_SECONDS = 5.0


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

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Limits:
    """Resource limits for student code, from ``nbgrader_config.py``."""

    timeout: float = 30.0
    """Seconds one cell or one check may run before it is killed."""
    memory_mb: int = 2048
    """Address space a student's process may add on top of torch's."""
    cpu_seconds: int = 600
    """CPU seconds one student process may use in all."""
    file_size_mb: int = 64
    """Largest file a student's code may write."""
    processes: int = 256
    """Most processes (when the grader is not root)."""
    tmp_mb: int = 256
    """Size of the private /tmp a submission gets (when the grader is root)."""

    def as_message(self, hide: tuple[str, ...] = ()) -> dict:
        return {
            "memory_mb": self.memory_mb, "cpu_seconds": self.cpu_seconds,
            "file_size_mb": self.file_size_mb, "processes": self.processes, "tmp_mb": self.tmp_mb,
            "project_root": str(PROJECT_ROOT), "hide": list(hide),
        }


class Node:
    """A handle on one sandboxed process holding a notebook's namespace."""

    def __init__(self, sock: socket.socket, pid: int, limits: Limits):
        self.sock = sock
        self.pid = pid
        self.limits = limits
        self.alive = True
        try:
            self._pidfd = os.pidfd_open(pid)
        except (OSError, AttributeError):
            self._pidfd = None

    def exec(self, source: str, label: str, timeout: float | None = None) -> Outcome:
        reply, outcome = self._call({"op": "exec", "source": source, "label": label}, timeout)
        if reply is not None:
            outcome.status = "ok" if reply.get("ok") else "error"
            outcome.error = _error(reply.get("error"))
            outcome.stdout = str(reply.get("stdout", ""))
        return outcome

    def probe(self, message: dict, timeout: float | None = None) -> Outcome:
        reply, outcome = self._call({"op": "probe", **message}, timeout)
        if reply is not None:
            outcome.status = "ok" if reply.get("ok") else "error"
            outcome.error = _error(reply.get("error"))
            outcome.stdout = str(reply.get("stdout", ""))
            outcome.patched = [str(p) for p in reply.get("patched", [])][:50]
            _decode_value(outcome, reply.get("value"))
        self.kill()
        return outcome

    def snapshot(self, tag: str, names: list[str]) -> Outcome:
        """Copy the globals ``names`` aside in the node (probes see them as
        ``SNAPSHOTS[tag]``); the outcome's value is a dict of those copies."""
        reply, outcome = self._call({"op": "snapshot", "tag": tag, "names": names}, None)
        if reply is not None:
            outcome.status = "ok"
            _decode_value(outcome, reply.get("values"))
            if outcome.ok and not isinstance(outcome.value, dict):
                outcome.status = "crashed"
        return outcome

    def fork(self) -> Node:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            wire.send(self.sock, {"op": "fork"}, fds=(theirs.fileno(),))
            reply, _ = wire.recv(self.sock, deadline=time.monotonic() + OVERHEAD_SECONDS * 4)
        except (OSError, wire.ChannelClosed, codec.CodecError) as exc:
            ours.close()
            raise SandboxError(f"could not copy the notebook's state: {exc}") from exc
        finally:
            theirs.close()
        return Node(ours, int(reply["pid"]), self.limits)

    def kill(self) -> None:
        if not self.alive:
            return
        self.alive = False
        try:
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
        finally:
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
            self.sock.close()

    def _call(self, message: dict, timeout: float | None) -> tuple[dict | None, Outcome]:
        limit = self.limits.timeout if timeout is None else timeout
        start = time.monotonic()
        outcome = Outcome(status="crashed")
        try:
            wire.send(self.sock, message)
            reply, _ = wire.recv(self.sock, deadline=start + limit + OVERHEAD_SECONDS)
        except (TimeoutError, socket.timeout):
            self.kill()
            outcome.status = "timeout"
            reply = None
        except (OSError, wire.ChannelClosed, codec.CodecError):
            self.kill()
            reply = None
        outcome.seconds = time.monotonic() - start
        return reply, outcome


def _decode_value(outcome: Outcome, data) -> None:
    """Put the value a node sent back into ``outcome`` (a malformed one: ``crashed``)."""
    import torch

    try:
        outcome.value = codec.decode(data, torch=torch)
    except codec.CodecError as exc:
        outcome.status = "crashed"
        outcome.error = codec.StudentError("GraderError", f"the value sent back was malformed ({exc})")


def _error(data) -> codec.StudentError | None:
    if data is None:
        return None
    try:
        value = codec.decode(data)
    except codec.CodecError:
        return codec.StudentError("Exception", "an error that could not be read")
    return value if isinstance(value, codec.StudentError) else codec.StudentError("Exception", str(value))


class Sandbox:
    """A fork server with torch imported, ready to start submissions."""

    def __init__(self, limits: Limits = Limits(), hide: tuple[str, ...] = ()):
        self.limits = limits
        self.hide = tuple(str(h) for h in hide)
        self.isolation = "unknown"
        """``namespace`` when student code cannot see the grader's files, else ``none``."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(PROJECT_ROOT))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.server", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), cwd=str(PROJECT_ROOT), env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        theirs.close()
        self._sock = ours
        self._ready = False
        self._workdirs: list[str] = []

    def _wait_until_ready(self) -> None:
        """The server imports torch while the grader gets on with its own start-up;
        the first real request waits for it here."""
        if self._ready:
            return
        try:
            wire.recv(self._sock, deadline=time.monotonic() + STARTUP_SECONDS)
        except (OSError, wire.ChannelClosed, codec.CodecError) as exc:
            self._process.kill()
            stderr = self._process.stderr.read().decode(errors="replace")[-2000:] if self._process.stderr else ""
            raise SandboxError(f"the sandbox did not start: {exc}\n{stderr}") from exc
        self._ready = True

    def start(self) -> Node:
        """A fresh node with an empty namespace, in a fresh working directory."""
        self._wait_until_ready()
        workdir = tempfile.mkdtemp(prefix="autograder-")
        if os.getuid() == 0:
            # the uid student code of this fork server runs as (see server.STUDENT_UID_BASE)
            uid = 100_000 + self._process.pid
            os.chown(workdir, uid, uid)
        self._workdirs.append(workdir)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            wire.send(self._sock, {"op": "spawn", "workdir": workdir,
                                   "limits": self.limits.as_message(self.hide)}, fds=(theirs.fileno(),))
            reply, _ = wire.recv(self._sock, deadline=time.monotonic() + OVERHEAD_SECONDS * 4)
            hello, _ = wire.recv(ours, deadline=time.monotonic() + OVERHEAD_SECONDS * 4)
        except (OSError, wire.ChannelClosed, codec.CodecError) as exc:
            ours.close()
            raise SandboxError(f"the sandbox stopped answering: {exc}") from exc
        finally:
            theirs.close()
        self.isolation = str(hello.get("isolation", "none"))
        return Node(ours, int(reply["pid"]), self.limits)

    def cleanup(self) -> None:
        """Kill every process the student's code left behind; remove work dirs."""
        self._wait_until_ready()
        try:
            wire.send(self._sock, {"op": "cleanup"})
            wire.recv(self._sock, deadline=time.monotonic() + 60)
        except (OSError, wire.ChannelClosed, codec.CodecError) as exc:
            raise SandboxError(f"the sandbox stopped answering: {exc}") from exc
        for workdir in self._workdirs:
            shutil.rmtree(workdir, ignore_errors=True)
        self._workdirs.clear()

    def close(self) -> None:
        try:
            wire.send(self._sock, {"op": "quit"})
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

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
