"""Execution stage, inside the worker: harden the worker process once, before any program runs.

Imported by worker.py (by path; it never runs in the parent). Applies, in order: a private empty cwd,
fds 0-2 on /dev/null and every other fd closed except the protocol pipes, rlimits (address space =
the worker's own size + memory_mb, no core files, 1 MiB files, 64 fds), no capabilities for root
(bounding set, ambient, effective/permitted/inheritable), not dumpable, and a seccomp filter (via the
pyseccomp ctypes binding to libseccomp) that refuses process creation, exec, sockets, file writes and
deletions, signals to other processes, namespace/mount/limit changes. isolation.py lists what that
guarantees; docs/engine.md has the attack-by-attack prototype this follows.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os


# Modules programs commonly use, loaded before hardening so their dicts are watched for poisoning (and so
# that importing them costs nothing per task). Anything else a task imports is dropped after the task.
PRELOAD = (
    "math cmath collections collections.abc itertools functools operator re string heapq bisect copy "
    "random json typing fractions decimal statistics textwrap unicodedata array enum dataclasses datetime "
    "calendar time struct hashlib base64 numbers abc contextlib io keyword reprlib pprint difflib "
    "string copyreg weakref"
).split()

WORKDIR_MB = 16  # the private tmpfs: room for a program's scratch files, not for filling memory


def harden(workdir: str, memory_mb: int, seccomp_py: str, keep: tuple[int, ...], namespaces: bool,
           role: str = "worker") -> tuple[list[str], bytes]:
    """Apply the process-wide limits; returns what was applied (and what failed, as 'FAILED …') and, for
    the fork server (`role="forkserver"`), the compiled seccomp layer each forked child loads."""
    import resource

    applied = []
    libc = ctypes.CDLL(None, use_errno=True)
    tmpfs = False
    if namespaces:  # our own mount namespace: a size-capped tmpfs that vanishes with the worker
        options = f"size={WORKDIR_MB}m,nr_inodes=1024,mode=0777".encode()
        tmpfs = libc.mount(b"tmpfs", workdir.encode(), b"tmpfs", 2 | 4 | 8, options) == 0  # nosuid nodev noexec
    os.chdir(workdir)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    close_except(keep)

    with open("/proc/self/status", encoding="ascii") as f:
        vm_kb = next(int(line.split()[1]) for line in f if line.startswith("VmSize:"))
    address_space = vm_kb * 1024 + memory_mb * (1 << 20)
    for limit, value in (
        (resource.RLIMIT_AS, address_space),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 1 << 20),
        (resource.RLIMIT_NOFILE, 64),
    ):
        resource.setrlimit(limit, (value, value))
    applied.append("rlimits")

    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: no ptrace, no /proc/<pid>/mem from anyone
    if os.geteuid() == 0:
        # Root ignores RLIMIT_NPROC and may raise hard limits, remount, kill anything: drop every
        # capability (bounding set, ambient, then effective/permitted/inheritable).
        for cap in range(64):
            libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP
        libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL

        class Header(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

        class Data(ctypes.Structure):
            _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

        header = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
        data = (Data * 2)()
        applied.append("caps-dropped" if libc.capset(ctypes.byref(header), data) == 0 else "FAILED capability drop")

    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: needed by Landlock and seccomp, and no way back
    try:  # loaded before Landlock: finding libseccomp runs ldconfig, which Landlock then forbids
        rules, add_rules, sc = seccomp(seccomp_py)
    except Exception as e:  # libseccomp missing: the parent reports weaker isolation
        rules, add_rules, sc = None, None, None
        applied.append(f"FAILED seccomp ({type(e).__name__}: {e})")
    # Files may be written only inside the private tmpfs, and only if Landlock can enforce that;
    # otherwise seccomp refuses every write.
    writable = tmpfs and landlock(libc, workdir)
    if writable:
        applied.append("landlock (writes only in a private tmpfs)")
    child_layer = b""
    if add_rules is not None:
        try:
            if role == "forkserver":
                child_layer = child_filter(sc)
            add_rules(writable, role)
            rules.load()
            applied.append("seccomp")
        except Exception as e:  # the kernel refused
            applied.append(f"FAILED seccomp ({type(e).__name__}: {e})")
    return applied, child_layer


def close_except(keep: tuple[int, ...]) -> None:
    """Close every fd above 2 except `keep`."""
    low = 3
    for fd in sorted(set(keep)):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 1 << 16)


def load_filter(bpf: bytes) -> bool:
    """Install a compiled seccomp filter (from `child_filter`) on this process; True when the kernel took it."""
    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = SockFprog(len(bpf) // 8, ctypes.addressof(buf))
    return ctypes.CDLL(None).prctl(22, 2, ctypes.byref(prog), 0, 0) == 0  # PR_SET_SECCOMP, MODE_FILTER


def child_filter(sc) -> bytes:  # noqa: ANN001 - the pyseccomp module
    """The layer a forked child adds on top of the fork server's: no processes, no signals, no new layers."""
    import errno

    deny = sc.ERRNO(errno.EPERM)
    rules = sc.SyscallFilter(defaction=sc.ALLOW)
    for name in ("fork vfork kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_open pidfd_send_signal "
                 "pidfd_getfd seccomp landlock_create_ruleset landlock_add_rule landlock_restrict_self wait4 waitid "
                 "recvmsg sendmsg").split():
        rules.add_rule(deny, name)
    rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, 0x00010000, 0))  # threads yes, processes no
    rules.add_rule(deny, "prctl", sc.Arg(0, sc.EQ, 22))  # PR_SET_SECCOMP
    r, w = os.pipe()
    try:
        with os.fdopen(w, "wb", closefd=False) as f:
            rules.export_bpf(f)
        os.close(w)
        w = -1
        return os.read(r, 1 << 16)
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def _load_pyseccomp(path: str):  # noqa: ANN202
    if not path:
        raise RuntimeError("pyseccomp not found")
    spec = importlib.util.spec_from_file_location("pyseccomp", path)
    sc = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(sc)  # type: ignore[union-attr]
    return sc


def landlock(libc: ctypes.CDLL, workdir: str) -> bool:
    """Landlock: every filesystem change refused except beneath `workdir`; signals only within the domain."""
    syscall = libc.syscall
    abi = syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        return False
    write = sum(1 << bit for bit in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make *
    write |= (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0)  # refer, truncate
    handled = write | 1  # and execute (refused everywhere; exec is refused by seccomp too)
    attr = (ctypes.c_uint64 * 3)(handled, 0, 2 if abi >= 6 else 0)  # fs, net, scoped: LANDLOCK_SCOPE_SIGNAL
    ruleset = syscall(444, attr, 24 if abi >= 6 else 8, 0)
    if ruleset < 0:
        return False
    try:
        beneath = ctypes.create_string_buffer(12)  # packed {u64 allowed_access; s32 parent_fd}
        fd = os.open(workdir, os.O_PATH | os.O_CLOEXEC)
        allowed = write & ~(1 << 6 | 1 << 9 | 1 << 10 | 1 << 11)  # no devices, sockets or fifos
        ctypes.memmove(beneath, ctypes.byref(ctypes.c_uint64(allowed)), 8)
        ctypes.memmove(ctypes.addressof(beneath) + 8, ctypes.byref(ctypes.c_int32(fd)), 4)
        ok = syscall(445, ruleset, 1, beneath, 0) == 0 and syscall(446, ruleset, 0) == 0
        os.close(fd)
        return ok
    finally:
        os.close(ruleset)


def seccomp(path: str):  # noqa: ANN201
    """A seccomp filter and `add_rules(writable)` filling it with kernel-enforced refusals (EPERM): no
    processes, programs, sockets, signals to others and, unless Landlock confines them to the work dir
    (`writable`), no file writes or deletions."""
    import errno

    sc = _load_pyseccomp(path)
    deny = sc.ERRNO(errno.EPERM)
    rules = sc.SyscallFilter(defaction=sc.ALLOW)

    def add_rules(writable: bool, role: str = "worker") -> None:
        refused = (
            "execve execveat ptrace process_vm_readv process_vm_writev "
            "socket socketpair mknod mknodat chmod fchmod fchmodat chown fchown lchown fchownat truncate ftruncate "
            "utime utimes utimensat futimesat mount umount2 pivot_root chroot chdir fchdir setns unshare setsid "
            "setpgid setuid setgid setreuid setregid setresuid setresgid setgroups setrlimit prlimit64 "
            "setpriority sched_setaffinity sched_setscheduler personality bpf perf_event_open userfaultfd "
            "keyctl add_key request_key memfd_create io_uring_setup init_module finit_module delete_module "
            "kexec_load reboot swapon swapoff acct quotactl syslog settimeofday clock_settime sethostname "
            "setdomainname name_to_handle_at open_by_handle_at fanotify_init inotify_init inotify_init1"
        ).split()
        if role != "forkserver":  # the fork server forks and reaps its children, and kills them at deadlines
            refused += "fork vfork kill tkill tgkill".split()
        if not writable:  # Landlock is not there to keep changes inside the work dir: refuse them all
            refused += "creat unlink unlinkat rename renameat renameat2 mkdir mkdirat rmdir link linkat symlink symlinkat".split()
        for name in refused:
            try:
                rules.add_rule(deny, name)
            except Exception:  # a syscall this architecture does not have
                pass
        for name in ("clone3", "openat2"):  # ENOSYS: glibc falls back to clone/openat, whose args we can read
            rules.add_rule(sc.ERRNO(errno.ENOSYS), name)
        if role != "forkserver":
            rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, 0x00010000, 0))  # a thread is fine, a process not
        for flag in () if writable else (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC):
            rules.add_rule(deny, "open", sc.Arg(1, sc.MASKED_EQ, flag, flag))
            rules.add_rule(deny, "openat", sc.Arg(2, sc.MASKED_EQ, flag, flag))

    return rules, add_rules, sc
