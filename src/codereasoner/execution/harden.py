"""Execution stage, inside the sandbox: harden a worker or fork server once, before any task runs.

Imported by path by worker.py and forkserver.py (it never runs in the parent). In order:
- mounts (in the process's own mount namespace): a 16 MiB tmpfs as the work dir; site-packages bound
  read-only at a private path and the original hidden under an empty tmpfs, so that reading the
  standard library never reaches it;
- a private cwd, fds 0-2 on /dev/null, every other fd closed except the protocol's;
- rlimits (address space = own size + memory_mb, no core files, 1 MiB files, 64 fds), no
  capabilities, not dumpable, no_new_privs;
- Landlock (kernel.py): reads only the standard library, shared libraries, /dev/null, /dev/urandom,
  /proc/self and the work dir; writes only the work dir; no TCP; signals scoped to the domain;
- a seccomp allowlist (kernel.py), loaded last.
A fork server (`role="server"`) gets a seccomp layer that still lets it fork and reap children, no /proc
in its Landlock layer, and site-packages only in the flavour that serves `packages=True` tasks; it hands
back `ChildSandbox`, the small seccomp layer each forked child loads before reading its task, so that
after it the child has exactly the task allowlist and can call neither seccomp nor Landlock.
isolation.py says what this guarantees.
"""

from __future__ import annotations

import ctypes
import glob
import json
import os
import sys
from collections.abc import Sequence

import kernel  # imported by path: the caller put this directory on sys.path

# Modules programs commonly use, loaded by trusted workers before hardening so their dicts are watched for
# poisoning (and so that importing them costs nothing per task). Anything else a task imports is dropped.
PRELOAD = (
    "math cmath collections collections.abc itertools functools operator re string heapq bisect copy "
    "random json typing fractions decimal statistics textwrap unicodedata array enum dataclasses datetime "
    "calendar time struct hashlib base64 numbers abc contextlib io keyword reprlib pprint difflib "
    "string copyreg weakref"
).split()

# A fork server preloads less: fork costs grow with its heap (19 MB with PRELOAD, 11 MB with this: fork
# 0.7 -> 0.3 ms of system time here), and the heavy ones (hashlib, decimal, ...) are rare in tasks. typing
# stays: LiveCodeBench's prefix and much model-written code import it (8.5 -> 2.4 ms per such check).
SERVER_PRELOAD = ("math cmath collections collections.abc itertools functools operator re string heapq bisect "
                  "copy random json struct base64 numbers abc contextlib io keyword reprlib copyreg weakref "
                  "array enum time textwrap typing").split()

WORKDIR_MB = 16  # the private tmpfs: room for a program's scratch files, not for filling memory
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC = 1, 2, 4, 8, 32, 4096, 16384


class ChildSandbox:
    """What a forked child applies to itself: the compiled seccomp layer (kernel.child_layer)."""

    def __init__(self, bpf: bytes) -> None:
        self.load = kernel.bpf_loader(bpf) if bpf else None

    def apply(self) -> bool:
        """True when the child has the layer (or the server had no seccomp to begin with)."""
        return self.load is None or self.load()


def harden(workdir: str, memory_mb: int, filters_path: str, keep: tuple[int, ...], namespaces: bool,
           role: str = "task", sites: Sequence[tuple[str, str]] = (), packages: bool = False,
           after_mount=None) -> tuple[list[str], ChildSandbox | None]:  # noqa: ANN001
    """Apply everything above; returns what was applied (failures as 'FAILED …') and, for a fork server,
    the children's sandbox. `filters_path` is the JSON file of seccomp filters the parent compiled
    (isolation.seccomp_filters); `sites` pairs each site-packages dir with its private read-only mount
    point; `packages` makes those readable (a fork server for `packages=True` tasks); `after_mount(site_paths)`
    runs once they are mounted, before any limit (to import packages from where tasks will see them)."""
    libc = ctypes.CDLL(None, use_errno=True)
    applied: list[str] = []
    filters = _read_filters(filters_path)  # before Landlock: the file is outside what we may read after it
    if "error" in filters:
        applied.append(f"FAILED seccomp ({filters['error']})")
    tmpfs, site_paths = _mount(libc, workdir, sites, namespaces, applied)
    if after_mount is not None:
        after_mount(site_paths)
    os.chdir(workdir)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    close_except(keep)
    _limit(memory_mb)
    applied.append("rlimits")
    _drop_privileges(libc, applied)

    version = kernel.abi()
    work = kernel.open_paths([workdir]) if tmpfs else []  # writable only when it is our private tmpfs
    base = kernel.open_paths(_readable())
    site_fds = kernel.open_paths(site_paths if packages else [])
    proc = kernel.open_paths(["/proc/self"] if role == "task" else [])  # a server's children get no /proc
    locked = kernel.landlock(base + site_fds + proc + work, work, version)
    for fd in base + site_fds + proc + work:
        os.close(fd)
    writable = locked and bool(work)
    if locked:
        applied.append("landlock (reads: stdlib, shared libraries, " + ("/proc/self, " if proc else "")
                       + ("read-only site-packages, " if site_fds else "") + "work dir; writes: "
                       + ("a private tmpfs)" if writable else "none)"))
    else:
        applied.append("FAILED landlock")
        version = 0
    if not namespaces:
        applied.append("site-packages readable (no mount namespace to hide it)")

    child = b""
    if "error" not in filters:
        if kernel.load_bpf(filters[f"{role}-{'w' if writable else 'r'}"]):
            applied.append("seccomp")
            child = filters["child"] if role == "server" else b""
        else:
            applied.append("FAILED seccomp (the kernel refused the filter)")
    return applied, ChildSandbox(child) if role == "server" else None


def _mount(libc: ctypes.CDLL, workdir: str, sites: Sequence[tuple[str, str]], namespaces: bool,
           applied: list[str]) -> tuple[bool, list[str]]:
    """The work dir's tmpfs and the site-packages mounts; (tmpfs mounted, readable site paths)."""
    if not namespaces:
        return False, [site for site, _ in sites]
    options = f"size={WORKDIR_MB}m,nr_inodes=1024,mode=0777".encode()
    tmpfs = libc.mount(b"tmpfs", workdir.encode(), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options) == 0
    private = []
    for site, target in sites:
        bound = (libc.mount(site.encode(), target.encode(), None, MS_BIND | MS_REC, None) == 0
                 and libc.mount(None, target.encode(), None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, None) == 0)
        hidden = libc.mount(b"tmpfs", site.encode(), b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            b"size=4k,mode=0555") == 0
        if not hidden:
            applied.append(f"FAILED hiding {site}")
        if bound:
            private.append(target)
    return tmpfs, private


def _readable() -> list[str]:
    """What every task may read: the standard library, shared libraries, a few devices."""
    stdlib = os.path.dirname(os.__file__)
    libs = [p for pattern in ("/lib/*-linux-gnu", "/usr/lib/*-linux-gnu", "/lib64", "/usr/lib64")
            for p in glob.glob(pattern)]
    return [stdlib, *libs, os.path.join(sys.base_prefix, "lib", "libpython3.so"), "/etc/ld.so.cache",
            "/dev/null", "/dev/urandom", "/dev/zero"]


def _limit(memory_mb: int) -> None:
    import resource

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


def _drop_privileges(libc: ctypes.CDLL, applied: list[str]) -> None:
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


def close_except(keep: tuple[int, ...]) -> None:
    """Close every fd above 2 except `keep`."""
    low = 3
    for fd in sorted(set(keep)):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 1 << 16)


def _read_filters(path: str) -> dict:
    """{name: BPF bytes} from the parent's JSON of hex strings, or {"error": why}."""
    try:
        with open(path, encoding="ascii") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        return {"error": f"no seccomp filters ({type(e).__name__})"}
    if "error" in data:
        return {"error": str(data["error"])}
    return {name: bytes.fromhex(blob) for name, blob in data.items()}
