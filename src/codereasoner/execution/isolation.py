"""Execution stage, the parent side of isolation: start, describe and kill sandbox processes.

Every program may be hostile. Each sandbox process — a fork server (untrusted mode) or a persistent
worker (trusted mode) — is a fresh `python -s -S` (no site-packages, PYTHONHASHSEED fixed, a clean
environment) started in its own session inside new network, PID, mount, IPC and UTS namespaces
(`unshare`) when the machine allows it, with a private work dir, and hardens itself (harden.py,
kernel.py) before any task. Untrusted tasks each run in a child forked from a fork server that never
runs task code (a slim one, with fewer modules preloaded, for tasks that name no import: the same
hardening); the child adds its own seccomp layer, answers on its own pipe straight to the parent, and
dies after the task (forkserver.py). Tests: tests/execution/test_trust_boundary.py
(attacks on other tasks) and test_isolation.py (resource attacks, both modes).

Guarantees, untrusted mode (the default):
- No task reaches another task's result. Its process dies after the task; it answers on a pipe only the
  parent reads, so forged frames are attributed to it alone; the parent parses each frame with bounded
  nesting and size and treats anything malformed as that task's protocol break (`crashed`). It never
  holds another task's code, input or answer in memory (the fork server does not read tasks), and
  nothing it changes in its interpreter (builtins, `__defaults__`/`__code__`, gc callbacks, audit hooks,
  interval timers, the small-int cache, compile flags) outlives it. Verdicts are decided in the parent.
- Syscalls are an allowlist (seccomp, default deny): no processes (threads only), exec, signals to any
  process, sockets beyond an AF_UNIX pair, SysV IPC, xattrs, chmod/chown (incl. fchmodat2), scheduler
  changes (sched_setattr), mounts, namespaces, ptrace, keyrings, bpf, io_uring, rlimit raises; after
  set-up neither seccomp nor Landlock can be called again.
- Reads (Landlock): only the standard library, shared libraries, /dev/null, /dev/urandom, the work
  dir and, for a task with `packages=True` (served by fork servers of their own), a read-only view of
  site-packages (the original is hidden under an empty tmpfs). Benchmark data, the project's source,
  /etc, /proc (other processes' and its own) and other tasks' files are unreadable. Writes: only the
  work dir, a 16 MiB tmpfs emptied after every task. (Trusted workers may also read their /proc/self.)
- No network (empty network namespace, no TCP through Landlock, no inet sockets through seccomp); no
  signals leave the task (seccomp; Landlock signal scoping, also when the tmpfs could not be mounted;
  a PID namespace); no capabilities, no_new_privs, not dumpable.
- Bounded resources: RLIMIT_AS (memory_mb above the sandbox's own size), 1 MiB files, 64 fds; time per
  part of a task twice: the child's own limit counts the CPU time the part uses (so load on the machine
  does not change a verdict), and a parent deadline of twice that in wall time plus 1 s, starting when
  the part starts, kills the child (sleeps, C loops that never check signals); output, result, trace steps, trace bytes and trace cells (steps x locals) capped in
  the child and again in the parent, which streams results out instead of holding a whole run.
- No sandbox process outlives the Executor (PR_SET_PDEATHSIG, --kill-child); work dirs of a parent
  killed with -9 are swept at the next start-up; a dead sandbox is noticed before dispatch.

Trusted mode (the persistent pool) has the same kernel layers and resource bounds, fresh globals per task,
and after each task checks builtins, module and class dicts, import and warning state, threads and
the work dir, replacing the worker on any change. It does NOT guarantee, and must only run the
framework's own code:
- Integrity of later tasks in the same worker: a task shares the worker process with the code that
  reports the next tasks' results, so it can forge their frames on the protocol pipe, rewrite queued
  tasks in memory, or read them (they arrive in batches).
- Detection of state outside dicts: a stdlib function's `__defaults__`/`__kwdefaults__`/`__code__`, a
  module's `__class__`, methods of `random`'s generator or `sys.stdout`, `gc.callbacks`, SIGPROF interval
  timers, audit hooks, async-generator hooks, ctypes writes into interpreter memory (the small-int cache),
  an extra Landlock layer. A gc-callback time bomb, a native thread or a faulthandler watchdog may act
  during the next task before the check that would catch it.
- Values hashed by address (plain objects in a set) may iterate in a different order; `id()` differs.
Both modes: without namespaces (no `unshare`, not root) or without libseccomp/Landlock, isolation is
weaker and the Executor says so on stderr at start-up (`isolation_report()`): then site-packages stays
readable and files cannot be written at all. cgroups are not used (v1 only on this machine).
"""

from __future__ import annotations

import ctypes
import functools
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
# One BLAS/OpenMP thread: no thread pools to break across fork, and the same numbers everywhere.
WORKER_ENV = {"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
              "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


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
def seccomp_filters() -> str:
    """The seccomp filters every sandbox loads, compiled here once with libseccomp (pyseccomp) as JSON
    {name: BPF hex}: "task-w"/"task-r" and "server-w"/"server-r" (with or without a writable work dir)
    and "child" (the layer a fork server's child adds). Sandboxes load them with one prctl each and never
    import libseccomp, which keeps the fork servers small (fewer mappings to copy per fork). {"error": why}
    when libseccomp is missing."""
    try:
        import pyseccomp as sc

        from codereasoner.execution import kernel

        filters = {f"{role}-{'w' if writable else 'r'}": kernel.export(kernel.allowlist(sc, role, writable)).hex()
                   for role in ("task", "server") for writable in (True, False)}
        filters["child"] = kernel.export(kernel.child_layer(sc)).hex()
    except Exception as e:  # no pyseccomp or no libseccomp: the sandboxes report weaker isolation
        filters = {"error": f"{type(e).__name__}: {e}"}
    return json.dumps(filters)


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


def spawn(memory_mb: int, namespaces: bool, hash_seed: int = 0, role: str = "worker",
          packages: bool = False, preload: bool = True) -> WorkerProcess:
    """Start one worker (or, with `role="forkserver"`, a fork server, which with `packages` serves tasks
    that may read site-packages, and without `preload` is a slim one); the caller reads its handshake."""
    import socket

    base = tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-")  # work dir + site mount points
    workdir = os.path.join(base, "work")
    os.mkdir(workdir)
    filters = os.path.join(base, "seccomp.json")
    with open(filters, "w", encoding="ascii") as f:
        f.write(seccomp_filters())
    sites = []
    for i, site in enumerate(site_dirs()):
        os.mkdir(os.path.join(base, f"site{i}"))
        sites.append((site, os.path.join(base, f"site{i}")))
    if role == "forkserver":
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        fds = [child_end.detach()]
        ours = [parent_end.detach()]
        cmd = [sys.executable, "-s", "-S", str(FORKSERVER), str(fds[0]), workdir, str(memory_mb), filters,
               str(int(namespaces)), json.dumps(sites), str(int(packages)), str(int(preload))]
    else:
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        fds, ours = [to_worker_r, from_worker_w], [from_worker_r, to_worker_w]
        cmd = [sys.executable, "-s", "-S", str(WORKER), str(to_worker_r), str(from_worker_w), workdir,
               str(memory_mb), filters, str(int(namespaces)), json.dumps(sites)]
    if namespaces:
        cmd = [shutil.which("unshare") or "unshare", *NAMESPACES, *cmd]
    env = {**WORKER_ENV, "PYTHONHASHSEED": str(hash_seed)}
    if role == "forkserver" and not packages:  # symbols bound once in the server, not on first call in every
        env["LD_BIND_NOW"] = "1"  # child (each resolution copies a GOT page): ~4 % less CPU per task, measured
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=fds, env=env, cwd=workdir,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
    except BaseException:
        for fd in fds + ours:
            os.close(fd)
        shutil.rmtree(base, ignore_errors=True)
        raise
    for fd in fds:
        os.close(fd)
    for fd in ours:
        os.set_inheritable(fd, False)
    if role == "forkserver":
        return WorkerProcess(proc, ours[0], -1, base, memory_mb)
    os.set_blocking(ours[1], False)
    return WorkerProcess(proc, ours[0], ours[1], base, memory_mb)


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
