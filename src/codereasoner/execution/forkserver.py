"""Execution stage, inside the sandbox: the fork server of one worker slot, and the one-shot task child.

Started by isolation.py as `python -s -S forkserver.py SOCK WORKDIR MEMORY_MB SECCOMP_PY NS SITE_JSON`
in its own namespaces. It imports and hardens once (harden.py), then serves the parent over a
SOCK_SEQPACKET socket and never runs a task's code itself:

    parent -> server  RUN(index, budget_s, flags) + two fds by SCM_RIGHTS: the task pipe's read end and
                      the result pipe's write end (both pipes belong to this one task)
                      KILL(index): stop that task now (the parent's per-part deadline passed)
    server -> parent  REPORT(index, wait status, seconds, killed): the child is gone and reaped

For each RUN it forks a child, which closes every other fd, adds its own sandbox layers (Landlock,
a seccomp layer that refuses processes, signals and new layers), reads its task from the task pipe,
runs it (runner.py), writes its answer frames straight to the parent on the result pipe and exits.
The server never sees a task's code or answer: nothing a task does can reach another task's result
except through the kernel, which the layers close. Deadlines start when the child is forked; the
server's own deadline (`budget_s`, the sum of the task's part timeouts plus grace) backs the parent's.
"""

from __future__ import annotations

import gc
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time
import types

CMD = struct.Struct("<BIdI")  # command, task index, budget seconds, flags
REPORT = struct.Struct("<Iidb")  # task index, wait status, seconds, killed by the server's deadline
RUN, KILL = 1, 2
PACKAGES = 1  # flag: the task may import site-packages (read-only)


def main(argv: list[str]) -> None:  # noqa: C901 - the server loop, kept together
    sock_fd, workdir, memory_mb, seccomp_py = int(argv[1]), argv[2], int(argv[3]), argv[4]
    namespaces, site_dirs = argv[5] == "1", json.loads(argv[6])
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import harden
    import runner as runner_mod
    import tracer
    import values

    while here in sys.path:
        sys.path.remove(here)
    for name in ("harden", "runner", "tracer", "values"):
        del sys.modules[name]  # programs cannot import them; the server keeps its references
    for name in harden.PRELOAD:
        __import__(name)
    sys.dont_write_bytecode = True
    sys.modules["__main__"] = types.ModuleType("__main__")

    applied, child_layer = harden.harden(workdir, memory_mb, seccomp_py, (sock_fd,), namespaces, role="forkserver")
    sock = socket.socket(fileno=sock_fd)
    runner = runner_mod.Runner(tracer, values)
    hello = {"ready": 1, "pid": os.getpid(), "applied": applied, "python": "%d.%d" % sys.version_info[:2]}
    sock.send(json.dumps(hello).encode())
    gc.collect()
    gc.freeze()  # the children's collections never touch the server's objects: fewer copied pages

    while True:
        message, fds, _, _ = socket.recv_fds(sock, 64, 2)
        if not message:
            os._exit(0)  # the parent is gone
        command, index, budget, flags = CMD.unpack(message)
        if command != RUN or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue  # a KILL for a task that already ended
        task_fd, result_fd = fds
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(task_fd, result_fd, flags, child_layer, runner, harden, runner_mod.frame_writer, site_dirs)
        os.close(task_fd)
        os.close(result_fd)
        killed = _wait(sock, pid, index, start + budget)
        _, status = os.waitpid(pid, 0)
        _clear(workdir)
        sock.send(REPORT.pack(index, status, time.monotonic() - start, killed))


def _wait(sock: socket.socket, pid: int, index: int, deadline: float) -> bool:
    """Wait for the child to end; kill it at the deadline or when the parent says so. True if killed here."""
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    poller.register(sock.fileno(), select.POLLIN)
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
                message = sock.recv(64)
                if not message:  # the parent is gone: so is the task
                    os.kill(pid, signal.SIGKILL)
                    os._exit(0)
                command, which, _, _ = CMD.unpack(message)
                if command == KILL and which == index:
                    os.kill(pid, signal.SIGKILL)
    finally:
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


def _child(task_fd: int, result_fd: int, flags: int, child_layer: bytes, runner, harden, writer,  # noqa: ANN001
           site_dirs: list[str]) -> None:
    """The forked child: sandbox, read the task, run it, answer, exit. Never returns."""
    try:
        harden.close_except((task_fd, result_fd))
        if child_layer and not harden.load_filter(child_layer):
            os._exit(3)  # no sandbox, no task: the parent reports the task as crashed
        if flags & PACKAGES:
            sys.path.extend(site_dirs)
        random.seed(0)  # the random module reseeds from urandom after a fork; every task starts the same
        chunks = []
        while True:
            chunk = os.read(task_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(task_fd)
        task = json.loads(b"".join(chunks))
        send = writer(result_fd)
        lim = task["limits"]
        if task["kind"] == "program":
            send(runner.program(task["code"], task["call"], task["trace"], lim))
        else:
            runner.calls(task["code"], task["calls"], task["stdins"], task["timeout_s"], lim, send)
    except BaseException:
        pass
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
