"""A node: one process holding one copy of a submission's namespace.

The fork server forks a node per submission (:func:`become_node`). The node
walls itself off (namespaces, read-only disk, its own uid, seccomp), then
executes the student's cells in a namespace of its own. It can fork copies of
itself, so every hidden check probes a copy of the notebook's final state and
nothing one check does is seen by another: a fresh copy, or, when asked for,
one that earlier probes left as a fresh one would be (``sharing``).

Nothing here decides a score, and nothing a node says is trusted: it only sends
back values (tensors, floats, plot data, exceptions), and the grader checks
every reply before reading it.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import ctypes
import functools
import linecache
import os
import resource
import signal
import socket
import sys
import traceback

import matplotlib.pyplot as plt
import torch

from autograder import codec
from autograder.sandbox import audit as audit_
from autograder.sandbox import guard, isolation, leftovers, scope, sharing, syscalls, wire
from autograder.sandbox.limits import Limits
from autograder.sandbox.prepared import Prepared
from autograder.sandbox.shell import BoundedText, NotebookShell

#: Protections that, all together, make a node's isolation ``namespace``.
ROOT_FEATURES = frozenset(wire.FEATURES)
#: The environment student code sees (nothing of the grader's).
ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
               "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _student_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` with only the student's own cells in it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell ")]
    lines = []
    for frame in frames[-8:]:
        lines.append(f'  {frame.filename[1:-1]}, line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    return "\n".join(lines)[-3000:]


def student_error(exc: BaseException) -> codec.StudentError:
    try:
        message = codec.without_addresses(str(exc))
    except BaseException:  # noqa: BLE001 - a hostile __str__ may raise anything
        message = ""
    name = type(exc).__name__
    return codec.StudentError(name if isinstance(name, str) else "Exception", message[:2000],
                              _student_traceback(exc))


class Node:
    """The node's loop and the four things the grader may ask of it."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
        # (a partial, not a closure over the node: what the namespace reaches holds nothing of the node's)
        self.namespace["get_ipython"] = functools.partial(NotebookShell, self.namespace)
        self.snapshots: dict = {}
        self.stdout = BoundedText()
        guard.trust(sys, argv=["notebook"], stdout=self.stdout, stderr=self.stdout)
        self.patched: list[str] = []
        self.pid = os.getpid()
        self.baseline: sharing.Baseline | None = None
        """In a copy kept for several probes: what it must look like again after each."""
        self.kept_copy: int | None = None
        """The last copy forked that may be kept (its pid): a later fork may spare it."""

    # -- the loop ---------------------------------------------------------

    def serve(self) -> None:
        while True:
            leftovers.reap()
            try:
                message, fds = wire.recv(self.sock, limit=codec.MAX_FRAME_BYTES, with_fds=True)
            except (wire.ChannelClosed, OSError, wire.ReplyError):
                os._exit(0)
            op = message.get("op")
            if op == "exec":
                self.send(self.exec_cell(message["source"], message["label"], message.get("audit")).to_frame())
            elif op == "fork" and len(fds) == 1:
                self.fork(fds[0], message.get("keep") is True, message.get("spare") is True)
            elif op == "probe":
                self.probe_and_maybe_stay(message)
            elif op == "snapshot":
                self.send(self.snapshot(message["tag"], message["names"]).to_frame())
            else:
                os._exit(0)

    def send(self, reply: dict, fds: tuple[int, ...] = ()) -> None:
        try:
            wire.send(self.sock, reply, fds)
        except OSError:
            os._exit(0)

    # -- operations -------------------------------------------------------

    def exec_cell(self, source: str, label: str, audit: list[str] | None = None) -> wire.CellDone:
        """Run a cell; with ``audit`` (its names), say if it changed nothing else (the solution's run)."""
        filename = f"<cell {label}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        error = None
        held: dict = {}
        before = audit_.fingerprint(self.namespace, set(audit), held) if audit is not None else None
        patched = tuple(self.patched)
        with self._fenced():
            try:
                code = compile(source, filename, "exec")
                exec(code, self.namespace)
            except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt included
                error = student_error(exc)
        # As in Jupyter (the inline backend shows, then closes, a cell's figures),
        # the next cell starts without a current figure.
        plt.close("all")
        unchanged = None if audit is None else (before is not None and tuple(self.patched) == patched
                                                and audit_.fingerprint(self.namespace, set(audit), held) == before)
        return wire.CellDone(error is None, error, self.stdout.take(), tuple(self.patched), unchanged)

    @contextlib.contextmanager
    def _fenced(self):
        """Around the student's code in the node itself (a cell, copying a
        snapshot): its output goes to the bounded buffer, and afterwards no
        process it forked comes back into the node's loop, none it started
        lives on, and its monkeypatching of torch, numpy or builtins is undone."""
        self._redirect()
        try:
            yield
        finally:
            self._only_the_node_goes_on()
            leftovers.kill_all()
            self._undo_patches()
            self._redirect()

    def _undo_patches(self) -> None:
        """Restore the guarded namespaces, remembering what was patched (for the report)."""
        self.patched.extend(p for p in guard.restore_trusted_state() if p not in self.patched)
        del self.patched[50:]

    def _only_the_node_goes_on(self) -> None:
        """A process the student's code forked (os.fork) must not come back into
        the node's loop and answer the grader: it ends here."""
        if os.getpid() != self.pid:
            os._exit(0)

    def fork(self, fd: int, keep: bool = False, spare: bool = False) -> None:
        """Copy this process for a probe. What the previous copies and their
        children left running is ended first (but the last copy that may be
        kept, with ``spare``: the grader still uses it). The copy's pidfd goes back with
        the reply; the grader checks it is this node's child before using it.
        The copy keeps the node's random state: Python would reseed ``random``
        from the OS in the child, and a check's answer would change from one
        grading to the next."""
        leftovers.kill_all(self.kept_copy if spare else None)
        child_sock = socket.socket(fileno=fd)
        state = guard.random_state()
        pid = os.fork()
        if pid == 0:
            guard.restore_random_state(state)
            self.sock.close()
            self.sock = child_sock
            self.pid = os.getpid()
            self.serve()
            os._exit(0)
        child_sock.close()
        self.kept_copy = pid if keep else self.kept_copy
        try:
            pidfd = os.pidfd_open(pid)
        except (OSError, AttributeError):
            self.send(wire.Forked().to_frame())
            return
        try:
            self.send(wire.Forked().to_frame(), (pidfd,))
        finally:
            os.close(pidfd)

    def snapshot(self, tag: str, names: list[str]) -> wire.SnapshotDone:
        """Copy the globals ``names`` aside (probes read them as ``SNAPSHOTS[tag]``)
        and send them back too, so a check that only reads them needs no probe.
        Copying and encoding may run the student's code (``__deepcopy__``, a
        tensor subclass), so both are fenced like a cell."""
        taken, items = {}, []
        with self._fenced():
            for name in names:
                if name in self.namespace:
                    taken[name] = _copy_aside(self.namespace[name])
            self._undo_patches()  # before encoding, which uses torch
            for name, value in taken.items():
                items.append([name, _encode_or_describe(value)])
        self.stdout.take()  # what the copying printed is nobody's feedback
        self.snapshots[tag] = taken
        return wire.SnapshotDone({"$": "dict", "items": items})

    def probe_and_maybe_stay(self, message: dict) -> None:
        """Answer a probe; then, if asked to ``keep`` the copy, say whether it is as
        the probe found it, and wait for the next probe if so. Otherwise end."""
        keep = message.get("keep") is True
        done, untouched = self.probe(message, keep)
        self.send(done.to_frame())
        if not keep:
            os._exit(0)
        # Reading the student's objects may run their code: what it prints makes the copy
        # count as changed, a process it forks ends here, and it runs against the real modules
        # after. (A copy never kills the processes of its uid: the node may be one of them.)
        self._redirect()
        try:
            clean = (done.ok and untouched and self.baseline is not None
                     and self.baseline.left_as_found(self.namespace, self.snapshots))
        finally:
            self._only_the_node_goes_on()
            self._redirect()
            self._undo_patches()
        clean = clean and not self.stdout.take()
        self.send(wire.Kept(clean).to_frame())
        if not clean:
            os._exit(0)

    def probe(self, message: dict, keep: bool = False) -> tuple[wire.ProbeDone, bool]:
        """Run a probe; also whether it left the guarded namespaces untouched."""
        self._undo_patches()
        plt.close("all")
        if keep and self.baseline is None:
            self.baseline = sharing.Baseline.take(self.namespace, self.snapshots)
        elif keep:
            self.baseline.restore_generators()
        untouched = False
        probe_scope = scope.probe_globals(self.snapshots)
        error = value = None
        self._redirect()
        try:
            for source in message.get("reference") or []:
                exec(compile(source, "<reference>", "exec"), self.namespace)
            exec(compile(message["source"], "<probe>", "exec"), probe_scope)
            kwargs = codec.decode(message.get("kwargs") or {}, torch=torch)
            function = probe_scope[message["function"]]
            message.clear()  # nothing of the request stays reachable while student code runs
            value = function(scope.StudentNamespace(self.namespace), **kwargs)
        except BaseException as exc:  # noqa: BLE001
            error = student_error(exc)
        finally:
            self._only_the_node_goes_on()
            untouched = guard.untouched()
            self._redirect()
            self._undo_patches()
        try:
            encoded = codec.encode(value, torch=torch) if error is None else None
        except BaseException as exc:  # noqa: BLE001 - a hostile object may fail to encode
            error, encoded = student_error(exc), None
        return wire.ProbeDone(error is None, encoded, error, self.stdout.take(), tuple(self.patched)), untouched

    def _redirect(self):
        sys.stdout = sys.stderr = self.stdout


def _copy_aside(value):
    try:
        if isinstance(value, torch.Tensor):
            return torch.Tensor.clone(torch.Tensor.detach(value))
        return copy.deepcopy(value)
    except BaseException:  # noqa: BLE001
        return codec.Opaque(codec.type_name(value), "could not be copied")


def _encode_or_describe(value) -> object:
    """``value`` encoded for the grader, or a description when it cannot be."""
    if isinstance(value, codec.Opaque):
        return {"$": "object", "type": value.type_name, "summary": value.summary}
    try:
        return codec.encode(value, torch=torch)
    except BaseException:  # noqa: BLE001 - a hostile object may fail to encode
        return {"$": "object", "type": codec.type_name(value), "summary": "could not be sent"}


# ------------------------------------------------------ becoming a node safely


def _limit(kind: int, soft: int) -> None:
    try:
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(kind, (soft, soft if hard == resource.RLIM_INFINITY else hard))
    except (ValueError, OSError):
        pass


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _die_with_parent() -> None:
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _wall_off(uid: int, workdir: str, limits: Limits, covers: list[str], in_own_pid_namespace: bool,
              prepared: Prepared) -> tuple[str, list[str]]:
    """Everything between the fork and the first cell (see the module's docstring).
    Returns the working directory and the protections that took effect."""
    features = ["pid"] if in_own_pid_namespace else []
    if os.getuid() == 0:
        try:
            isolation.enter_namespaces()
        except OSError:
            pass  # no CAP_SYS_ADMIN (a container): the uid, the limits and seccomp still apply
        else:
            features += ["mount", "net", "ipc"]
            # A half-built file system is never used: the node refuses to run (IsolationError).
            isolation.build_filesystem([*covers, *map(str, prepared.grader)], list(prepared.keep), limits.tmp_mb)
            features += ["dev", "proc", "readonly"]
            workdir = "/tmp/notebook"
            os.makedirs(workdir, exist_ok=True)
            os.chown(workdir, uid, uid)
    os.chdir(workdir)
    _limit(resource.RLIMIT_AS, _vm_size() + limits.memory_mb * 1024 * 1024)
    _limit(resource.RLIMIT_FSIZE, limits.file_size_mb * 1024 * 1024)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_CPU, limits.cpu_seconds)
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        features.append("uid")
    _limit(resource.RLIMIT_NPROC, limits.processes)
    _die_with_parent()
    features += syscalls.deny_kernel_features()
    return workdir, features


def become_node(sock: socket.socket, uid: int, workdir: str, limits: Limits, covers: list[str],
                in_own_pid_namespace: bool, prepared: Prepared) -> None:
    """Turn a freshly forked child of the fork server into a sandboxed node, then serve."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Writing past the file-size limit raises OSError (EFBIG) instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    os.setpgid(0, 0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    keep_fd = sock.fileno()
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 1 << 16)
    try:
        workdir, features = _wall_off(uid, workdir, limits, covers, in_own_pid_namespace, prepared)
    except OSError as exc:
        wire.send(sock, wire.Hello("none", (), failed=f"{type(exc).__name__}: {exc}"[:500]).to_frame())
        os._exit(3)
    covers = None  # noqa: F841 - nothing of the grader's folders stays reachable
    prepared.drop_forbidden_modules()
    sys.path[:] = prepared.path
    guard.drop_grader_finders(prepared.finders)
    sys.meta_path.insert(0, guard.ForbiddenImports())
    os.environ.clear()
    os.environ.update(ENVIRONMENT)
    isolated = "namespace" if ROOT_FEATURES <= set(features) else "uid" if "uid" in features else "none"
    guard.fresh_random_state()
    try:
        wire.send(sock, wire.Hello(isolated, tuple(features)).to_frame())
    except OSError:
        os._exit(0)
    Node(sock).serve()
    os._exit(0)
