"""Which process a pidfd or a pid is: read from /proc, trusting nothing sent.

The grader signals a copy of a node only once it has proven, from these, that
the copy is that node's own child in the submission's sandbox (``client.trusted_copy``).
"""

from __future__ import annotations

import os
import signal


def pidfd_pid(fd: int) -> int | None:
    """The pid a pidfd refers to (``None`` when ``fd`` is not a pidfd or the process is gone)."""
    try:
        if os.readlink(f"/proc/self/fd/{fd}") != "anon_inode:[pidfd]":
            return None
        with open(f"/proc/self/fdinfo/{fd}") as info:
            for line in info:
                if line.startswith("Pid:"):
                    pid = int(line.split()[1])
                    return pid if pid > 0 else None
    except (OSError, ValueError, IndexError):
        return None
    return None


def status_ids(pid: int) -> tuple[int, int] | None:
    """(parent pid, real uid) of ``pid`` from /proc."""
    ppid = uid = None
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("PPid:"):
                    ppid = int(line.split()[1])
                elif line.startswith("Uid:"):
                    uid = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None if ppid is None or uid is None else (ppid, uid)


def pid_namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def alive(pidfd: int) -> bool:
    try:
        signal.pidfd_send_signal(pidfd, 0)
        return True
    except OSError:
        return False
