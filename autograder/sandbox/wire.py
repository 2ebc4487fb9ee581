"""The sandbox's wire protocol: framing, and every message both sides exchange.

Frames are an 8-byte big-endian length and UTF-8 JSON, over Unix sockets that
can also carry file descriptors. Requests go from the grader to the fork server
and to nodes (the grader writes them; the functions below are their only
spelling). Replies come back as the dataclasses below, which both sides use:
the sender builds one and calls ``to_frame()``, the grader calls ``parse()``.

A node runs student code, so nothing it sends is trusted. :func:`recv` refuses
a frame larger than the caller's bound before reading it, and one whose JSON
would build too many containers before parsing it. ``parse`` checks the type
and size of every field before anything reads it. A reply is data about the
student's code, never an instruction: no pid, path or verdict in it is acted on.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import time
from dataclasses import dataclass

from autograder import codec
from autograder.sandbox.limits import Limits

_HEADER = 8
#: Most characters of printed output a node keeps per cell or probe.
STDOUT_LIMIT = 20_000
#: Most JSON arrays and objects one frame may hold (each becomes a Python object).
MAX_CONTAINERS = 50_000
#: What a node may name when it reports a patched name: ``torch.mean``, ``Tensor.tolist``,
#: ``sys.modules['torch']``. Nothing else a node says about patching is shown to anyone.
_PATCHED = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}(\.[A-Za-z_][A-Za-z0-9_]{0,40}){1,3}|sys\.modules\['[A-Za-z0-9_.]{1,60}'\]")
#: Protections a node may report as in effect (see ``node.become_node``).
FEATURES = ("mount", "net", "ipc", "pid", "uid", "dev", "proc", "readonly", "nnp", "seccomp")


class ChannelClosed(EOFError):
    """The other end closed the socket (or died) before a whole frame arrived."""


class ReplyError(ValueError):
    """A reply that breaks the protocol: too large, malformed, or with a field of the wrong type."""


class ReplyTooLarge(ReplyError):
    """A reply larger than the bound its reader set."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"a reply of {size} bytes, more than the {limit} allowed")
        self.size, self.limit = size, limit


# ----------------------------------------------------------------- framing


class Budget:
    """How much one submission's nodes may still send back: at most
    ``per_reply`` bytes a reply, ``total`` in all (``Limits.reply_kb`` and
    ``Limits.replies_mb``). Every reply read is charged to it."""

    def __init__(self, per_reply: int, total: int):
        self.per_reply = per_reply
        self.remaining = total

    @classmethod
    def of(cls, limits: Limits) -> Budget:
        return cls(limits.reply_kb * 1024, limits.replies_mb * 1024 * 1024)

    def limit(self) -> int:
        return max(0, min(self.per_reply, self.remaining))


def send(sock: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    frame = codec.dumps_frame(message)
    if fds:
        sent = socket.send_fds(sock, [frame[:_HEADER]], list(fds))
        if sent != _HEADER:
            raise ChannelClosed("short write of a frame header")
        sock.sendall(frame[_HEADER:])
    else:
        sock.sendall(frame)


def recv(sock: socket.socket, *, limit: int | Budget, with_fds: bool = False,
         deadline: float | None = None) -> tuple[dict, list[int]]:
    """Read one frame of at most ``limit`` bytes (or what a :class:`Budget`
    allows, which is then charged). Raises :class:`ChannelClosed` on EOF,
    ``TimeoutError`` when ``deadline`` (a ``time.monotonic()`` value) passes
    first, :class:`ReplyTooLarge` and :class:`ReplyError` on a frame that is
    too big or not JSON. File descriptors that came with it are returned
    (``with_fds``) or, if the frame is refused, closed."""
    budget = limit if isinstance(limit, Budget) else None
    bound = budget.limit() if budget is not None else limit
    fds: list[int] = []
    header = b""
    try:
        if with_fds:
            _wait(sock, deadline)
            header, fds, _flags, _addr = socket.recv_fds(sock, _HEADER, 4)
            if not header:
                raise ChannelClosed("the process closed its channel")
        header += _read_exact(sock, _HEADER - len(header), deadline)
        (length,) = struct.unpack(">Q", header)
        if budget is not None:
            budget.remaining -= min(length, bound + 1)
        if length > bound:
            raise ReplyTooLarge(length, bound)
        body = _read_exact(sock, length, deadline)
        if body.count(b"[") + body.count(b"{") > MAX_CONTAINERS:
            raise ReplyError(f"a reply nesting more than {MAX_CONTAINERS} lists and objects")
        try:
            message = codec.loads_frame_body(body)
        except codec.CodecError as exc:
            raise ReplyError(str(exc)) from exc
    except BaseException:
        close_fds(fds)
        raise
    return message, list(fds)


def close_fds(fds) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _wait(sock: socket.socket, deadline: float | None) -> None:
    if deadline is None:
        sock.settimeout(None)
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    sock.settimeout(remaining)


def _read_exact(sock: socket.socket, count: int, deadline: float | None = None) -> bytes:
    chunks = []
    while count > 0:
        _wait(sock, deadline)
        chunk = sock.recv(min(count, 1 << 20))
        if not chunk:
            raise ChannelClosed("the process closed its channel")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- requests
# Written by the grader, read by the fork server and by nodes.


def configure(limits: Limits, covers: list[str]) -> dict:
    """To the fork server, once: the limits, and the folders that need a mount of their own to be hidden."""
    return {"op": "configure", "limits": limits.to_message(), "covers": list(covers)}


def spawn(workdir: str) -> dict:
    """To the fork server, with the new node's socket: start a node for one submission."""
    return {"op": "spawn", "workdir": workdir}


def cleanup() -> dict:
    """To the fork server: end every process of the submissions started so far, and count what is left."""
    return {"op": "cleanup"}


def quit_server() -> dict:
    return {"op": "quit"}


def exec_cell(source: str, label: str, audit: list[str] | None = None) -> dict:
    """Run a cell. With ``audit`` (the names the cell binds), the node also says
    whether the cell left everything else as it found it (``audit.fingerprint``)."""
    message = {"op": "exec", "source": source, "label": label}
    if audit is not None:
        message["audit"] = list(audit)
    return message


def fork(keep: bool = False, spare: bool = False) -> dict:
    """To a node, with the copy's socket: copy yourself. ``keep``: the copy may stay
    for several probes; ``spare``: the last such copy is still in use (leave it running)."""
    return {"op": "fork", "keep": keep, "spare": spare}


def probe(source: str, function: str, kwargs: object, reference: list[str], keep: bool = False) -> dict:
    """``keep``: the copy stays for the next probe if this one leaves it as it found it (:class:`Kept`)."""
    return {"op": "probe", "source": source, "function": function, "kwargs": kwargs, "reference": reference,
            "keep": keep}


def snapshot(tag: str, names: list[str]) -> dict:
    return {"op": "snapshot", "tag": tag, "names": list(names)}


# ----------------------------------------------------------------- replies


def _field(frame: dict, name: str, kind: type, limit: int | None = None):
    value = frame.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ReplyError(f"field {name!r} is not a {kind.__name__}")
    if limit is not None and len(value) > limit:
        raise ReplyError(f"field {name!r} is longer than {limit}")
    return value


def _error(frame: dict) -> codec.StudentError | None:
    data = frame.get("error")
    if data is None:
        return None
    if not isinstance(data, dict) or data.get("$") != "error":
        raise ReplyError("field 'error' is not an error")
    return codec.StudentError(_field(data, "type", str, 200), _field(data, "message", str, 2000),
                              _field(data, "traceback", str, 5000))


def _patched(frame: dict) -> tuple[str, ...]:
    names = _field(frame, "patched", list, 50)
    if not all(isinstance(n, str) and _PATCHED.fullmatch(n) for n in names):
        raise ReplyError("field 'patched' names something that is not a guarded name")
    return tuple(names)


def encode_error(error: codec.StudentError | None) -> dict | None:
    if error is None:
        return None
    return {"$": "error", "type": error.type_name[:200], "message": error.message[:2000],
            "traceback": error.traceback[-5000:]}


@dataclass(frozen=True)
class Ready:
    """Fork server: torch is imported, the server is configured and waits for spawns."""

    def to_frame(self) -> dict:
        return {"ready": True}

    @classmethod
    def parse(cls, frame: dict) -> Ready:
        if frame.get("ready") is not True:
            raise ReplyError("not a ready message")
        return cls()


@dataclass(frozen=True)
class Spawned:
    """Fork server: a node was started for a submission, as process ``pid``
    running as ``uid`` (the node's pidfd comes with it, where the kernel has pidfds)."""

    uid: int
    pid: int

    def to_frame(self) -> dict:
        return {"uid": self.uid, "pid": self.pid}

    @classmethod
    def parse(cls, frame: dict) -> Spawned:
        return cls(_field(frame, "uid", int), _field(frame, "pid", int))


@dataclass(frozen=True)
class Cleaned:
    """Fork server: processes killed, and processes of the ended submissions still alive."""

    killed: int
    left: int

    def to_frame(self) -> dict:
        return {"killed": self.killed, "left": self.left}

    @classmethod
    def parse(cls, frame: dict) -> Cleaned:
        return cls(_field(frame, "killed", int), _field(frame, "left", int))


@dataclass(frozen=True)
class Hello:
    """Node, once, before any student code ran: which protections are in effect."""

    isolation: str
    """``namespace`` (every protection in :data:`FEATURES`), ``uid`` (an
    unprivileged uid of its own, no namespaces) or ``none``."""
    features: tuple[str, ...]
    failed: str = ""
    """Why the node could not wall itself off and will not run student code."""

    def to_frame(self) -> dict:
        return {"isolation": self.isolation, "features": list(self.features), "failed": self.failed}

    @classmethod
    def parse(cls, frame: dict) -> Hello:
        isolation = _field(frame, "isolation", str)
        features = _field(frame, "features", list, len(FEATURES))
        if isolation not in ("namespace", "uid", "none") or not set(features) <= set(FEATURES):
            raise ReplyError("a hello naming unknown protections")
        return cls(isolation, tuple(features), _field(frame, "failed", str, 500))


@dataclass(frozen=True)
class CellDone:
    """Node: a cell ran (``ok``) or raised ``error``; what it printed; what it monkeypatched."""

    ok: bool
    error: codec.StudentError | None
    stdout: str
    patched: tuple[str, ...] = ()
    unchanged: bool | None = None
    """For an audited cell: whether it changed nothing but the names it binds."""

    def to_frame(self) -> dict:
        return {"ok": self.ok, "error": encode_error(self.error), "stdout": self.stdout,
                "patched": list(self.patched), "unchanged": self.unchanged}

    @classmethod
    def parse(cls, frame: dict) -> CellDone:
        unchanged = frame.get("unchanged")
        return cls(_field(frame, "ok", bool), _error(frame), _field(frame, "stdout", str, STDOUT_LIMIT + 100),
                   _patched(frame), unchanged if isinstance(unchanged, bool) else None)


@dataclass(frozen=True)
class Forked:
    """Node: it copied itself (the copy's pidfd comes with it, and is checked before use)."""

    def to_frame(self) -> dict:
        return {"forked": True}

    @classmethod
    def parse(cls, frame: dict) -> Forked:
        if frame.get("forked") is not True:
            raise ReplyError("not a fork reply")
        return cls()


@dataclass(frozen=True)
class Kept:
    """Node copy, after a probe sent with ``keep``: whether it left the copy as it found it
    (then the copy waits for the next probe; otherwise it has ended)."""

    clean: bool

    def to_frame(self) -> dict:
        return {"kept": self.clean}

    @classmethod
    def parse(cls, frame: dict) -> Kept:
        if not isinstance(frame.get("kept"), bool):
            raise ReplyError("not a kept reply")
        return cls(frame["kept"])


@dataclass(frozen=True)
class ProbeDone:
    """Node copy: a probe returned ``value`` (still encoded) or raised ``error``."""

    ok: bool
    value: object
    error: codec.StudentError | None
    stdout: str
    patched: tuple[str, ...] = ()

    def to_frame(self) -> dict:
        return {"ok": self.ok, "value": self.value, "error": encode_error(self.error), "stdout": self.stdout,
                "patched": list(self.patched)}

    @classmethod
    def parse(cls, frame: dict) -> ProbeDone:
        ok = _field(frame, "ok", bool)
        error = _error(frame)
        if ok == (error is not None):
            raise ReplyError("a probe reply that is both ok and an error, or neither")
        return cls(ok, frame.get("value"), error, _field(frame, "stdout", str, STDOUT_LIMIT + 100),
                   _patched(frame))


@dataclass(frozen=True)
class SnapshotDone:
    """Node: copies of the globals asked for (still encoded, as a dict)."""

    values: object

    def to_frame(self) -> dict:
        return {"values": self.values}

    @classmethod
    def parse(cls, frame: dict) -> SnapshotDone:
        values = frame.get("values")
        if not isinstance(values, dict) or values.get("$") != "dict":
            raise ReplyError("a snapshot reply without values")
        return cls(values)
