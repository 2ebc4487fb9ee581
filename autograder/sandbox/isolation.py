"""Linux namespaces and mounts that wall a node off from the host (as root).

The fork server puts every node in a PID namespace of its own (the node is its
init: when it dies, the kernel kills everything it started). The node itself
then calls :func:`enter_namespaces` and :func:`build_filesystem`:

* new mount, network and IPC namespaces: no network interface that is up, and
  SysV and POSIX IPC objects that die with the submission;
* every top-level folder that is not the operating system's (``/home``,
  ``/root``, ``/work``, ...) and every folder the grader names is covered with
  an empty tmpfs, so no course file, no other student's work and no results
  can be found;
* ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are fresh tmpfs mounts of bounded
  size and file count, private to the submission;
* ``/dev`` holds only ``null``, ``zero``, ``full``, ``random``, ``urandom``
  and that private ``shm``;
* ``/proc`` shows the submission's own processes only;
* what Python needs (its prefixes, the virtual environment) is bound back
  read-only, and then every mount but the three scratch folders is made
  read-only: the host's disk, ``/run`` and ``/var`` included.

Mounts are made with ``mount(2)`` through ctypes; the namespaces die with the
node's processes. Without ``CAP_SYS_ADMIN`` (the grader not root) nothing here
can run and the node says so.
"""

from __future__ import annotations

import ctypes
import os
import re
import stat
import sys
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_REMOUNT = 32
_MS_NOATIME = 1024
_MS_NODIRATIME = 2048
_MS_BIND = 4096
_MS_REC = 1 << 14
_MS_PRIVATE = 1 << 18
_MS_RELATIME = 1 << 21
#: statvfs flags that a read-only remount must keep (``ST_*`` -> ``MS_*``).
_KEPT_FLAGS = {os.ST_NOSUID: _MS_NOSUID, os.ST_NODEV: _MS_NODEV, os.ST_NOEXEC: _MS_NOEXEC,
               os.ST_NOATIME: _MS_NOATIME, os.ST_NODIRATIME: _MS_NODIRATIME, os.ST_RELATIME: _MS_RELATIME}

#: Top-level folders left visible: the operating system itself. Every other
#: one (``/home``, ``/root``, ``/work``, ``/srv``, ``/opt``, ``/mnt``, ...) is
#: covered, so no copy of the project, no other course and no other student's
#: files can be found anywhere on disk.
SYSTEM_FOLDERS = {"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin", "sys",
                  "usr", "var"}
#: The scratch folders a submission may write to (each a fresh tmpfs of its own).
SCRATCH = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))
#: The device nodes a submission gets: name -> (major, minor).
DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9)}


class IsolationError(OSError):
    """A namespace or mount step failed."""


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


def grader_folders() -> list[Path]:
    """The folders of the grader's own packages (``autograder``, ``solutions``),
    wherever they are installed: student code never sees them."""
    import importlib.util

    found = []
    for name in ("autograder", "solutions"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec is not None else []:
            found.append(Path(os.path.realpath(location)))
    return found


def is_grader_path(entry: Path, grader: list[Path]) -> bool:
    """Whether a ``sys.path`` entry is the grader's: inside one of its packages,
    or a folder holding them that is not a ``site-packages`` (a source checkout)."""
    return any(_inside(entry, g) or (_inside(g, entry) and entry.name not in ("site-packages", "dist-packages"))
               for g in grader)


def python_paths(grader: list[Path]) -> list[Path]:
    """What the interpreter needs to keep importing (its prefixes and sys.path),
    leaving out the grader's own folders: each both as the interpreter names it
    (a virtual environment reached through a symlink) and as it really is."""
    found = []
    for entry in [sys.base_prefix, sys.prefix, sys.exec_prefix, *sys.path]:
        if entry and os.path.isdir(entry):
            if not is_grader_path(Path(os.path.realpath(entry)), grader):
                # both: what was imported names the one, caches (matplotlib's fonts) the other
                found += [Path(os.path.abspath(entry)), Path(os.path.realpath(entry))]
    return _outermost(found)


def needs_own_cover(folder: str, keep: list[Path]) -> bool:
    """Whether hiding ``folder`` takes a mount of its own: it lies in a system
    folder or in one bound back for Python. (Anything else lies in a top-level
    folder that is covered whole, so its path need never reach the sandbox.)"""
    path = Path(os.path.realpath(folder))
    if len(path.parts) < 2:
        return False
    return path.parts[1] in SYSTEM_FOLDERS or any(_inside(path, k) for k in keep)


def _top_level_covers() -> set[Path]:
    found = set()
    for entry in os.scandir("/"):
        if entry.is_dir(follow_symlinks=False) and entry.name not in SYSTEM_FOLDERS:
            found.add(Path("/") / entry.name)
    return found


def _outermost(paths) -> list[Path]:
    ordered = sorted(set(paths), key=lambda p: len(p.parts))
    return [p for i, p in enumerate(ordered) if not any(_inside(p, o) for o in ordered[:i])]


def enter_namespaces() -> None:
    """New mount, network and IPC namespaces for the calling node (its PID
    namespace was made by the fork server). A new network namespace has only a
    loopback interface, and it is down: no network at all."""
    _check(_libc().unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC), "unshare(NEWNS | NEWNET | NEWIPC)")


def build_filesystem(covers: list[str], keep: list[Path], tmp_size_mb: int) -> None:
    """Build the node's view of the file system (see the module's docstring).
    Raises :class:`IsolationError` if any step fails, so a node never runs
    student code with half of it in place."""
    libc = _libc()
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE, None)
    wanted = {Path(os.path.realpath(c)) for c in covers if c and os.path.isdir(c)} | _top_level_covers()
    wanted |= {b for b in (_blocked_ancestor(k) for k in keep) if b is not None}
    wanted = {c for c in wanted if c.is_dir()} | set(SCRATCH[:2])
    # A cover inside a folder bound back for Python (the grader's package in
    # site-packages) goes on after that folder is back; the others before.
    inside = {c for c in wanted if any(_inside(c, k) for k in keep)}
    after, before = _outermost(inside), _outermost(wanted - inside)
    restore = [(k, os.open(k, os.O_RDONLY | os.O_DIRECTORY)) for k in keep if any(_inside(k, c) for c in before)]
    try:
        for cover in before:
            if cover in SCRATCH:
                _scratch(libc, cover, tmp_size_mb)
            else:
                _mount(libc, "tmpfs", str(cover), "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=755,size=1m")
        for path, fd in restore:
            os.makedirs(path, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{fd}", str(path), None, _MS_BIND | _MS_REC, None)
    finally:
        for _, fd in restore:
            os.close(fd)
    for cover in after:
        _mount(libc, "tmpfs", str(cover), "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=755,size=1m")
    _private_dev(libc, tmp_size_mb)
    _mount(libc, "proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None)
    _read_only_everywhere(libc)


def _scratch(libc, folder: Path, size_mb: int) -> None:
    _mount(libc, "tmpfs", str(folder), "tmpfs", _MS_NOSUID | _MS_NODEV,
           f"mode=1777,size={size_mb}m,nr_inodes=20000")


def _private_dev(libc, shm_mb: int) -> None:
    """``/dev`` with the five harmless devices and a private ``shm``, nothing else."""
    _mount(libc, "tmpfs", "/dev", "tmpfs", _MS_NOSUID | _MS_NOEXEC, "mode=755,size=64k,nr_inodes=64")
    for name, (major, minor) in DEVICES.items():
        os.mknod(f"/dev/{name}", 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        os.chmod(f"/dev/{name}", 0o666)
    os.mkdir("/dev/shm")
    _scratch(libc, Path("/dev/shm"), shm_mb)


def _mount_points() -> list[str]:
    """Every mount point of this mount namespace (``/proc/self/mountinfo``, octal escapes undone)."""
    points = []
    with open("/proc/self/mountinfo", "rb") as info:
        for line in info:
            field = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), line.split()[4])
            points.append(os.fsdecode(field))
    return points


def _read_only_everywhere(libc) -> None:
    """Remount every mount but the scratch folders read-only, keeping its other
    flags; then make sure the host's disk is read-only where it matters."""
    scratch = {str(s) for s in SCRATCH}
    for point in _mount_points():
        if point in scratch or not os.path.isdir(point) and not os.path.isfile(point):
            continue
        try:
            flags = os.statvfs(point).f_flag
        except OSError:
            continue  # hidden under a cover
        if flags & os.ST_RDONLY:
            continue
        kept = sum(ms for st, ms in _KEPT_FLAGS.items() if flags & st)
        try:
            _mount(libc, None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | kept, None)
        except IsolationError:
            if point in ("/", "/run", "/var", "/etc", "/usr", "/dev", "/proc"):
                raise
    for point in ("/", "/run", "/var", "/dev", "/etc", "/usr"):
        if os.path.isdir(point) and not os.statvfs(point).f_flag & os.ST_RDONLY:
            raise IsolationError(0, f"{point} is still writable")
