"""Execution stage, the parent side of isolation: start, describe and kill hardened worker processes.

Every program may be hostile. Each worker is a fresh `python -s -S worker.py` (no site-packages,
PYTHONHASHSEED=0, a clean environment) started in its own session, inside new network, PID and mount
namespaces (`unshare --net --pid --mount --mount-proc --fork --kill-child`) when the machine allows it,
with a private empty work directory as cwd. The worker then hardens itself (worker.py `_harden`).

Guarantees (each tested by a hostile program in tests/execution/test_isolation.py):
- No network: the worker's namespace has only a downed loopback, and seccomp refuses `socket()`.
- No processes: fork/vfork/clone-without-CLONE_THREAD/execve are refused by seccomp (so `os.system`,
  `subprocess`, fork bombs and `setsid` escapes fail); should one exist anyway, it lives in the worker's
  PID namespace, which the kernel empties when the worker dies.
- Files change only in the worker's private work dir: with namespaces, cwd is a 16 MiB tmpfs mounted in
  the worker's own mount namespace (gone with the worker; a task that leaves files in it gets its worker
  replaced, so the next task starts empty) and Landlock refuses every filesystem change outside it;
  without Landlock or namespaces, seccomp refuses every write, creation, rename and deletion instead.
  chmod/chown/utime/truncate and device nodes are refused everywhere.
- No signals to other processes (kill/tkill/tgkill refused, Landlock signal scoping; the PID namespace
  hides the host's).
- Bounded resources: RLIMIT_AS (memory_mb above the worker's own size) turns memory bombs into
  MemoryError; time is bounded twice, by SIGALRM inside the worker and by a parent deadline (timeout
  + grace) that SIGKILLs the worker's whole process group, which then is replaced; output and result
  sizes are capped inside the worker and frame sizes again in the parent.
- No capabilities (root's are dropped) and no way back: setrlimit/prlimit, mount, setns, unshare,
  ptrace and setuid are refused; no_new_privs is set.
- Nothing leaks to the next task: fresh globals per task, freed (with a full GC, so finalizers run on
  the task's own clock) before its answer is sent; after each task the worker checks builtins, every
  loaded module's dict, the dicts of their classes and os.environ (CPython dict version tags),
  sys.modules, sys.path/meta_path/path_hooks, warnings filters, threads and interpreter settings,
  puts module-level caches (re._cache, copyreg tables, ...) back as they were, drops modules the task
  imported, and is replaced after any other change, a timeout, a memory error or a crash. The random
  module is reseeded (0) for each task that names it; decimal contexts are fresh (new contextvars).
- No worker process outlives the Executor: PR_SET_PDEATHSIG on the wrapper, --kill-child on the worker.

Does not guarantee:
- Integrity of the other tasks sent to the same worker against a program that deliberately attacks the
  worker's own protocol (it shares the process: it can read the request pipe and forge later answers in
  order). Such a program only gets what its own code could compute anyway, but where programs from
  different adversaries share one `run`, use `Executor(tasks_per_worker=1)`: a fresh process per task.
- Mutation of state that is not a dict of a module/class (a stdlib function's `__defaults__`, state in
  closures or C caches) is not detected; values hashed by address (plain objects in a set) may iterate
  in a different order; `id()` values differ. Reprs drop ` at 0x…` addresses so they stay comparable.
- Without namespaces (no `unshare`, not root) or without libseccomp, isolation is weaker; the Executor
  says so on stderr at start-up (`isolation_report()`). cgroups are not used (v1 only on this machine).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

WORKER = Path(__file__).with_name("worker.py")
FORKSERVER = Path(__file__).with_name("forkserver.py")
NAMESPACES = ["--net", "--pid", "--mount", "--mount-proc", "--ipc", "--uts", "--fork", "--kill-child"]
WORKDIR_PREFIX = "codereasoner-work-"
# A clean environment: nothing from the caller's (PYTHONPATH, PYTHONSTARTUP, ...) reaches a worker.
WORKER_ENV = {"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}


@dataclass
class WorkerProcess:
    """One started worker: its process (the `unshare` wrapper, or python itself), pipes and work dir."""

    proc: subprocess.Popen
    read_fd: int  # parent reads answers here (for a fork server: its socket, for reading and writing)
    write_fd: int  # parent writes tasks here (-1 for a fork server)
    workdir: str
    memory_mb: int
    applied: list[str] = field(default_factory=list)  # what the worker's handshake said it applied

    def kill(self) -> None:
        """SIGKILL the whole process group (the namespace dies with its PID 1), reap, delete the work dir."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self.read_fd, self.write_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.read_fd = self.write_fd = -1
        shutil.rmtree(self.workdir, ignore_errors=True)


@functools.cache
def namespaces_available() -> bool:
    """Whether `unshare` can give a process new network, PID and mount namespaces here (needs root/CAP_SYS_ADMIN)."""
    unshare = shutil.which("unshare")
    if not unshare:
        return False
    try:
        done = subprocess.run([unshare, *NAMESPACES, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@functools.cache
def seccomp_binding() -> str:
    """Path of the pyseccomp module file when it and libseccomp are present, else ""."""
    spec = importlib.util.find_spec("pyseccomp")
    if spec is None or not spec.origin or not ctypes.util.find_library("seccomp"):
        return ""
    return spec.origin


def _die_with_parent() -> None:  # runs in the child between fork and exec
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def site_dirs() -> list[str]:
    """The site-packages directories a task with `packages=True` may read (and import from)."""
    import sysconfig

    paths = sysconfig.get_paths()
    return list(dict.fromkeys(p for p in (paths["purelib"], paths["platlib"]) if os.path.isdir(p)))


def sweep_orphans() -> int:
    """Delete the work dirs of processes that died without cleaning up (kill -9); returns how many."""
    swept = 0
    base = Path(tempfile.gettempdir())
    for path in base.glob(WORKDIR_PREFIX + "*"):
        pid = path.name[len(WORKDIR_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # its owner still runs
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        swept += 1
    return swept


def spawn(memory_mb: int, namespaces: bool, hash_seed: int = 0, role: str = "worker") -> WorkerProcess:
    """Start one worker (or, with `role="forkserver"`, a fork server); the caller reads its handshake."""
    import socket

    workdir = tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-")
    if role == "forkserver":
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        fds = [child_end.detach()]
        ours = [parent_end.detach()]
        cmd = [sys.executable, "-s", "-S", str(FORKSERVER), str(fds[0]), workdir, str(memory_mb), seccomp_binding(),
               str(int(namespaces)), json.dumps(site_dirs())]
    else:
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        fds, ours = [to_worker_r, from_worker_w], [from_worker_r, to_worker_w]
        cmd = [sys.executable, "-s", "-S", str(WORKER), str(to_worker_r), str(from_worker_w), workdir,
               str(memory_mb), seccomp_binding(), str(int(namespaces))]
    if namespaces:
        cmd = [shutil.which("unshare") or "unshare", *NAMESPACES, *cmd]
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=fds, env={**WORKER_ENV, "PYTHONHASHSEED": str(hash_seed)}, cwd=workdir,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
    except BaseException:
        for fd in fds + ours:
            os.close(fd)
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    for fd in fds:
        os.close(fd)
    for fd in ours:
        os.set_inheritable(fd, False)
    if role == "forkserver":
        return WorkerProcess(proc, ours[0], -1, workdir, memory_mb)
    os.set_blocking(ours[1], False)
    return WorkerProcess(proc, ours[0], ours[1], workdir, memory_mb)


_ANNOUNCED: set[str] = set()


def announce(line: str) -> None:
    """Print an isolation line on stderr once per process."""
    if line not in _ANNOUNCED:
        _ANNOUNCED.add(line)
        from tqdm import tqdm

        tqdm.write(line, file=sys.stderr)  # on its own line, above any progress bar that is showing


def describe(applied: list[str], namespaces: bool, mode: str = "untrusted") -> str:
    """One line for stderr: what isolation the workers of this mode really have."""
    layers = ["netns+pidns+mountns+ipcns+utsns" if namespaces else "NO namespaces"]
    layers += ["seccomp" if "seccomp" in applied else "NO seccomp"]
    layers += [a for a in applied if a.startswith(("landlock", "rlimits", "caps-dropped"))]
    weak = not namespaces or "seccomp" not in applied
    per_task = ("a fresh forked process per task" if mode == "untrusted"
                else "persistent workers, fresh globals and checks per task")
    line = f"codereasoner: isolation ({mode}) = " + ", ".join(layers) + ", " + per_task
    if weak:
        problems = [a for a in applied if a.startswith("FAILED")]
        line += " — WARNING: weaker isolation than intended" + (f" ({'; '.join(problems)})" if problems else "")
    return line
