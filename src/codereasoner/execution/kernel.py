"""Execution stage, inside the sandbox: the kernel layers — seccomp allowlists and Landlock rulesets.

Imported by path by harden.py (stdlib + ctypes only; never runs in the parent). Two tools:
- `allowlist(sc, role, writable)`: a seccomp filter that refuses (EPERM) every syscall not listed.
  Tasks (`role="task"`: a forked child, or a trusted worker) get what CPython needs to compute: memory,
  files (Landlock decides which), pipes, time, threads (never processes), a socketpair for asyncio;
  ioctl, prctl and prlimit64 only with harmless arguments. No process creation, exec, signals to
  anyone, SysV IPC, xattrs, chmod/chown, scheduler or namespace changes, seccomp or Landlock calls.
  The fork server (`role="server"`) also forks, reaps, kills its children, talks to the parent and
  sets up each child's layers; it never runs task code.
- `landlock(reads, writes, abi)`: a Landlock layer under which only `reads` can be read and only
  `writes` changed, TCP is refused, and signals and abstract unix sockets stay inside the domain.
"""

from __future__ import annotations

import ctypes
import errno
import os

TASK_SYSCALLS = (
    "read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 lseek close close_range "
    "fstat newfstatat statx lstat stat fstatfs statfs access faccessat faccessat2 readlink readlinkat getdents64 "
    "getdents getcwd open openat fsync fdatasync ftruncate flock fcntl dup dup2 dup3 pipe pipe2 copy_file_range "
    "sendfile splice tee mmap munmap mprotect mremap madvise brk mbind get_mempolicy membarrier mlock munlock "
    "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigtimedwait rt_sigsuspend sigaltstack "
    "setitimer getitimer alarm nanosleep clock_nanosleep clock_gettime clock_getres gettimeofday time times "
    "futex set_robust_list get_robust_list rseq set_tid_address sched_yield sched_getaffinity sched_getparam "
    "sched_getscheduler sched_get_priority_max sched_get_priority_min sched_getattr "
    "getpid gettid getppid getuid geteuid getgid getegid getgroups getresuid getresgid getpgrp getpgid getsid "
    "getrusage getrlimit getpriority uname sysinfo getrandom umask getcpu "
    "poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2 "
    "eventfd eventfd2 timerfd_create timerfd_settime timerfd_gettime "
    "getsockname getpeername getsockopt setsockopt shutdown sendto recvfrom sendmsg recvmsg exit exit_group arch_prctl"
).split()
# Creating and removing files: allowed only where Landlock confines them to the work dir.
FILE_CHANGES = "creat mkdir mkdirat rmdir unlink unlinkat rename renameat renameat2".split()
SERVER_SYSCALLS = ("fork vfork clone wait4 waitid kill pidfd_open seccomp landlock_create_ruleset landlock_add_rule "
                   "landlock_restrict_self").split()
IOCTLS = (0x5401, 0x5413, 0x541B, 0x5421, 0x5450, 0x5451)  # TCGETS TIOCGWINSZ FIONREAD FIONBIO FIONCLEX FIOCLEX
PRCTLS = (3, 15, 16, 21, 23, 39, 0x53564D41)  # GET_DUMPABLE SET/GET_NAME GET_SECCOMP CAPBSET_READ GET_NO_NEW_PRIVS SET_VMA
SERVER_PRCTLS = (22, 38)  # PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS: setting up a child's layers
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
CLONE_THREAD = 0x00010000
AF_UNIX = 1


def allowlist(sc, role: str, writable: bool):  # noqa: ANN001, ANN201 - sc is the pyseccomp module
    """A pyseccomp filter for `role` ("task" or "server"), default deny (EPERM); see the module docstring."""
    rules = sc.SyscallFilter(defaction=sc.ERRNO(errno.EPERM))
    allow = sc.ALLOW
    names = list(TASK_SYSCALLS)
    if role == "server":
        names += SERVER_SYSCALLS
    for name in names:
        if writable or name not in ("open", "openat"):
            _add(rules, allow, name)
    if writable:
        for name in FILE_CHANGES:
            _add(rules, allow, name)
    else:  # no Landlock to keep changes in the work dir: files open read-only, nothing is created or removed
        _add(rules, allow, "open", sc.Arg(1, sc.MASKED_EQ, WRITE_FLAGS, 0))
        _add(rules, allow, "openat", sc.Arg(2, sc.MASKED_EQ, WRITE_FLAGS, 0))
    if role != "server":
        _add(rules, allow, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, CLONE_THREAD))  # threads, not processes
    _add(rules, sc.ERRNO(errno.ENOSYS), "clone3")  # glibc then falls back to clone, whose flags seccomp can read
    _add(rules, allow, "socketpair", sc.Arg(0, sc.EQ, AF_UNIX))  # asyncio's self-pipe; no endpoint outside
    _add(rules, allow, "prlimit64", sc.Arg(2, sc.EQ, 0))  # read limits, never set them
    for request in IOCTLS:
        _add(rules, allow, "ioctl", sc.Arg(1, sc.EQ, request))
    for option in PRCTLS + (SERVER_PRCTLS if role == "server" else ()):
        _add(rules, allow, "prctl", sc.Arg(0, sc.EQ, option))
    return rules


def child_layer(sc):  # noqa: ANN001, ANN201
    """The layer a forked child adds over the server's allowlist: it takes back exactly what the server has
    beyond a task (processes, reaping, signals, seccomp and Landlock set-up), so the two together are the
    task allowlist. Small, so loading it per child is cheap."""
    rules = sc.SyscallFilter(defaction=sc.ALLOW)
    deny = sc.ERRNO(errno.EPERM)
    for name in SERVER_SYSCALLS:
        if name != "clone":
            _add(rules, deny, name)
    _add(rules, deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))  # threads yes, processes no
    for option in SERVER_PRCTLS:
        _add(rules, deny, "prctl", sc.Arg(0, sc.EQ, option))
    return rules


def _add(rules, action: int, name: str, *args) -> None:  # noqa: ANN001, ANN002
    try:
        rules.add_rule(action, name, *args)
    except Exception:  # a syscall this architecture does not have (e.g. `open` on arm64)
        pass


def export(rules) -> bytes:  # noqa: ANN001
    """The compiled BPF program of a pyseccomp filter, to load later with `load_bpf` (fast, no libseccomp)."""
    r, w = os.pipe()
    try:
        with os.fdopen(w, "wb", closefd=False) as f:
            rules.export_bpf(f)
        os.close(w)
        w = -1
        return os.read(r, 1 << 20)
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def bpf_loader(bpf: bytes):  # noqa: ANN201
    """A function installing a compiled seccomp filter, everything prepared now so that calling it in a
    freshly forked child costs one syscall (making a ctypes class there cost ~0.5 ms per task)."""
    prctl = ctypes.CDLL(None).prctl
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.addressof(buf))
    ref = ctypes.byref(prog)

    def load() -> bool:
        return prctl(22, 2, ref, 0, 0) == 0 and buf is not None  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER

    return load


def load_bpf(bpf: bytes) -> bool:
    """Install a compiled seccomp filter on this process; True when the kernel took it."""
    return bpf_loader(bpf)()


# Landlock (linux/landlock.h). Filesystem rights:
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = (1 << b for b in range(4, 13))
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ = READ_FILE | READ_DIR
WRITE = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM | TRUNCATE
_SYS_CREATE, _SYS_ADD, _SYS_RESTRICT = 444, 445, 446


def abi() -> int:
    """The kernel's Landlock ABI version (0: none)."""
    return max(0, ctypes.CDLL(None, use_errno=True).syscall(_SYS_CREATE, None, 0, 1))


def handled(version: int) -> int:
    """Every filesystem right this ABI knows: what a layer refuses unless a rule allows it."""
    rights = (1 << 13) - 1
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


def open_paths(paths: list[str]) -> list[int]:
    """O_PATH fds for the paths that exist (rules are added by fd, so they can be opened before a fork)."""
    fds = []
    for path in paths:
        try:
            fds.append(os.open(path, os.O_PATH | os.O_CLOEXEC))
        except OSError:
            pass
    return fds


def landlock(reads: list[int], writes: list[int], version: int) -> bool:
    """Restrict this process (and its future children) to reading `reads` and changing `writes` (O_PATH
    fds); TCP refused; signals and abstract unix sockets scoped to the domain. True when enforced."""
    if version < 1:
        return False
    syscall = ctypes.CDLL(None, use_errno=True).syscall
    fs = handled(version)
    net = 3 if version >= 4 else 0  # bind and connect TCP: no rule allows them
    scoped = 3 if version >= 6 else 0  # LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL
    attr = (ctypes.c_uint64 * 3)(fs, net, scoped)
    size = 24 if version >= 6 else 16 if version >= 4 else 8
    ruleset = syscall(_SYS_CREATE, attr, size, 0)
    if ruleset < 0:
        return False
    try:
        rule = ctypes.create_string_buffer(12)  # packed {u64 allowed_access; s32 parent_fd}
        for fds, rights in ((reads, READ), (writes, READ | WRITE)):
            for fd in fds:
                allowed = rights & fs
                if not _is_dir(fd):
                    allowed &= FILE_RIGHTS
                ctypes.memmove(rule, ctypes.byref(ctypes.c_uint64(allowed)), 8)
                ctypes.memmove(ctypes.addressof(rule) + 8, ctypes.byref(ctypes.c_int32(fd)), 4)
                if syscall(_SYS_ADD, ruleset, 1, rule, 0) != 0:
                    return False
        return syscall(_SYS_RESTRICT, ruleset, 0) == 0
    finally:
        os.close(ruleset)


def _is_dir(fd: int) -> bool:
    import stat

    try:
        return stat.S_ISDIR(os.fstat(fd).st_mode)
    except OSError:
        return False
