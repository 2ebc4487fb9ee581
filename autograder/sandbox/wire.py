"""Length-prefixed JSON frames over a Unix socket, optionally carrying file
descriptors. Both sides of the sandbox use these two functions."""

from __future__ import annotations

import socket
import time

from autograder import codec

_HEADER = 8


class ChannelClosed(EOFError):
    """The other end closed the socket (or died) before a whole frame arrived."""


def send(sock: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    frame = codec.dumps_frame(message)
    if fds:
        sent = socket.send_fds(sock, [frame[:_HEADER]], list(fds))
        if sent != _HEADER:
            raise ChannelClosed("short write of a frame header")
        sock.sendall(frame[_HEADER:])
    else:
        sock.sendall(frame)


def recv(
    sock: socket.socket, *, with_fds: bool = False, deadline: float | None = None
) -> tuple[dict, list[int]]:
    """Read one frame. Raises :class:`ChannelClosed` on EOF, ``TimeoutError``
    when ``deadline`` (a ``time.monotonic()`` value) passes first, and
    :class:`codec.CodecError` on garbage."""
    fds: list[int] = []
    header = b""
    if with_fds:
        _wait(sock, deadline)
        header, fds, _flags, _addr = socket.recv_fds(sock, _HEADER, 4)
        if not header:
            raise ChannelClosed("the process closed its channel")
    header += _read_exact(sock, _HEADER - len(header), deadline)
    body = _read_exact(sock, codec.frame_length(header), deadline)
    return codec.loads_frame_body(body), list(fds)


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
