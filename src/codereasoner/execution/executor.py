"""Execution stage: the `Executor`, the one door through which every stage runs code.

    with Executor(workers=2) as ex:
        runs = ex.run(programs, trace=True)                     # untrusted: a forked child per task
        runs = ex.run(own_programs, trust=Trust.TRUSTED)        # the fast persistent pool
        results = ex.run_calls([CallJob("c", code, calls=("f(1)",))])  # always untrusted

Untrusted tasks go to a `ForkPool` (forkpool.py), trusted ones to a `PersistentPool` (pool.py); each
starts on first use. `run` and `run_calls` return records in input order; `stream` yields them in input
order as soon as they are ready, so a caller can write each out and keep nothing (the CLI does). Nothing
here raises because of a program.
"""

from __future__ import annotations

import asyncio
import functools
import marshal
import os
import sys
import threading
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

from codereasoner.execution import isolation
from codereasoner.execution.forkpool import Ending, ForkPool, Spec
from codereasoner.execution.frames import call_run, to_run
from codereasoner.execution.limits import ExecLimits, Trust
from codereasoner.execution.pool import PersistentPool
from codereasoner.records import CallJob, CallRun, Program, Run, RunStatus

# A fork server waits while its child runs and the child waits while its server forks or reaps, so one
# server per core leaves cores idle (and on a shared machine, other jobs take them): two per worker kept
# both cores busy here (docs/engine.md, Speed). Tasks that may import site-packages get one per worker:
# those servers are ~100 MB each.
FORK_SERVERS_PER_WORKER = 2

class Executor:
    """Runs programs and call jobs in sandboxed processes; see the module docstring.

    `workers` processes per mode (default: CPU count); `fork_servers` the fork servers of untrusted mode
    (default: FORK_SERVERS_PER_WORKER per worker); `slim_servers=False` sends every untrusted task to the
    fork servers that preload common modules (by default a task whose code names no import runs in a slim
    one, which is cheaper to fork: docs/engine.md); `tasks_per_worker` recycles trusted workers after that
    many tasks; `namespaces=False` skips `unshare` (tests of the fallback); `hash_seed` is PYTHONHASHSEED
    in every sandbox (docs/formats.md: 0).
    """

    def __init__(self, workers: int | None = None, limits: ExecLimits = ExecLimits(), *,
                 tasks_per_worker: int | None = None, namespaces: bool | None = None, hash_seed: int = 0,
                 fork_servers: int | None = None, slim_servers: bool = True) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.fork_servers = max(1, fork_servers or FORK_SERVERS_PER_WORKER * self.workers)
        self.slim_servers = slim_servers
        self.limits = limits
        self.hash_seed = hash_seed
        self.tasks_per_worker = tasks_per_worker
        self.namespaces = isolation.namespaces_available() if namespaces is None else namespaces
        self._siblings: dict[int, Executor] = {}  # executors under other hash seeds, for run(hash_seed=...)
        self._lock = threading.RLock()
        # Sandboxes are started from one long-lived thread: PR_SET_PDEATHSIG fires when the *thread*
        # that started a child exits, so a short-lived caller thread would take its sandboxes with it.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="codereasoner-spawn")
        self._pools: dict[str, PersistentPool | ForkPool] = {}
        self._closed = False
        self._pid = os.getpid()  # pipes and processes belong to this process, not to a forked child
        self._finalizer = weakref.finalize(self, _shutdown, self._pools, self._spawner)
        isolation.sweep_orphans()  # work dirs of runs killed with -9 (cheap: one glob of the temp dir)

    # ---------------------------------------------------------------- public API
    def run(self, programs: Sequence[Program], *, trace: bool = False, limits: ExecLimits | None = None,
            progress: bool = False, hash_seed: int | None = None, trust: Trust = Trust.UNTRUSTED,
            packages: bool | Sequence[bool] = False) -> list[Run]:
        """Run each program's `call` after its `code`; one `Run` per program, same order.

        `trust` says who wrote the code (limits.py); `hash_seed` runs them under another PYTHONHASHSEED
        (a one-worker executor started on first use): a result that changes with it is not deterministic.
        `packages` (for all programs, or one flag each) lets a program import site-packages, read-only;
        such programs always run untrusted, in fork servers of their own.
        """
        return list(self.stream(programs, trace=trace, limits=limits, progress=progress, hash_seed=hash_seed,
                                trust=trust, packages=packages))

    def stream(self, programs: Sequence[Program], *, trace: bool = False, limits: ExecLimits | None = None,
               progress: bool = False, hash_seed: int | None = None, trust: Trust = Trust.UNTRUSTED,
               packages: bool | Sequence[bool] = False) -> Iterator[Run]:
        """`run`, yielding each Run in input order as soon as it and all before it are ready."""
        trust = Trust(trust)
        limits = limits or self.limits
        if hash_seed is not None and hash_seed != self.hash_seed:
            yield from self._sibling(hash_seed).stream(programs, trace=trace, limits=limits, progress=progress,
                                                       trust=trust, packages=packages)
            return
        programs = list(programs)
        flags = [bool(packages)] * len(programs) if isinstance(packages, bool) else [bool(p) for p in packages]
        if len(flags) != len(programs):
            raise ValueError(f"packages has {len(flags)} flags for {len(programs)} programs")
        with self._lock:
            self._check_usable()
            if trust is Trust.TRUSTED and not any(flags):
                done = self._pool("trusted", limits).stream(programs, trace, limits)  # type: ignore[union-attr]
            else:
                shared = _limits_json(limits)
                specs = [_program_spec(p, trace, limits, shared) for p in programs]

                def convert(index: int, ending: Ending) -> Run:
                    return _program_run(programs[index], ending, trace, limits, self.python)

                imports = [_names_import(p.code, p.call) for p in programs]
                done = self._untrusted(specs, flags, imports, limits, convert)
            yield from _in_order(done, len(programs), progress, "exec")

    def run_calls(self, jobs: Sequence[CallJob], *, limits: ExecLimits | None = None,
                  progress: bool = False) -> list[CallRun]:
        """Run each job's code, then its calls (or its stdin runs), always untrusted; same order as `jobs`.

        Each call has its own timeout (the job's `timeout_s`, else the limits'); results of calls that
        finished before a hard kill are kept (records.CallRun). Compare the decoded values in the caller.
        """
        limits = limits or self.limits
        jobs = list(jobs)
        shared = _limits_json(limits)
        with self._lock:
            self._check_usable()

            def convert(index: int, ending: Ending) -> CallRun:
                run = call_run(jobs[index], ending.frames, ending.stopped, limits)
                return run or CallRun(jobs[index].id, RunStatus.CRASHED, error="the task broke the protocol")

            specs = [_call_spec(j, limits, shared) for j in jobs]
            imports = [_names_import(j.code, *j.calls) for j in jobs]
            done = self._untrusted(specs, [j.packages for j in jobs], imports, limits, convert)
            return list(_in_order(done, len(jobs), progress, "calls"))

    async def arun(self, programs: Sequence[Program], *, trace: bool = False, limits: ExecLimits | None = None,
                   progress: bool = False, hash_seed: int | None = None, trust: Trust = Trust.UNTRUSTED) -> list[Run]:
        """`run` for asyncio code: runs in a thread so the event loop stays free (calls run one at a time)."""
        loop = asyncio.get_running_loop()
        call = functools.partial(self.run, programs, trace=trace, limits=limits, progress=progress,
                                 hash_seed=hash_seed, trust=trust)
        return await loop.run_in_executor(None, call)

    @property
    def report(self) -> str:
        """What isolation untrusted tasks really get here (starts the untrusted pool)."""
        with self._lock:
            self._check_usable()
            pool = self._pool("untrusted", self.limits)
            return isolation.describe(pool.applied, self.namespaces)  # type: ignore[union-attr]

    @property
    def spawned(self) -> int:
        """Sandbox processes started so far (fork servers and trusted workers; not the forked children)."""
        return sum(p.spawned for p in self._pools.values())

    @property
    def python(self) -> str:
        return next((p.python for p in self._pools.values() if p.python), "")

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

    # ---------------------------------------------------------------- pools
    def _check_usable(self) -> None:
        if self._closed:
            raise RuntimeError("Executor is closed")
        if os.getpid() != self._pid:
            raise RuntimeError("Executor used in a forked child process; create a new Executor there")

    def _untrusted(self, specs: list[Spec], packages: list[bool], imports: list[bool], limits: ExecLimits,
                   convert) -> Iterator:  # noqa: ANN001
        """(index, record) as tasks end. Tasks that may read site-packages go to fork servers of their own
        (a Landlock layer can only narrow, so the other servers never had it); tasks whose code names no
        import go to slim ones (unless `slim_servers` is off), the rest to servers that preload modules."""
        modes = ["untrusted-packages" if p else "untrusted" if i or not self.slim_servers else "untrusted-slim"
                 for p, i in zip(packages, imports)]
        for mode in ("untrusted-slim", "untrusted", "untrusted-packages"):
            indices = [i for i, m in enumerate(modes) if m == mode]
            if indices:
                pool = self._pool(mode, limits)
                for k, ending in pool.execute([specs[i] for i in indices]):  # type: ignore[union-attr]
                    yield indices[k], convert(indices[k], ending)

    def _sibling(self, hash_seed: int) -> Executor:
        with self._lock:
            if hash_seed not in self._siblings:
                self._siblings[hash_seed] = Executor(1, self.limits, namespaces=self.namespaces, hash_seed=hash_seed,
                                                     fork_servers=1)
            return self._siblings[hash_seed]

    def _spawn(self, fn, *args):  # noqa: ANN001, ANN002, ANN202
        return self._spawner.submit(fn, *args).result()

    def _pool(self, mode: str, limits: ExecLimits) -> PersistentPool | ForkPool:
        pool = self._pools.get(mode)
        if isinstance(pool, ForkPool) and pool.memory_mb != limits.memory_mb:
            pool.close()
            pool = None
        if pool is None:
            if mode == "trusted":
                pool = PersistentPool(self.workers, limits.memory_mb, self.namespaces, self.hash_seed, self._spawn,
                                      self.tasks_per_worker)
            else:
                packages, preload = mode == "untrusted-packages", mode != "untrusted-slim"
                servers = self.workers if packages else self.fork_servers
                pool = ForkPool(servers, limits.memory_mb, self.namespaces, self.hash_seed, self._spawn, packages,
                                preload)
                pool.start()
                if self.namespaces and all(s.state == "dead" for s in pool.slots):
                    self.namespaces = False  # e.g. not root in a container: weaker, and said so
                    pool = ForkPool(servers, limits.memory_mb, False, self.hash_seed, self._spawn, packages, preload)
                    pool.start()
                if all(s.state == "dead" for s in pool.slots):
                    raise RuntimeError("codereasoner: could not start any sandbox process")
                isolation.announce(isolation.describe(pool.applied, self.namespaces))
            self._pools[mode] = pool
        return pool


def _names_import(*sources: str) -> bool:
    """Whether any of the task's code mentions `import` (a statement, `__import__`, importlib): such a task
    goes to a fork server with the common modules preloaded. One that imports without naming it (built
    by string tricks) still runs correctly in a slim server, only slower, and its `random` is not seeded."""
    return any("import" in source for source in sources)


def _limits_json(limits: ExecLimits) -> dict:
    out = asdict(limits)
    del out["memory_mb"]
    return out


def _program_spec(program: Program, trace: bool, limits: ExecLimits, shared: dict) -> Spec:
    body = {"kind": "program", "code": program.code, "call": program.call, "trace": trace, "limits": shared}
    return Spec(marshal.dumps(body), [limits.timeout_s], _frame_limit(limits, 1, trace))


def _call_spec(job: CallJob, limits: ExecLimits, shared: dict) -> Spec:
    timeout = job.timeout_s or limits.timeout_s
    body = {"kind": "calls", "code": job.code, "calls": list(job.calls), "stdins": list(job.stdins),
            "timeout_s": timeout, "limits": shared}
    parts = 1 + len(job.stdins or job.calls)
    return Spec(marshal.dumps(body), [timeout] * parts, _frame_limit(limits, parts, False))


def _frame_limit(limits: ExecLimits, parts: int, trace: bool) -> int:
    """Answer bytes a task may send: ASCII JSON escapes take up to 6 bytes per character."""
    per_part = 6 * (limits.max_result_bytes + 2 * limits.max_output_bytes) + 4096
    traced = 6 * limits.max_trace_bytes + 64 * limits.max_steps if trace else 0
    return parts * per_part + traced + (1 << 20)


def _program_run(program: Program, ending: Ending, trace: bool, limits: ExecLimits, python: str) -> Run:
    if ending.stopped is not None:
        status, error = ending.stopped
        return Run(program.id, RunStatus(status), error=error)
    run = to_run(program.id, ending.frames[0], trace, limits, python) if ending.frames else None
    return run or Run(program.id, RunStatus.CRASHED, error="the task broke the protocol (a malformed answer)")


def _in_order(done: Iterator, n: int, progress: bool, what: str) -> Iterator:
    """Yield results in input order from (index, result) pairs arriving in any order."""
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n, file=sys.stderr, unit="task", desc=what)
    waiting: dict[int, object] = {}
    next_index = 0
    try:
        for index, result in done:
            waiting[index] = result
            if bar is not None:
                bar.update(1)
            while next_index in waiting:
                yield waiting.pop(next_index)
                next_index += 1
    finally:
        if bar is not None:
            bar.close()
        if hasattr(done, "close"):
            done.close()


def _shutdown(pools: dict, spawner: ThreadPoolExecutor) -> None:
    for pool in pools.values():
        pool.close()
    pools.clear()
    spawner.shutdown(wait=False)
