"""Execution stage, parent side of untrusted mode: one fork server per slot, one forked child per task.

`ForkPool.execute` takes encoded tasks and yields, as each ends, its answer frames and how its process
ended. For every task the parent makes two pipes of its own — the task pipe (it writes the task, the
child reads it) and the result pipe (the child writes answer frames, only the parent reads them) —
and hands the child's ends to the slot's fork server by SCM_RIGHTS with a RUN command (forkserver.py).
So a task's frames can only ever be attributed to that task, and the server, which never runs task code,
only reports exit statuses. Each part of a task (the program, or the code and then each call) has a
deadline that starts when the previous part answered; past it the parent tells the server to kill the
child. A frame that does not parse is a protocol break for that task alone: the child is killed and the
task is `crashed`; nothing else is touched. A server that died (never by a task: it runs none) is noticed
before dispatch or by its socket closing, and replaced.
"""

from __future__ import annotations

import math
import os
import selectors
import socket
import struct
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from codereasoner.execution import isolation
from codereasoner.execution.forkserver import CMD, KILL, PACKAGES, REPORT, RUN
from codereasoner.execution.frames import death, loads

GRACE_S = 1.0  # the parent's deadline = part timeout + this: room for the child's own alarm to answer first
HANDSHAKE_S = 20.0
KILL_WAIT_S = 5.0  # after a KILL, how long a server has to report the child reaped before it is replaced
SPAWN_RETRIES = 3


@dataclass
class Spec:
    """One task for the pool: its encoded body and, per part, the timeout."""

    body: bytes
    timeouts: list[float]
    max_bytes: int  # answer bytes the task may send in all
    packages: bool = False


@dataclass
class Ending:
    """How a task ended: its parsed frames and, if its process was stopped or died early, why."""

    frames: list
    stopped: tuple[str, str] | None = None  # (status, error)


@dataclass
class _Flight:
    index: int
    spec: Spec
    task_fd: int
    result_fd: int
    out: memoryview
    deadline: float
    inbuf: bytearray = field(default_factory=bytearray)
    frames: list = field(default_factory=list)
    received: int = 0
    stopped: tuple[str, str] | None = None
    killed_at: float = 0.0
    report: tuple[int, bool] | None = None  # (wait status, killed by the server's own deadline)


class _Slot:
    def __init__(self) -> None:
        self.server: isolation.WorkerProcess | None = None
        self.state = "down"  # down | starting | idle | busy | dead
        self.deadline = math.inf
        self.flight: _Flight | None = None
        self.failures = 0


class ForkPool:
    """Fork servers, one per slot; see the module docstring."""

    def __init__(self, workers: int, memory_mb: int, namespaces: bool, hash_seed: int, spawn) -> None:  # noqa: ANN001
        self.memory_mb, self.namespaces, self.hash_seed = memory_mb, namespaces, hash_seed
        self._spawn = spawn  # runs isolation.spawn on the Executor's long-lived spawner thread
        self.slots = [_Slot() for _ in range(workers)]
        self.selector = selectors.DefaultSelector()
        self.applied: list[str] = []
        self.python = ""
        self.spawned = 0

    # ------------------------------------------------------------------ servers
    def start(self) -> None:
        for slot in self.slots:
            if slot.state in ("down", "dead"):
                slot.failures = 0
                self._start(slot)
        self._loop(lambda: any(s.state == "starting" for s in self.slots), None, None)

    def _start(self, slot: _Slot) -> None:
        try:
            server = self._spawn(isolation.spawn, self.memory_mb, self.namespaces, self.hash_seed, "forkserver")
        except OSError as e:
            slot.failures += 1
            slot.state = "dead" if slot.failures >= SPAWN_RETRIES else "down"
            print(f"codereasoner: could not start a fork server: {e}", file=sys.stderr)
            return
        slot.server, slot.state, slot.deadline = server, "starting", time.monotonic() + HANDSHAKE_S
        self.spawned += 1
        self.selector.register(server.read_fd, selectors.EVENT_READ, ("server", slot))

    def _retire(self, slot: _Slot) -> None:
        if slot.flight is not None:
            self._close_flight(slot.flight)
        if slot.server is not None:
            self._unregister(slot.server.read_fd)
            slot.server.kill()
        slot.server, slot.state, slot.deadline = None, "down", math.inf

    def close(self) -> None:
        for slot in self.slots:
            self._retire(slot)
            slot.state = "dead"
        self.selector.close()

    def _unregister(self, fd: int) -> None:
        try:
            self.selector.unregister(fd)
        except (KeyError, ValueError):
            pass

    # ------------------------------------------------------------------ the loop
    def execute(self, specs: list[Spec]) -> Iterator[tuple[int, Ending]]:
        """Run every spec; yields (index, Ending) as each task ends, in completion order."""
        queue = deque(range(len(specs)))
        finished: deque[tuple[int, Ending]] = deque()
        left = len(specs)
        try:
            while left:
                self._loop(lambda: not finished, queue, (specs, finished))
                while finished:
                    left -= 1
                    yield finished.popleft()
        finally:
            for slot in self.slots:  # an interrupted call: stop what is still running
                if slot.state == "busy":
                    self._retire(slot)

    def _loop(self, more, queue: deque | None, job: tuple | None) -> None:  # noqa: ANN001, C901
        while more():
            now = time.monotonic()
            if queue is not None and job is not None:
                specs, finished = job
                for slot in self.slots:
                    if slot.state == "down":
                        self._start(slot)
                    if slot.state == "idle" and queue:
                        self._dispatch(slot, queue, specs)
                if all(s.state == "dead" for s in self.slots):
                    while queue:
                        finished.append((queue.popleft(), Ending([], ("crashed", "no sandbox process could be started"))))
                    return
            deadline = min((s.deadline for s in self.slots), default=math.inf)
            wait = 1.0 if deadline == math.inf else max(0.0, deadline - now)
            for key, events in self.selector.select(wait):
                kind, slot = key.data
                if kind == "server":
                    self._from_server(slot, job)
                elif slot.flight is not None and kind == "result" and key.fd == slot.flight.result_fd:
                    self._from_child(slot, job)
                elif slot.flight is not None and kind == "task" and key.fd == slot.flight.task_fd:
                    self._flush(slot.flight)
            now = time.monotonic()
            for slot in self.slots:
                if slot.deadline <= now:
                    self._expired(slot, job)

    def _dispatch(self, slot: _Slot, queue: deque, specs: list[Spec]) -> None:
        assert slot.server is not None
        if slot.server.proc.poll() is not None:  # died while idle: replace it, the task waits
            self._retire(slot)
            self._start(slot)
            return
        index = queue.popleft()
        spec = specs[index]
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        budget = sum(spec.timeouts) + GRACE_S * (len(spec.timeouts) + 1)
        flags = PACKAGES if spec.packages else 0
        try:
            _send(slot, CMD.pack(RUN, index, budget, flags), [task_r, result_w])
        except OSError:
            for fd in (task_r, task_w, result_r, result_w):
                os.close(fd)
            queue.appendleft(index)
            self._retire(slot)
            return
        finally:
            for fd in (task_r, result_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
        os.set_blocking(task_w, False)
        os.set_blocking(result_r, False)
        flight = _Flight(index, spec, task_w, result_r, memoryview(spec.body), time.monotonic() + spec.timeouts[0] + GRACE_S)
        slot.flight, slot.state, slot.deadline = flight, "busy", flight.deadline
        self.selector.register(result_r, selectors.EVENT_READ, ("result", slot))
        self._flush(flight, slot)

    def _flush(self, flight: _Flight, slot: _Slot | None = None) -> None:
        try:
            while flight.out:
                flight.out = flight.out[os.write(flight.task_fd, flight.out):]
        except BlockingIOError:
            if slot is not None:
                self.selector.register(flight.task_fd, selectors.EVENT_WRITE, ("task", slot))
            return
        except OSError:  # the child is gone before reading its task: its report says why
            flight.out = memoryview(b"")
        if slot is None:
            self._unregister(flight.task_fd)
        os.close(flight.task_fd)
        flight.task_fd = -1

    def _from_child(self, slot: _Slot, job: tuple | None) -> None:
        flight = slot.flight
        assert flight is not None
        try:
            data = os.read(flight.result_fd, 1 << 20)
        except OSError:
            data = b""
        if not data:
            self._end_result(flight)
            self._maybe_done(slot, job)
            return
        flight.inbuf += data
        flight.received += len(data)
        if flight.received > flight.spec.max_bytes:
            self._stop(slot, "output_exceeded", f"the answer is larger than {flight.spec.max_bytes} bytes")
            return
        parts = len(flight.spec.timeouts)
        while len(flight.inbuf) >= 4 and flight.stopped is None:
            size = struct.unpack(">I", flight.inbuf[:4])[0]
            if len(flight.inbuf) < 4 + size:
                return
            frame = loads(bytes(flight.inbuf[4 : 4 + size]))
            del flight.inbuf[: 4 + size]
            if frame is None or not isinstance(frame, dict) or len(flight.frames) >= parts:
                self._stop(slot, "crashed", "the task broke the protocol (a malformed answer frame)")
                return
            flight.frames.append(frame)
            done = len(flight.frames)
            # the next part starts now; after the last, the child only has to exit
            flight.deadline = time.monotonic() + (flight.spec.timeouts[done] if done < parts else 0) + GRACE_S
            slot.deadline = flight.deadline

    def _end_result(self, flight: _Flight) -> None:
        if flight.result_fd >= 0:
            self._unregister(flight.result_fd)
            os.close(flight.result_fd)
            flight.result_fd = -1

    def _stop(self, slot: _Slot, status: str, error: str) -> None:
        """Stop the slot's task with this outcome: ask the server to kill the child, stop reading it."""
        flight = slot.flight
        assert flight is not None and slot.server is not None
        if flight.stopped is None:
            flight.stopped = (status, error)
        self._end_result(flight)
        if not flight.killed_at:
            flight.killed_at = time.monotonic()
            try:
                _send(slot, CMD.pack(KILL, flight.index, 0.0, 0))
            except OSError:
                pass
        slot.deadline = flight.killed_at + KILL_WAIT_S

    def _expired(self, slot: _Slot, job: tuple | None) -> None:
        if slot.state == "starting":
            self._start_failed(slot)
        elif slot.state == "busy" and slot.flight is not None:
            flight = slot.flight
            if not flight.killed_at:
                part = min(len(flight.frames), len(flight.spec.timeouts) - 1)
                self._stop(slot, "timeout", f"ran longer than {flight.spec.timeouts[part]} s (killed)")
            else:  # the server did not report in time: replace it
                flight.report = (-1, False)
                self._finish(slot, job)
                self._retire(slot)
        else:
            slot.deadline = math.inf

    def _from_server(self, slot: _Slot, job: tuple | None) -> None:
        assert slot.server is not None
        try:
            message = os.read(slot.server.read_fd, 4096)
        except OSError:
            message = b""
        if not message:  # the server died (it runs no task code: an outside kill, or out of memory)
            if slot.state == "starting":
                self._start_failed(slot)
                return
            if slot.flight is not None:
                slot.flight.stopped = slot.flight.stopped or ("crashed", "the sandbox process died")
                slot.flight.report = (-1, False)
                self._finish(slot, job)
            self._retire(slot)
            return
        if slot.state == "starting":
            hello = loads(message)
            if not (isinstance(hello, dict) and hello.get("ready") == 1 and isinstance(hello.get("applied"), list)):
                self._start_failed(slot)
                return
            self.applied = slot.server.applied = [str(a) for a in hello["applied"]]
            self.python = str(hello.get("python", ""))
            slot.state, slot.deadline, slot.failures = "idle", math.inf, 0
            return
        if len(message) != REPORT.size or slot.flight is None:
            return
        index, status, _, killed = REPORT.unpack(message)
        if index == slot.flight.index:
            slot.flight.report = (status, bool(killed))
            self._maybe_done(slot, job)

    def _start_failed(self, slot: _Slot) -> None:
        self._retire(slot)
        slot.failures += 1
        if slot.failures >= SPAWN_RETRIES:
            slot.state = "dead"
        else:
            self._start(slot)

    def _maybe_done(self, slot: _Slot, job: tuple | None) -> None:
        flight = slot.flight
        if flight is not None and flight.report is not None and flight.result_fd < 0:
            self._finish(slot, job)
            slot.state, slot.deadline = "idle", math.inf

    def _finish(self, slot: _Slot, job: tuple | None) -> None:
        flight = slot.flight
        assert flight is not None and flight.report is not None
        self._close_flight(flight)
        slot.flight = None
        status, killed = flight.report
        stopped = flight.stopped
        if stopped is None and len(flight.frames) < len(flight.spec.timeouts):
            if killed:
                stopped = ("timeout", f"ran longer than its {sum(flight.spec.timeouts)} s in all (killed)")
            elif status >= 0 and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
                stopped = ("crashed", "the task's sandbox could not be set up")
            elif status >= 0 and os.WIFSIGNALED(status):
                stopped = ("crashed", death(-os.WTERMSIG(status)).replace("worker process", "task process"))
            else:
                stopped = ("crashed", "the task process exited before answering")
        if job is not None:
            job[1].append((flight.index, Ending(flight.frames, stopped)))

    def _close_flight(self, flight: _Flight) -> None:
        self._end_result(flight)
        if flight.task_fd >= 0:
            self._unregister(flight.task_fd)
            os.close(flight.task_fd)
            flight.task_fd = -1


def _send(slot: _Slot, message: bytes, fds: list[int] = ()) -> None:  # type: ignore[assignment]
    """Send one command to the slot's server (with fds by SCM_RIGHTS); the fd stays the WorkerProcess's."""
    assert slot.server is not None
    sock = socket.socket(fileno=slot.server.read_fd)
    try:
        socket.send_fds(sock, [message], list(fds))
    finally:
        sock.detach()
