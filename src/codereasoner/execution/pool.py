"""Execution stage: the `Executor`, a persistent pool of isolated workers that runs `Program`s into `Run`s.

Reads `records.Program`, returns `records.Run` (with `Trace` when asked), in input order. One call
drives every worker from the calling thread with a selector loop: batches of tasks go out as one
message, answers come back one frame per task, each task has a deadline (timeout + grace) after which
the worker's process group is killed and a fresh worker takes the rest of its batch. A worker that
crashes, times out, runs out of memory or reports contamination is replaced; nothing here raises
because of a program. Why a persistent pool and not a process per task: docs/engine.md (fork alone
caps at a few hundred per second; the pool runs thousands).
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import os
import selectors
import struct
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from codereasoner.execution import isolation
from codereasoner.execution.frames import death, to_run
from codereasoner.records import Program, Run, RunStatus

GRACE_S = 1.0  # parent deadline = timeout + this: room for the in-worker alarm to answer first
HANDSHAKE_S = 20.0  # a worker start takes ~50 ms (docs/engine.md); generous for a loaded 2-core machine
MAX_CHUNK = 64  # tasks per message: 50 per message was 1.6x one per message (docs/engine.md)
SPAWN_RETRIES = 3


@dataclass(frozen=True, slots=True)
class ExecLimits:
    """Per-task limits. memory_mb is per worker process (changing it restarts the pool); the output,
    result and trace sizes are counted in characters."""

    timeout_s: float = 2.0
    memory_mb: int = 1024
    max_steps: int = 10_000
    max_repr: int = 200  # ExecVerify cuts values at 200 characters
    max_output_bytes: int = 65_536
    max_result_bytes: int = 1_000_000
    max_trace_bytes: int = 8_000_000  # characters of changed values per trace; past it the trace is truncated

    def __post_init__(self) -> None:
        if not (isinstance(self.timeout_s, (int, float)) and 0 < self.timeout_s <= 3600):
            raise ValueError(f"ExecLimits.timeout_s must be in (0, 3600], got {self.timeout_s!r}")
        if not (isinstance(self.memory_mb, int) and self.memory_mb >= 16):
            raise ValueError(f"ExecLimits.memory_mb must be an integer >= 16, got {self.memory_mb!r}")
        for name in ("max_steps", "max_repr", "max_output_bytes", "max_result_bytes", "max_trace_bytes"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"ExecLimits.{name} must be a positive integer, got {value!r}")


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


_PRINTED: set[str] = set()


class Executor:
    """A persistent pool of isolated worker processes; see the module docstring.

    `tasks_per_worker=1` gives every task a fresh process (strongest, ~100x slower); `namespaces=False`
    skips `unshare` (tests of the fallback); `hash_seed` is the workers' PYTHONHASHSEED (docs/formats.md: 0).
    """

    def __init__(self, workers: int | None = None, limits: ExecLimits = ExecLimits(), *,
                 tasks_per_worker: int | None = None, namespaces: bool | None = None, hash_seed: int = 0) -> None:
        self.limits = limits
        self.hash_seed = hash_seed
        self._siblings: dict[int, Executor] = {}  # pools under other hash seeds, for run(hash_seed=...)
        self.tasks_per_worker = tasks_per_worker
        self.namespaces = isolation.namespaces_available() if namespaces is None else namespaces
        self.python = ""
        self.report = ""
        self._lock = threading.Lock()
        # Workers are started from one long-lived thread: PR_SET_PDEATHSIG fires when the *thread*
        # that started a child exits, so a short-lived caller thread would take its workers with it.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="codereasoner-spawn")
        self._selector = selectors.DefaultSelector()
        self._slots = [_Slot() for _ in range(max(1, workers or os.cpu_count() or 1))]
        self._memory_mb = limits.memory_mb
        self._closed = False
        self._pid = os.getpid()  # pipes and workers belong to this process, not to a forked child
        self.spawned = 0  # workers started so far: a replaced worker shows up here
        self._finalizer = weakref.finalize(self, _shutdown, self._slots, self._spawner, self._selector)
        self._start_all()

    # ---------------------------------------------------------------- public API
    def run(self, programs: Sequence[Program], *, trace: bool = False, limits: ExecLimits | None = None,
            progress: bool = False, hash_seed: int | None = None) -> list[Run]:
        """Run each program's `call` after its `code`; one `Run` per program, same order.

        `hash_seed` runs them under another PYTHONHASHSEED (a one-worker pool started on first use):
        a program whose result changes with it is not deterministic across machines.
        """
        limits = limits or self.limits
        if hash_seed is not None and hash_seed != self.hash_seed:
            with self._lock:
                if hash_seed not in self._siblings:
                    self._siblings[hash_seed] = Executor(1, self.limits, namespaces=self.namespaces, hash_seed=hash_seed)
                sibling = self._siblings[hash_seed]
            return sibling.run(programs, trace=trace, limits=limits, progress=progress)
        with self._lock:
            if self._closed:
                raise RuntimeError("Executor is closed")
            if os.getpid() != self._pid:
                raise RuntimeError("Executor used in a forked child process; create a new Executor there")
            if limits.memory_mb != self._memory_mb:
                self._memory_mb = limits.memory_mb
                for slot in self._slots:
                    self._retire(slot)
                self._start_all()
            return self._run(list(programs), trace, limits, progress)

    async def arun(self, programs: Sequence[Program], *, trace: bool = False, limits: ExecLimits | None = None,
                   progress: bool = False, hash_seed: int | None = None) -> list[Run]:
        """`run` for asyncio code: runs in a thread so the event loop stays free (calls run one at a time)."""
        loop = asyncio.get_running_loop()
        call = functools.partial(self.run, programs, trace=trace, limits=limits, progress=progress, hash_seed=hash_seed)
        return await loop.run_in_executor(None, call)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._finalizer()
            for sibling in self._siblings.values():
                sibling.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
            worker = self._spawner.submit(isolation.spawn, self._memory_mb, self.namespaces, self.hash_seed).result()
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
        report = isolation.describe(slot.worker.applied, self.namespaces)
        self.report = report
        if report not in _PRINTED:
            _PRINTED.add(report)
            from tqdm import tqdm

            tqdm.write(report, file=sys.stderr)  # on its own line, above any progress bar that is showing

    def _start_failed(self, slot: _Slot) -> None:
        self._retire(slot)
        slot.failures += 1
        if slot.failures >= SPAWN_RETRIES:
            slot.state = "dead"
        else:
            self._start(slot)

    # ---------------------------------------------------------------- the loop
    def _run(self, programs: list[Program], trace: bool, limits: ExecLimits, progress: bool) -> list[Run]:
        n = len(programs)
        results: list[Run | None] = [None] * n
        workers = len(self._slots)
        # ~4 messages per worker balance the load; small batches go as one message per worker, since a
        # message round trip costs about as much as a small task.
        chunk = max(1, min(MAX_CHUNK, max(math.ceil(n / (workers * 4)), min(16, math.ceil(n / workers)))))
        if self.tasks_per_worker:
            chunk = min(chunk, self.tasks_per_worker)
        queue: deque[list[int]] = deque(list(range(i, min(n, i + chunk))) for i in range(0, n, chunk))
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=n, file=sys.stderr, unit="run", desc="exec")
        job = _Job(programs, results, queue, trace, limits, bar)
        try:
            for slot in self._slots:
                if slot.state in ("down", "dead") and not any(s.state in ("idle", "busy", "starting") for s in self._slots):
                    slot.failures = 0
                if slot.state == "down":
                    self._start(slot)
            self._drive(lambda: job.remaining > 0, job)
        except BaseException:  # e.g. KeyboardInterrupt: busy workers hold this job's tasks; replace them
            for slot in self._slots:
                if slot.state == "busy":
                    slot.pending.clear()
                    self._retire(slot)
            raise
        finally:
            if bar is not None:
                bar.close()
        return results  # type: ignore[return-value]

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
            try:
                frame = json.loads(body)
            except ValueError:
                frame = None
            if slot.state == "starting":
                self._handshake(slot, frame)
            elif slot.state == "busy" and job is not None:
                self._answer(slot, job, frame)
            else:  # a frame nobody asked for: the worker is not trustworthy any more
                self._retire(slot)

    def _answer(self, slot: _Slot, job: _Job, frame: object) -> None:
        index = slot.pending[0]
        run = to_run(job.programs[index].id, frame, index, job.trace, job.limits, self.python)
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

    def __init__(self, programs, results, queue, trace, limits, bar) -> None:  # noqa: ANN001
        self.programs, self.results, self.queue = programs, results, queue
        self.trace, self.limits, self.bar = trace, limits, bar
        self.remaining = len(results)
        # JSON escapes can grow text up to 6x; the trace budget is counted in characters.
        # The worker caps characters; UTF-8 takes up to 4 bytes per character (JSON escapes of ASCII at most
        # 2 per character); steps add ~64 bytes of structure each.
        self.frame_limit = (4 * (limits.max_result_bytes + 2 * limits.max_output_bytes + limits.max_trace_bytes)
                            + 64 * limits.max_steps + (1 << 20))

    def done(self, index: int, run: Run) -> None:
        if self.results[index] is None:
            self.remaining -= 1
            if self.bar is not None:
                self.bar.update(1)
        self.results[index] = run

    def fail_all(self, status: str, error: str) -> None:
        for i, r in enumerate(self.results):
            if r is None:
                self.done(i, Run(self.programs[i].id, RunStatus(status), error=error))
        self.queue.clear()


def _shutdown(slots: list[_Slot], spawner: ThreadPoolExecutor, selector: selectors.BaseSelector) -> None:
    for slot in slots:
        if slot.worker is not None:
            slot.worker.kill()
            slot.worker = None
        slot.state = "dead"
    spawner.shutdown(wait=False)
    selector.close()
