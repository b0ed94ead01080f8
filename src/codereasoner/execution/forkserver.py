"""Execution stage, inside the sandbox: the fork server of one worker slot, and the one-shot task child.

Started by isolation.py as `python -s -S forkserver.py SOCK WORKDIR MEMORY_MB SECCOMP_JSON NS SITES_JSON
PACKAGES PRELOAD` in its own namespaces. It imports and hardens once (harden.py), then serves the parent
over a SOCK_SEQPACKET socket and never runs a task's code itself. A server started with PACKAGES=1 serves
only `packages=True` tasks: site-packages (read-only) is on its sys.path and in its Landlock layer. With
PRELOAD=0 (a slim server, for tasks whose code names no import) it preloads nothing beyond what running a
task needs: a smaller image, which every fork copies and every task process tears down.

    parent -> server  RUN(index, budget_s) + two fds by SCM_RIGHTS: the task pipe's read end and
                      the result pipe's write end (both pipes belong to this one task)
                      KILL(index): stop that task now (the parent's per-part deadline passed)
    server -> parent  REPORT(index, wait status, seconds, killed): the child is gone and reaped

For each RUN it forks a child, which closes every other fd, adds its own seccomp layer (no processes,
no signals, no new seccomp or Landlock layers: the task allowlist), reads its task from the task pipe,
runs it (runner.py), writes its answer frames straight to the parent on the result pipe and exits.
The server never sees a task's code or answer: nothing a task does can reach another task's result
except through the kernel, which the layers close. Deadlines start when the child is forked; the
server's own deadline (`budget_s`, the sum of the task's part timeouts plus grace) backs the parent's.
"""

from __future__ import annotations

import gc
import json
import marshal
import os
import _socket
import select
import signal
import struct
import sys
import time
import types
from collections import deque

CMD = struct.Struct("<BId")  # command, task index, budget seconds
REPORT = struct.Struct("<Iidb")  # task index, wait status, seconds, killed by the server's deadline
RUN, KILL = 1, 2
PACKAGES_PRELOAD = ("numpy", "pandas")  # what LiveCodeBench's prefix imports


def main(argv: list[str]) -> None:  # noqa: C901 - the server loop, kept together
    sock_fd, workdir, memory_mb, filters_path = int(argv[1]), argv[2], int(argv[3]), argv[4]
    namespaces, sites, packages = argv[5] == "1", [tuple(pair) for pair in json.loads(argv[6])], argv[7] == "1"
    preload = argv[8] == "1"
    here = os.path.dirname(os.path.abspath(__file__))
    seed = None
    if preload:
        register, os.register_at_fork = os.register_at_fork, _no_register
        try:  # no reseeding from urandom in every child (~45 copied pages): seeded once below
            import random
        finally:
            os.register_at_fork = register
        seed = random.seed
    sys.path.insert(0, here)
    import harden
    import kernel  # noqa: F401 - imported here so that it can be hidden below
    import runner as runner_mod
    import tracer
    import values

    while here in sys.path:
        sys.path.remove(here)
    for name in ("harden", "kernel", "runner", "tracer", "values"):
        del sys.modules[name]  # programs cannot import them; the server keeps its references
    for name in harden.SERVER_PRELOAD if preload else ():
        __import__(name)
    sys.dont_write_bytecode = True
    sys.modules["__main__"] = types.ModuleType("__main__")

    sock = _socket.socket(fileno=sock_fd)

    def preload_packages(site_paths: list[str]) -> None:  # once mounted, before limits: their memory is ours
        sys.path.extend(site_paths)
        for name in PACKAGES_PRELOAD:  # imported once here, not by every task (pandas alone takes seconds)
            try:
                __import__(name)
            except Exception:  # not installed, or broken: a task that imports it finds out itself
                pass

    applied, sandbox = harden.harden(workdir, memory_mb, filters_path, (sock_fd,), namespaces, "server", sites,
                                     packages, preload_packages if packages else None)
    runner, frames = runner_mod.Runner(tracer, values), runner_mod.FrameWriter()
    _warm(runner, frames)
    hello = {"ready": 1, "pid": os.getpid(), "applied": applied, "python": "%d.%d" % sys.version_info[:2]}
    sock.send(json.dumps(hello).encode())
    if seed is not None:
        seed(0)  # every task starts from this state: the server itself never draws from it
    gc.collect()
    gc.freeze()  # the children's collections never touch the server's objects: fewer copied pages

    pending: deque = deque()  # RUNs that arrived while a child ran (the parent keeps one queued per slot)
    poller = select.poll()  # the parent's socket, and while a child runs its pidfd
    poller.register(sock_fd, select.POLLIN)
    while True:
        if pending:
            message, fds = pending.popleft()
        else:
            message, fds = _receive(sock)
        if not message:
            os._exit(0)  # the parent is gone
        command, index, budget = CMD.unpack(message)
        if command != RUN or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue  # a KILL for a task that already ended
        task_fd, result_fd = fds
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(task_fd, result_fd, sandbox, runner, frames)
        os.close(task_fd)
        os.close(result_fd)
        killed = _wait(sock, poller, pid, index, start + budget, pending)
        _, status = os.waitpid(pid, 0)
        _clear(workdir)
        sock.send(REPORT.pack(index, status, time.monotonic() - start, killed))


# The server's own program, run once before it serves (never a task's code): CPython sets up some state
# lazily on first use — `compile()` builds ~100 AST classes, ~2.5 ms — and a child that did it for itself
# would pay for it on every task. Done here, the children inherit it ready.
WARM_CODE = "def f(x, *a, **k):\n    return [str(x), {x: (x, 1.5)}, x == 1, len(a), sorted(k)]\n"
WARM_LIMITS = {"timeout_s": 5.0, "max_steps": 1000, "max_repr": 200, "max_output_bytes": 1024,
               "max_result_bytes": 10_000, "max_trace_bytes": 10_000, "max_trace_cells": 1000}


FDS_SPACE = _socket.CMSG_LEN(2 * 4)  # a RUN carries two fds


def _receive(sock: _socket.socket) -> tuple[bytes, list[int]]:
    """One command and the fds it carries (socket.recv_fds, without importing `socket`: a smaller image)."""
    message, ancillary, _, _ = sock.recvmsg(64, FDS_SPACE)
    fds: list[int] = []
    for level, kind, data in ancillary:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds.extend(struct.unpack("%di" % (len(data) // 4), data[: len(data) // 4 * 4]))
    return message, fds


def _no_register(**_: object) -> None:
    """Stands in for os.register_at_fork while `random` is imported."""


def _warm(runner, frames) -> None:  # noqa: ANN001
    r, frames.fd = os.pipe()
    try:
        for trace in (False, True):
            frames.send(runner.program(WARM_CODE, "f(1, 2, k=3)", trace, WARM_LIMITS))
            os.read(r, 1 << 16)
        runner.calls(WARM_CODE, ["f('a')"], [], 5.0, WARM_LIMITS, frames.send)
        os.read(r, 1 << 16)
        marshal.loads(marshal.dumps({"kind": "program", "code": WARM_CODE, "limits": WARM_LIMITS}))
    finally:
        os.close(r)
        os.close(frames.fd)


def _wait(sock: _socket.socket, poller: select.poll, pid: int, index: int, deadline: float, pending: deque) -> bool:
    """Wait for the child to end; kill it at the deadline or when the parent says so (a RUN that comes
    meanwhile waits in `pending`). True if killed here."""
    pidfd = os.pidfd_open(pid)
    poller.register(pidfd, select.POLLIN)
    killed = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                return True
            for fd, _ in poller.poll(left * 1000):
                if fd == pidfd:
                    return killed
                message, fds = _receive(sock)
                if not message:  # the parent is gone: so is the task
                    os.kill(pid, signal.SIGKILL)
                    os._exit(0)
                command, which, _ = CMD.unpack(message)
                if command == RUN:
                    pending.append((message, fds))
                elif command == KILL and which == index:
                    os.kill(pid, signal.SIGKILL)
    finally:
        poller.unregister(pidfd)
        os.close(pidfd)


def _clear(workdir: str) -> None:
    """Empty the work dir the child may have written to, so the next task starts with nothing."""
    try:
        names = os.listdir(workdir)
    except OSError:
        return
    if names:
        import shutil

        for name in names:
            path = os.path.join(workdir, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass


def _child(task_fd: int, result_fd: int, sandbox, runner, frames) -> None:  # noqa: ANN001
    """The forked child: sandbox, read the task, run it, answer, exit. Never returns."""
    try:
        low, high = sorted((task_fd, result_fd))
        os.closerange(3, low)  # the server's socket, and the pipes of tasks queued behind this one
        os.closerange(low + 1, high)
        os.closerange(high + 1, 1 << 16)
        if not sandbox.apply():
            os._exit(3)  # no sandbox, no task: the parent reports the task as crashed
        chunks = []
        while True:
            chunk = os.read(task_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(task_fd)
        task = marshal.loads(chunks[0] if len(chunks) == 1 else b"".join(chunks))  # the parent wrote it
        frames.fd = result_fd
        lim = task["limits"]
        if task["kind"] == "program":
            frames.send(runner.program(task["code"], task["call"], task["trace"], lim))
        else:
            runner.calls(task["code"], task["calls"], task["stdins"], task["timeout_s"], lim, frames.send)
    except BaseException:
        pass
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
