"""Processes a submission's code left running: ending them, and collecting them once ended."""

from __future__ import annotations

import os
import signal

#: Student code of a fork server runs as uids from here on, one per submission (when root).
STUDENT_UID_BASE = 100_000


def kill_all(spare: int | None = None) -> None:
    """No process the student's code started may live on past its cell (a fork
    bomb, a background job). A node that is the init of its own PID namespace,
    or runs as a uid of its own, reaches exactly those with ``kill(-1)`` (which
    never signals the caller); to leave the process ``spare`` running, it
    signals them one by one, as ``/proc`` lists them, until none is left."""
    if os.getpid() == 1 or os.getuid() >= STUDENT_UID_BASE:
        if spare is None or not _kill_all_but(spare):
            try:
                os.kill(-1, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    reap()


def _kill_all_but(spare: int, rounds: int = 5) -> bool:
    """SIGKILL every process this one may signal but itself and ``spare``; whether
    that worked (``/proc`` shows this PID namespace, and a round found none left)."""
    me = os.getpid()
    try:
        if os.readlink("/proc/self") != str(me):
            return False  # /proc is another PID namespace's: its numbers are not ours
        for _ in range(rounds):
            killed = False
            for entry in os.listdir("/proc"):
                if entry.isdigit() and int(entry) not in (me, spare):
                    try:
                        os.kill(int(entry), signal.SIGKILL)
                        killed = True
                    except (ProcessLookupError, PermissionError):
                        pass
            if not killed:
                return True
    except OSError:
        pass
    return False


def children() -> list[int]:
    """The processes this one started that have not ended (of every thread of it)."""
    found = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as handle:
                found.extend(int(p) for p in handle.read().split())
        except OSError:
            pass
    return found


def reap() -> None:
    """Collect every child that has ended (no zombie holds on to a process slot)."""
    try:
        while True:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return
    except ChildProcessError:
        return
