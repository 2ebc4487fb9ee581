"""The wire protocol on its own: a node's replies are data, bounded and checked
field by field before the grader reads them (no subprocess, no sandbox)."""

import os
import socket
import struct
import subprocess
import time

import pytest

from autograder.sandbox import client, wire
from autograder.sandbox.limits import Limits


def _pair():
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


def _raw(sock, body: bytes, length: int | None = None) -> None:
    sock.sendall(struct.pack(">Q", len(body) if length is None else length) + body)


def test_a_reply_larger_than_its_bound_is_refused_from_its_header():
    ours, theirs = _pair()
    with ours, theirs:
        _raw(theirs, b"", length=60 * 1024 * 1024)  # the header claims 60 MB; nothing follows
        with pytest.raises(wire.ReplyTooLarge) as refused:
            wire.recv(ours, limit=1024, deadline=time.monotonic() + 5)
        assert refused.value.size == 60 * 1024 * 1024 and refused.value.limit == 1024


def test_a_budget_is_charged_for_every_reply_and_refuses_once_spent():
    budget = wire.Budget(per_reply=1000, total=1500)
    ours, theirs = _pair()
    with ours, theirs:
        body = b'{"a": "' + b"x" * 800 + b'"}'
        _raw(theirs, body)
        wire.recv(ours, limit=budget, deadline=time.monotonic() + 5)
        assert budget.remaining == 1500 - len(body)
        _raw(theirs, body)  # 809 bytes, but only 691 are left
        with pytest.raises(wire.ReplyTooLarge):
            wire.recv(ours, limit=budget, deadline=time.monotonic() + 5)


def test_a_reply_that_would_build_countless_objects_is_refused_before_parsing():
    ours, theirs = _pair()
    with ours, theirs:
        _raw(theirs, b'{"v": [' + b"[]," * wire.MAX_CONTAINERS + b"[]]}")
        with pytest.raises(wire.ReplyError, match="lists and objects"):
            wire.recv(ours, limit=1 << 24, deadline=time.monotonic() + 5)


def test_descriptors_that_come_with_a_refused_reply_are_closed():
    ours, theirs = _pair()
    extra = os.open(os.devnull, os.O_RDONLY)
    with ours, theirs:
        frame = struct.pack(">Q", 1 << 30)
        socket.send_fds(theirs, [frame], [extra])
        before = len(os.listdir("/proc/self/fd"))
        with pytest.raises(wire.ReplyTooLarge):
            wire.recv(ours, limit=1024, with_fds=True, deadline=time.monotonic() + 5)
        assert len(os.listdir("/proc/self/fd")) == before
    os.close(extra)


@pytest.mark.parametrize("frame, error", [
    ({"ok": "yes", "error": None, "stdout": "", "patched": []}, "'ok' is not a bool"),
    ({"ok": True, "error": None, "stdout": "x" * (wire.STDOUT_LIMIT + 101), "patched": []}, "'stdout' is longer"),
    ({"ok": False, "error": {"$": "error", "type": 5, "message": "", "traceback": ""}, "stdout": "", "patched": []},
     "'type' is not a str"),
    ({"ok": False, "error": "NameError", "stdout": "", "patched": []}, "not an error"),
    ({"ok": True, "error": None, "stdout": "", "patched": ["Tensor.return torch.mean((yhat - y) ** 2)"]},
     "not a guarded name"),
    ({"ok": True, "error": None, "stdout": "", "patched": ["torch.mean"] * 51}, "'patched' is longer"),
])
def test_every_field_of_a_cell_reply_is_checked(frame, error):
    with pytest.raises(wire.ReplyError, match=error):
        wire.CellDone.parse(frame)


def test_a_probe_reply_is_ok_or_an_error_never_both():
    error = {"$": "error", "type": "ValueError", "message": "m", "traceback": ""}
    with pytest.raises(wire.ReplyError):
        wire.ProbeDone.parse({"ok": True, "value": 1, "error": error, "stdout": "", "patched": []})
    with pytest.raises(wire.ReplyError):
        wire.ProbeDone.parse({"ok": False, "value": 1, "error": None, "stdout": "", "patched": []})
    done = wire.ProbeDone.parse({"ok": False, "value": None, "error": error, "stdout": "", "patched": []})
    assert done.error.type_name == "ValueError"


def test_a_hello_names_only_known_protections():
    with pytest.raises(wire.ReplyError):
        wire.Hello.parse({"isolation": "namespace", "features": ["root"], "failed": ""})
    with pytest.raises(wire.ReplyError):
        wire.Hello.parse({"isolation": "total", "features": [], "failed": ""})
    assert wire.Hello.parse(wire.Hello("uid", ("uid", "seccomp")).to_frame()).features == ("uid", "seccomp")


def test_every_reply_round_trips_through_its_frame():
    for reply in (wire.Ready(), wire.Spawned(100_001, 42), wire.Cleaned(3, 0), wire.Forked(),
                  wire.CellDone(True, None, "hi", ("torch.mean",)), wire.SnapshotDone({"$": "dict", "items": []}),
                  wire.ProbeDone(True, [1, 2], None, "", ())):
        assert type(reply).parse(reply.to_frame()) == reply


# ---------------------------------------------------------- pidfds a node sends


class _FakeNode:
    """What ``trusted_copy`` reads of the node that sent a pidfd."""

    def __init__(self, pid: int):
        self.pid = pid
        self.uid = os.getuid()
        self.pid_namespace = os.readlink(f"/proc/{pid}/ns/pid")


def test_a_pidfd_of_a_process_that_is_not_the_nodes_child_is_never_trusted():
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        fd = os.pidfd_open(stranger.pid)
        assert client.trusted_copy([fd], _FakeNode(os.getpid())) == fd  # it is this process's child
        os.close(fd)
        node = _FakeNode(os.getpid())
        node.pid = 1  # but not the child of the node it claims to come from
        fd = os.pidfd_open(stranger.pid)
        assert client.trusted_copy([fd], node) is None
        assert stranger.poll() is None
        other_uid = _FakeNode(os.getpid())
        other_uid.uid += 1
        assert client.trusted_copy([os.pidfd_open(stranger.pid)], other_uid) is None
    finally:
        stranger.kill()
        stranger.wait()


def test_something_that_is_not_a_pidfd_is_never_trusted():
    read, write = os.pipe()
    os.close(write)
    assert client.trusted_copy([read], _FakeNode(os.getpid())) is None
    assert client.trusted_copy([], _FakeNode(os.getpid())) is None
    with pytest.raises(OSError):
        os.fstat(read)  # it was closed


def test_limits_travel_whole_to_the_fork_server():
    limits = Limits(timeout=3.5, reply_kb=10, replies_mb=2)
    assert Limits.from_message(wire.configure(limits, [])["limits"]) == limits
