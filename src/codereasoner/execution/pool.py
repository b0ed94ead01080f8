"""Execution stage, trusted mode: a persistent pool of hardened workers that runs `Program`s into `Run`s.

Only for trusted code (limits.py `Trust`): a worker runs many tasks, so a hostile task could reach
the tasks after it (isolation.py). Reads `records.Program`, yields `records.Run`s (with `Trace` when
asked) as they are ready, in input order. One call
drives every worker from the calling thread with a selector loop: batches of tasks go out as one
message, answers come back one frame per task, each task has a deadline (timeout + grace) after which
the worker's process group is killed and a fresh worker takes the rest of its batch. A worker that
crashes, times out, runs out of memory or reports contamination is replaced; nothing here raises
because of a program. Why a persistent pool and not a process per task: docs/engine.md (fork alone
caps at a few hundred per second; the pool runs thousands).
"""

from __future__ import annotations

import json
import math
import os
import selectors
import struct
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict

from codereasoner.execution import isolation
from codereasoner.execution.frames import death, loads, to_run
from codereasoner.execution.limits import ExecLimits
from codereasoner.records import Program, Run, RunStatus

GRACE_S = 1.0  # parent deadline = timeout + this: room for the in-worker alarm to answer first
HANDSHAKE_S = 20.0  # a worker start takes ~50 ms (docs/engine.md); generous for a loaded 2-core machine
MAX_CHUNK = 64  # tasks per message: 50 per message was 1.6x one per message (docs/engine.md)
SPAWN_RETRIES = 3


class _Slot:
    """One seat in the pool and the worker sitting in it."""

    def __init__(self) -> None:
        self.worker: isolation.WorkerProcess | None = None
        self.state = "down"  # down | starting | idle | busy | dead
        self.inbuf = bytearray()
        self.outbuf = memoryview(b"")
        self.pending: deque[int] = deque()
        self.deadline = math.inf
        self.tasks_done = 0
        self.failures = 0


class PersistentPool:
    """Persistent hardened workers for trusted code; see the module docstring. The Executor owns it.

    `tasks_per_worker=1` gives every task a fresh process; `spawn` runs a function on the Executor's
    long-lived spawner thread (PR_SET_PDEATHSIG fires when the *thread* that started a child exits).
    """

    def __init__(self, workers: int, memory_mb: int, namespaces: bool, hash_seed: int, spawn,  # noqa: ANN001
                 tasks_per_worker: int | None = None) -> None:
        self.hash_seed = hash_seed
        self.tasks_per_worker = tasks_per_worker
        self.namespaces = namespaces
        self.python = ""
        self.report = ""
        self._spawn = spawn
        self._selector = selectors.DefaultSelector()
        self._slots = [_Slot() for _ in range(workers)]
        self._memory_mb = memory_mb
        self.spawned = 0  # workers started so far: a replaced worker shows up here
        self._start_all()

    def stream(self, programs: list[Program], trace: bool, limits: ExecLimits) -> Iterator[tuple[int, Run]]:
        """Run the programs; yields (index, Run) as each is ready, in completion order."""
        if limits.memory_mb != self._memory_mb:
            self._memory_mb = limits.memory_mb
            for slot in self._slots:
                self._retire(slot)
            self._start_all()
        yield from self._run(programs, trace, limits)

    def close(self) -> None:
        _shutdown(self._slots, self._selector)

    # ---------------------------------------------------------------- workers
    def _start_all(self) -> None:
        """Start every seat and wait for the handshakes; fall back to no namespaces if they fail."""
        for slot in self._slots:
            if slot.state in ("down", "dead"):
                slot.failures = 0
                self._start(slot)
        self._drive(lambda: any(s.state == "starting" for s in self._slots), None)
        if self.namespaces and all(s.state == "dead" for s in self._slots):
            self.namespaces = False  # e.g. not root in a container: weaker, and said so below
            for slot in self._slots:
                slot.state, slot.failures = "down", 0
                self._start(slot)
            self._drive(lambda: any(s.state == "starting" for s in self._slots), None)
        if all(s.state == "dead" for s in self._slots):
            raise RuntimeError("codereasoner: could not start any execution worker")

    def _start(self, slot: _Slot) -> None:
        try:
            worker = self._spawn(isolation.spawn, self._memory_mb, self.namespaces, self.hash_seed)
        except OSError as e:
            slot.failures += 1
            slot.state = "dead" if slot.failures >= SPAWN_RETRIES else "down"
            print(f"codereasoner: could not start a worker: {e}", file=sys.stderr)
            return
        slot.worker, slot.state = worker, "starting"
        self.spawned += 1
        slot.inbuf, slot.outbuf, slot.tasks_done = bytearray(), memoryview(b""), 0
        slot.deadline = time.monotonic() + HANDSHAKE_S
        self._selector.register(worker.read_fd, selectors.EVENT_READ, slot)

    def _retire(self, slot: _Slot) -> None:
        if slot.worker is not None:
            for fd in (slot.worker.read_fd, slot.worker.write_fd):
                try:
                    self._selector.unregister(fd)
                except (KeyError, ValueError):
                    pass
            slot.worker.kill()
        slot.worker, slot.state, slot.deadline = None, "down", math.inf

    def _handshake(self, slot: _Slot, frame: object) -> None:
        if not (isinstance(frame, dict) and frame.get("ready") == 1 and isinstance(frame.get("applied"), list)):
            self._start_failed(slot)
            return
        assert slot.worker is not None
        slot.worker.applied = [str(a) for a in frame["applied"]]
        slot.state, slot.deadline, slot.failures = "idle", math.inf, 0
        self.python = str(frame.get("python", ""))
        self.report = isolation.describe(slot.worker.applied, self.namespaces, "trusted")
        isolation.announce(self.report)

    def _start_failed(self, slot: _Slot) -> None:
        self._retire(slot)
        slot.failures += 1
        if slot.failures >= SPAWN_RETRIES:
            slot.state = "dead"
        else:
            self._start(slot)

    # ---------------------------------------------------------------- the loop
    def _run(self, programs: list[Program], trace: bool, limits: ExecLimits) -> Iterator[tuple[int, Run]]:
        n = len(programs)
        results: list[Run | None] = [None] * n
        workers = len(self._slots)
        # ~4 messages per worker balance the load; small batches go as one message per worker, since a
        # message round trip costs about as much as a small task.
        chunk = max(1, min(MAX_CHUNK, max(math.ceil(n / (workers * 4)), min(16, math.ceil(n / workers)))))
        if self.tasks_per_worker:
            chunk = min(chunk, self.tasks_per_worker)
        queue: deque[list[int]] = deque(list(range(i, min(n, i + chunk))) for i in range(0, n, chunk))
        job = _Job(programs, results, queue, trace, limits)
        try:
            for slot in self._slots:
                if slot.state in ("down", "dead") and not any(s.state in ("idle", "busy", "starting") for s in self._slots):
                    slot.failures = 0
                if slot.state == "down":
                    self._start(slot)
            while job.remaining > 0 or job.ready:
                self._drive(lambda: job.remaining > 0 and not job.ready, job)
                while job.ready:
                    index = job.ready.popleft()
                    yield index, results[index]  # type: ignore[misc]
                    results[index] = None  # the caller has it now
        finally:  # e.g. KeyboardInterrupt, or the caller stopped: busy workers hold this job's tasks
            for slot in self._slots:
                if slot.state == "busy":
                    slot.pending.clear()
                    self._retire(slot)

    def _drive(self, more, job: _Job | None) -> None:  # noqa: ANN001, C901
        """Select over the workers until `more()` is false."""
        while more():
            now = time.monotonic()
            if job is not None:
                self._assign(job, now)
                if not any(s.state in ("starting", "busy", "idle") for s in self._slots):
                    job.fail_all("crashed", "no execution worker could be started")
                    return
            deadline = min((s.deadline for s in self._slots), default=math.inf)
            wait = 1.0 if deadline == math.inf else max(0.0, deadline - now)
            for key, events in self._selector.select(wait):
                slot = key.data
                if events & selectors.EVENT_WRITE:
                    self._flush(slot)
                if events & selectors.EVENT_READ and slot.worker is not None and key.fd == slot.worker.read_fd:
                    self._receive(slot, job)
            now = time.monotonic()
            for slot in self._slots:
                if slot.deadline <= now:
                    if slot.state == "starting":
                        self._start_failed(slot)
                    elif slot.state == "busy" and job is not None:
                        self._lost(slot, job, "timeout", f"ran longer than {job.limits.timeout_s} s (killed)")

    def _assign(self, job: _Job, now: float) -> None:
        for slot in self._slots:
            if slot.state == "down":
                self._start(slot)
            if slot.state != "idle" or not job.queue:
                continue
            if slot.worker is not None and slot.worker.proc.poll() is not None:  # died while idle: the task waits
                self._retire(slot)
                self._start(slot)
                continue
            indices = job.queue.popleft()
            tasks = [[i, job.programs[i].code, job.programs[i].call] for i in indices]
            limits = asdict(job.limits)
            del limits["memory_mb"]
            body = json.dumps({"limits": limits, "trace": job.trace, "tasks": tasks}).encode()
            slot.outbuf = memoryview(struct.pack(">I", len(body)) + body)
            slot.pending = deque(indices)
            slot.state = "busy"
            slot.deadline = now + job.limits.timeout_s + GRACE_S
            self._flush(slot)

    def _flush(self, slot: _Slot) -> None:
        worker = slot.worker
        if worker is None:
            return
        try:
            while slot.outbuf:
                slot.outbuf = slot.outbuf[os.write(worker.write_fd, slot.outbuf):]
        except BlockingIOError:
            pass
        except OSError:  # the worker is gone: its read end reports EOF next
            slot.outbuf = memoryview(b"")
        try:
            events = selectors.EVENT_WRITE if slot.outbuf else 0
            if events:
                self._selector.register(worker.write_fd, events, slot)
            else:
                self._selector.unregister(worker.write_fd)
        except (KeyError, ValueError):
            pass

    def _receive(self, slot: _Slot, job: _Job | None) -> None:
        assert slot.worker is not None
        try:
            data = os.read(slot.worker.read_fd, 1 << 20)
        except OSError:
            data = b""
        if not data:
            if slot.state == "starting" or job is None:
                self._start_failed(slot)
            else:
                try:
                    code = slot.worker.proc.wait(timeout=0.5)
                except Exception:  # still alive after closing its pipe: killed below
                    code = None
                self._lost(slot, job, "crashed", death(code))
            return
        slot.inbuf += data
        limit = job.frame_limit if job is not None else 1 << 20
        while len(slot.inbuf) >= 4 and slot.worker is not None:
            size = struct.unpack(">I", slot.inbuf[:4])[0]
            if size > limit:
                self._lost(slot, job, "output_exceeded", f"the answer frame is larger than {limit} bytes")
                return
            if len(slot.inbuf) < 4 + size:
                return
            body = bytes(slot.inbuf[4 : 4 + size])
            del slot.inbuf[: 4 + size]
            frame = loads(body)
            if slot.state == "starting":
                self._handshake(slot, frame)
            elif slot.state == "busy" and job is not None:
                self._answer(slot, job, frame)
            else:  # a frame nobody asked for: the worker is not trustworthy any more
                self._retire(slot)

    def _answer(self, slot: _Slot, job: _Job, frame: object) -> None:
        index = slot.pending[0]
        run = None
        if isinstance(frame, dict) and frame.get("i") == index:
            run = to_run(job.programs[index].id, frame, job.trace, job.limits, self.python)
        if run is None:
            self._lost(slot, job, "crashed", "the worker broke the protocol")
            return
        job.done(index, run)
        slot.pending.popleft()
        slot.tasks_done += 1
        slot.deadline = time.monotonic() + job.limits.timeout_s + GRACE_S
        recycle = isinstance(frame, dict) and frame.get("x") == 1
        worn_out = self.tasks_per_worker is not None and slot.tasks_done >= self.tasks_per_worker
        if recycle or (worn_out and not slot.pending):
            if slot.pending:
                job.queue.appendleft(list(slot.pending))
            slot.pending.clear()
            self._retire(slot)
            self._start(slot)
        elif not slot.pending:
            slot.state, slot.deadline = "idle", math.inf

    def _lost(self, slot: _Slot, job: _Job | None, status: str, error: str) -> None:
        """The worker failed its current task: record that, give the rest of its batch to a fresh worker."""
        if job is not None and slot.pending:
            index = slot.pending.popleft()
            job.done(index, Run(job.programs[index].id, RunStatus(status), error=error))
            if slot.pending:
                job.queue.appendleft(list(slot.pending))
        slot.pending.clear()
        self._retire(slot)
        self._start(slot)


class _Job:
    """The state of one `run` call."""

    def __init__(self, programs, results, queue, trace, limits) -> None:  # noqa: ANN001
        self.programs, self.results, self.queue = programs, results, queue
        self.trace, self.limits = trace, limits
        self.remaining = len(results)
        self.ready: deque[int] = deque()
        self.answered = [False] * len(results)
        # JSON escapes can grow text up to 6x; the trace budget is counted in characters.
        # The worker caps characters; UTF-8 takes up to 4 bytes per character (JSON escapes of ASCII at most
        # 2 per character); steps add ~64 bytes of structure each.
        self.frame_limit = (4 * (limits.max_result_bytes + 2 * limits.max_output_bytes + limits.max_trace_bytes)
                            + 64 * limits.max_steps + (1 << 20))

    def done(self, index: int, run: Run) -> None:
        if not self.answered[index]:
            self.answered[index] = True
            self.remaining -= 1
            self.results[index] = run
            self.ready.append(index)

    def fail_all(self, status: str, error: str) -> None:
        for i, answered in enumerate(self.answered):
            if not answered:
                self.done(i, Run(self.programs[i].id, RunStatus(status), error=error))
        self.queue.clear()


def _shutdown(slots: list[_Slot], selector: selectors.BaseSelector) -> None:
    for slot in slots:
        if slot.worker is not None:
            slot.worker.kill()
            slot.worker = None
        slot.state = "dead"
    selector.close()
