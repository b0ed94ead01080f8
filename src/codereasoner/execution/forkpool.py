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

import array
import math
import os
import select
import socket
import struct
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from codereasoner.execution import isolation
from codereasoner.execution.forkserver import CMD, KILL, REPORT, RUN
from codereasoner.execution.frames import death, loads

GRACE_S = 1.0  # the parent's deadline = WALL_FACTOR x part timeout + this: room for the child's own limit
WALL_FACTOR = 2  # the child's limit counts CPU time; waiting (sleep, a loaded machine) gets twice as long
HANDSHAKE_S = 20.0
KILL_WAIT_S = 5.0  # after a KILL, how long a server has to report the child reaped before it is replaced
SPAWN_RETRIES = 3
PIPELINE = 2  # tasks per server at once: the running one and the next, so the server never waits for us
PIPE_BYTES = 65_536  # what a new pipe holds (Linux): the most one read returns
SMALL_TASK = 4096  # a pipe holds at least one page: a task this small is written at once, never waiting


@dataclass
class Spec:
    """One task for the pool: its encoded body and, per part, the timeout."""

    body: bytes
    timeouts: list[float]
    max_bytes: int  # answer bytes the task may send in all


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
    started: bool = False  # the server has forked its child (the task before it was reported)


class _Slot:
    def __init__(self) -> None:
        self.server: isolation.WorkerProcess | None = None
        self.state = "down"  # down | starting | ready | dead
        self.start_deadline = math.inf
        self.flights: deque[_Flight] = deque()  # the running task first, then the one queued at the server
        self.failures = 0
        self.sock: socket.socket | None = None  # the server's socket, for sending commands

    @property
    def deadline(self) -> float:
        soonest = self.start_deadline
        for flight in self.flights:
            if flight.deadline < soonest:
                soonest = flight.deadline
        return soonest


class ForkPool:
    """Fork servers, one per slot; see the module docstring."""

    def __init__(self, workers: int, memory_mb: int, namespaces: bool, hash_seed: int, spawn,  # noqa: ANN001
                 packages: bool = False, preload: bool = True) -> None:
        self.memory_mb, self.namespaces, self.hash_seed, self.packages = memory_mb, namespaces, hash_seed, packages
        self.preload = preload  # False: slim fork servers (forkserver.py), for tasks that name no import
        self._spawn = spawn  # runs isolation.spawn on the Executor's long-lived spawner thread
        self.slots = [_Slot() for _ in range(workers)]
        self.poller = select.epoll()
        self.watched: dict[int, tuple] = {}  # fd -> (kind, slot, flight) for the poller
        self.stale: set[int] = set()  # fds unregistered while handling one batch of events: skip theirs
        self.applied: list[str] = []
        self.python = ""
        self.spawned = 0

    # ------------------------------------------------------------------ servers
    def start(self) -> None:
        for slot in self.slots:
            if slot.state in ("down", "dead"):
                slot.failures = 0
                self._start(slot)
        self._loop(lambda: any(s.state == "starting" for s in self.slots), None)

    def _start(self, slot: _Slot) -> None:
        try:
            server = self._spawn(isolation.spawn, self.memory_mb, self.namespaces, self.hash_seed, "forkserver",
                                 self.packages, self.preload)
        except OSError as e:
            slot.failures += 1
            slot.state = "dead" if slot.failures >= SPAWN_RETRIES else "down"
            print(f"codereasoner: could not start a fork server: {e}", file=sys.stderr)
            return
        slot.server, slot.state, slot.start_deadline = server, "starting", time.monotonic() + HANDSHAKE_S
        self.spawned += 1
        self._register(server.read_fd, select.EPOLLIN, ("server", slot, None))

    def _retire(self, slot: _Slot, job: tuple | None = None) -> None:
        """Kill the slot's server; its running task ends `crashed`, a task queued behind it goes back."""
        while slot.flights:
            flight = slot.flights.popleft()
            self._close_flight(flight)
            if job is not None and not flight.started:  # never forked: it runs later on another server
                job[2].appendleft(flight.index)
            elif job is not None:
                flight.report = flight.report or (-1, False)
                flight.stopped = flight.stopped or ("crashed", "the sandbox process died")
                self._finish(flight, job)
        if slot.server is not None:
            self._unregister(slot.server.read_fd)
            if slot.sock is not None:
                slot.sock.detach()  # the fd is the WorkerProcess's, closed by kill()
            slot.server.kill()
        slot.sock = None
        slot.server, slot.state, slot.start_deadline = None, "down", math.inf

    def close(self) -> None:
        for slot in self.slots:
            self._retire(slot)
            slot.state = "dead"
        self.poller.close()

    def _register(self, fd: int, events: int, data: tuple) -> None:
        self.poller.register(fd, events)
        self.watched[fd] = data

    def _unregister(self, fd: int) -> None:
        self.stale.add(fd)  # a later event of this batch is about the closed fd, not one reusing its number
        if self.watched.pop(fd, None) is not None:
            try:
                self.poller.unregister(fd)
            except (OSError, ValueError):
                pass

    # ------------------------------------------------------------------ the loop
    def execute(self, specs: list[Spec]) -> Iterator[tuple[int, Ending]]:
        """Run every spec; yields (index, Ending) as each task ends, in completion order."""
        queue = deque(range(len(specs)))
        finished: deque[tuple[int, Ending]] = deque()
        job = (specs, finished, queue)
        left = len(specs)
        try:
            while left:
                self._loop(lambda: not finished, job)
                while finished:
                    left -= 1
                    yield finished.popleft()
        finally:
            for slot in self.slots:  # an interrupted call: stop what is still running
                if slot.flights:
                    self._retire(slot)

    def _loop(self, more, job: tuple | None) -> None:  # noqa: ANN001, C901
        while more():
            now = time.monotonic()
            if job is not None:
                specs, finished, queue = job
                for slot in self.slots:
                    if slot.state == "down":
                        self._start(slot)
                    while slot.state == "ready" and queue and len(slot.flights) < PIPELINE:
                        self._dispatch(slot, job)
                if all(s.state == "dead" for s in self.slots):
                    while queue:
                        finished.append((queue.popleft(), Ending([], ("crashed", "no sandbox process could be started"))))
                    return
            deadlines = [s.deadline for s in self.slots]
            soonest = min(deadlines, default=math.inf)
            wait = 1.0 if soonest == math.inf else max(0.0, soonest - now)
            self.stale.clear()
            for fd, _ in self.poller.poll(wait):
                data = self.watched.get(fd)
                if data is None or fd in self.stale:  # closed by an event handled just before
                    continue
                kind, slot, flight = data
                if kind == "server":
                    self._from_server(slot, job)
                elif kind == "result" and fd == flight.result_fd:
                    self._from_child(slot, flight, job)
                elif kind == "task" and fd == flight.task_fd:
                    self._flush(slot, flight)
            now = time.monotonic()
            for slot in self.slots:
                if slot.deadline <= now:
                    self._expired(slot, job)

    def _dispatch(self, slot: _Slot, job: tuple) -> None:
        specs, _, queue = job
        assert slot.server is not None
        if slot.server.proc.poll() is not None:  # died (while idle, or in a way not yet read): replace it
            self._retire(slot, job)
            self._start(slot)
            return
        index = queue.popleft()
        spec = specs[index]
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        budget = WALL_FACTOR * sum(spec.timeouts) + GRACE_S * (len(spec.timeouts) + 1)
        try:
            _send(slot, CMD.pack(RUN, index, budget), [task_r, result_w])
        except OSError:
            for fd in (task_w, result_r):
                os.close(fd)
            queue.appendleft(index)
            self._retire(slot, job)
            return
        finally:
            os.close(task_r)
            os.close(result_w)
        # result_r stays blocking: it is read only when the poller says it is readable
        flight = _Flight(index, spec, task_w, result_r, memoryview(spec.body), math.inf)
        slot.flights.append(flight)
        if len(slot.flights) == 1:
            self._begin(flight)
        self._register(result_r, select.EPOLLIN, ("result", slot, flight))
        if len(spec.body) > SMALL_TASK:  # may be more than the pipe holds: written as the child reads
            os.set_blocking(task_w, False)
        self._flush(slot, flight, first=True)

    def _begin(self, flight: _Flight) -> None:
        """The server starts this task now (the one before it was reported): its deadline starts too."""
        flight.started = True
        part = min(len(flight.frames), len(flight.spec.timeouts) - 1)
        flight.deadline = time.monotonic() + WALL_FACTOR * flight.spec.timeouts[part] + GRACE_S

    def _flush(self, slot: _Slot, flight: _Flight, first: bool = False) -> None:
        try:
            while flight.out:
                flight.out = flight.out[os.write(flight.task_fd, flight.out):]
        except BlockingIOError:
            if first:
                self._register(flight.task_fd, select.EPOLLOUT, ("task", slot, flight))
            return
        except OSError:  # the child is gone before reading its task: its report says why
            flight.out = memoryview(b"")
        if not first:
            self._unregister(flight.task_fd)
        os.close(flight.task_fd)
        flight.task_fd = -1

    def _from_child(self, slot: _Slot, flight: _Flight, job: tuple | None) -> None:
        try:
            data = os.read(flight.result_fd, PIPE_BYTES)
        except OSError:
            data = b""
        if not data:
            self._end_result(flight)
            self._maybe_done(slot, job)
            return
        flight.inbuf += data
        flight.received += len(data)
        if flight.received > flight.spec.max_bytes:
            self._stop(slot, flight, "output_exceeded", f"the answer is larger than {flight.spec.max_bytes} bytes")
            return
        parts = len(flight.spec.timeouts)
        while len(flight.inbuf) >= 4 and flight.stopped is None:
            size = struct.unpack(">I", flight.inbuf[:4])[0]
            if len(flight.inbuf) < 4 + size:
                return
            frame = loads(bytes(flight.inbuf[4 : 4 + size]))
            del flight.inbuf[: 4 + size]
            if frame is None or not isinstance(frame, dict) or len(flight.frames) >= parts:
                self._stop(slot, flight, "crashed", "the task broke the protocol (a malformed answer frame)")
                return
            flight.frames.append(frame)
            done = len(flight.frames)
            # the next part starts now; after the last, the child only has to exit
            flight.deadline = time.monotonic() + WALL_FACTOR * (flight.spec.timeouts[done] if done < parts else 0) + GRACE_S

    def _end_result(self, flight: _Flight) -> None:
        if flight.result_fd >= 0:
            self._unregister(flight.result_fd)
            os.close(flight.result_fd)
            flight.result_fd = -1

    def _stop(self, slot: _Slot, flight: _Flight, status: str, error: str) -> None:
        """Stop a task with this outcome: ask the server to kill its child, stop reading it."""
        if flight.stopped is None:
            flight.stopped = (status, error)
        self._end_result(flight)
        if not flight.killed_at:
            flight.killed_at = time.monotonic()
            try:
                _send(slot, CMD.pack(KILL, flight.index, 0.0))
            except OSError:
                pass
        flight.deadline = flight.killed_at + KILL_WAIT_S

    def _expired(self, slot: _Slot, job: tuple | None) -> None:
        now = time.monotonic()
        if slot.state == "starting" and slot.start_deadline <= now:
            self._start_failed(slot)
            return
        for flight in list(slot.flights):
            if flight.deadline > now:
                continue
            if not flight.killed_at:
                part = min(len(flight.frames), len(flight.spec.timeouts) - 1)
                wall = WALL_FACTOR * flight.spec.timeouts[part]
                self._stop(slot, flight, "timeout", f"ran longer than {wall} s of wall time (killed)")
            else:  # the server did not report in time: replace it
                self._retire(slot, job)
                return

    def _from_server(self, slot: _Slot, job: tuple | None) -> None:
        assert slot.server is not None
        try:
            message = os.read(slot.server.read_fd, 4096)
        except OSError:
            message = b""
        if not message:  # the server died (it runs no task code: an outside kill, or out of memory)
            if slot.state == "starting":
                self._start_failed(slot)
            else:
                self._retire(slot, job)
            return
        if slot.state == "starting":
            hello = loads(message)
            if not (isinstance(hello, dict) and hello.get("ready") == 1 and isinstance(hello.get("applied"), list)):
                self._start_failed(slot)
                return
            self.applied = slot.server.applied = [str(a) for a in hello["applied"]]
            self.python = str(hello.get("python", ""))
            slot.state, slot.start_deadline, slot.failures = "ready", math.inf, 0
            return
        # The server runs and reports tasks in the order it got them, so a report is about the first flight
        # still without one. That need not be the first flight: one that was reported stays first until its
        # result pipe's end is read, and the next task may run and be reported before that happens.
        position = next((i for i, flight in enumerate(slot.flights) if flight.report is None), None)
        index = REPORT.unpack(message)[0] if len(message) == REPORT.size else -1
        if position is None or slot.flights[position].index != index:  # never from a working server
            print("codereasoner: a fork server reported a task it was not running; replacing it", file=sys.stderr)
            self._retire(slot, job)
            return
        _, status, _, killed = REPORT.unpack(message)
        slot.flights[position].report = (status, bool(killed))
        if position + 1 < len(slot.flights):
            self._begin(slot.flights[position + 1])
        self._maybe_done(slot, job)

    def _start_failed(self, slot: _Slot) -> None:
        self._retire(slot)
        slot.failures += 1
        if slot.failures >= SPAWN_RETRIES:
            slot.state = "dead"
        else:
            self._start(slot)

    def _maybe_done(self, slot: _Slot, job: tuple | None) -> None:
        while slot.flights and slot.flights[0].report is not None and slot.flights[0].result_fd < 0:
            self._finish(slot.flights.popleft(), job)

    def _finish(self, flight: _Flight, job: tuple | None) -> None:
        assert flight.report is not None
        self._close_flight(flight)
        status, killed = flight.report
        stopped = flight.stopped
        if stopped is None and len(flight.frames) < len(flight.spec.timeouts):
            if killed:
                stopped = ("timeout", f"ran longer than {WALL_FACTOR * sum(flight.spec.timeouts)} s in all (killed)")
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
    if slot.sock is None:
        slot.sock = socket.socket(fileno=slot.server.read_fd)
    if fds:
        slot.sock.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        slot.sock.send(message)
