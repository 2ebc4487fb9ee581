"""Hide the grader's files (and the network) from student code with Linux namespaces.

Called in a freshly forked node, as root, before it drops to an unprivileged uid:

* every top-level folder that is not the operating system's (``/home``,
  ``/root``, ``/work``, ...), and the project, submissions and results folders
  wherever they are, are covered with empty tmpfs mounts;
* ``/tmp`` and ``/dev/shm`` become private, empty tmpfs mounts (size and
  file count bounded), so no two submissions share a scratch folder;
* a new network namespace leaves no usable network interface;
* what Python still needs (the interpreter's standard library, the virtual
  environment's site-packages) is bound back in read-only, also where it sat
  under a folder other users may not enter (such as ``/root``).

Mounts are made with the ``mount(2)`` system call through ctypes; the
namespace dies with the node's processes. Without ``CAP_SYS_ADMIN`` (the
grader not running as root) nothing is mounted and the caller is told so.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 1 << 14
_MS_PRIVATE = 1 << 18


class IsolationError(OSError):
    """A mount step failed."""


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise IsolationError(errno, f"{what}: {os.strerror(errno)}")


def _mount(libc, source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    encode = (lambda s: s.encode() if s is not None else None)
    _check(libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _blocked_ancestor(path: Path) -> Path | None:
    """The highest folder on the way to ``path`` that other users cannot enter."""
    for folder in reversed(path.parents):
        if folder != Path("/") and folder.is_dir() and not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def python_paths(hidden: list[str]) -> list[Path]:
    """What the interpreter needs to keep importing (its prefixes and sys.path),
    leaving out folders that are or contain a ``hidden`` one (the project root)."""
    hidden_paths = [Path(os.path.realpath(h)) for h in hidden if h]
    found = []
    for entry in [sys.base_prefix, sys.prefix, sys.exec_prefix, *sys.path]:
        if entry and os.path.isdir(entry):
            path = Path(os.path.realpath(entry))
            if not any(_inside(h, path) for h in hidden_paths):
                found.append(path)
    # keep only the outermost of nested paths
    found = sorted(set(found), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in found:
        if not any(_inside(path, k) for k in kept):
            kept.append(path)
    return kept


#: Top-level folders left visible: the operating system itself. Every other
#: one (``/home``, ``/root``, ``/work``, ``/srv``, ``/opt``, ``/mnt``, ...) is
#: covered, so no copy of the project, no other course and no other student's
#: files can be found anywhere on disk.
SYSTEM_FOLDERS = {"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin", "sys",
                  "usr", "var"}


def _everything_but_the_system() -> set[Path]:
    found = set()
    for entry in os.scandir("/"):
        if entry.is_dir(follow_symlinks=False) and entry.name not in SYSTEM_FOLDERS:
            found.add(Path("/") / entry.name)
    return found | {Path("/var/tmp")}


def isolate(hide: list[str], keep: list[Path], tmp_size_mb: int = 256) -> None:
    """Enter a private mount namespace hiding ``hide`` and keeping ``keep``
    reachable. Raises :class:`IsolationError` if the kernel refuses."""
    libc = _libc()
    # A new network namespace has only a loopback interface, and it is down: no network at all.
    _check(libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET), "unshare(CLONE_NEWNS | CLONE_NEWNET)")
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE, None)

    covers = {Path(os.path.realpath(h)) for h in hide if h and os.path.isdir(h)}
    covers |= {Path("/tmp"), Path("/dev/shm")} | _everything_but_the_system()
    covers |= {b for b in (_blocked_ancestor(k) for k in keep) if b is not None}
    covers = {c for c in covers if c.is_dir() and not any(_inside(c, k) for k in keep)}
    outermost = sorted(covers, key=lambda p: len(p.parts))
    covers = [c for i, c in enumerate(outermost) if not any(_inside(c, o) for o in outermost[:i])]

    restore = [(k, os.open(k, os.O_RDONLY | os.O_DIRECTORY)) for k in keep
               if any(_inside(k, c) for c in covers)]
    try:
        for cover in covers:
            public = cover in (Path("/tmp"), Path("/dev/shm"), Path("/var/tmp"))
            options = f"mode=1777,size={tmp_size_mb}m,nr_inodes=20000" if public else "mode=755,size=1m"
            _mount(libc, "tmpfs", str(cover), "tmpfs", _MS_NOSUID | _MS_NODEV, options)
        for path, fd in restore:
            os.makedirs(path, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{fd}", str(path), None, _MS_BIND | _MS_REC, None)
            _mount(libc, None, str(path), None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY, None)
        for cover in covers:
            if cover not in (Path("/tmp"), Path("/dev/shm"), Path("/var/tmp")):
                _mount(libc, None, str(cover), None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, None)
    finally:
        for _, fd in restore:
            os.close(fd)
