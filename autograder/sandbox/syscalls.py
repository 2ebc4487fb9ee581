"""Kernel features student code has no use for, taken away with seccomp.

:func:`deny_kernel_features` sets ``no_new_privs`` and loads a seccomp filter
(built with libseccomp, through the ``pyseccomp`` binding) in the node, before
any student code runs. It is inherited by every process the node forks and
cannot be lifted. Both work without root, so they hold for every grader.

Denied (``EPERM``): new namespaces of any kind (``unshare``, ``setns``, and
``clone`` with a ``CLONE_NEW*`` flag; ``clone3`` answers ``ENOSYS``, so the C
library falls back to ``clone``, whose flags the filter can read), mounting,
tracing other processes, the kernel keyring, BPF, perf events, kernel modules,
rebooting, changing the execution domain and the rest of the calls below. Syscalls of another architecture
(32-bit x86 on a 64-bit kernel) kill the process.
"""

from __future__ import annotations

import ctypes
import errno

#: The calls no exercise needs and an attacker would want.
DENIED = (
    # namespaces and mounts (FUSE included)
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "mount_setattr", "move_mount",
    "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
    # other processes' memory, and file handles that bypass paths
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "name_to_handle_at", "open_by_handle_at",
    # the kernel's keyring, BPF, perf, io_uring, userfaultfd
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "userfaultfd", "fanotify_init",
    # modules, rebooting, the clock, swap, accounting, quotas, hostnames, I/O ports
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "swapon", "swapoff", "acct", "quotactl",
    "sethostname", "setdomainname", "iopl", "ioperm", "syslog", "vhangup", "lookup_dcookie",
)
#: ``clone`` flags that make a new namespace.
NEW_NAMESPACE_FLAGS = (0x00000080, 0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                       0x40000000)
_PR_SET_NO_NEW_PRIVS = 38


def set_no_new_privs() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0


def deny_kernel_features() -> list[str]:
    """Set ``no_new_privs`` and load the filter. Returns what took effect
    (``nnp``, ``seccomp``): libseccomp may be missing on the machine."""
    done = ["nnp"] if set_no_new_privs() else []
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError, RuntimeError):  # the binding, or libseccomp itself, is missing
        return done
    try:
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for name in DENIED:
            try:
                rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
            except (OSError, ValueError, RuntimeError):
                pass  # a call this kernel or libseccomp does not know: nobody can make it either
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
        # personality(0xffffffff) only reads the execution domain; setting one is denied
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "personality", seccomp.Arg(0, seccomp.NE, 0xFFFFFFFF))
        for flag in NEW_NAMESPACE_FLAGS:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        rules.load()
    except (OSError, ValueError, RuntimeError):
        return done
    return done + ["seccomp"]
