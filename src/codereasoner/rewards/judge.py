"""Rewards stage: run candidate code for its test calls and bring back only values; the parent judges.

Reads `Job`s (a program plus the call expressions — or stdin texts — its process evaluates), runs them
through `Executor.run_calls` (always the engine's untrusted mode: one process per job, dying with it)
and returns, per call, a `Got`: the value decoded from the engine's type-exact codec (builtins only),
the captured stdout, the status and the seconds the call took. Expected values and reference solutions
are never part of a job; the rules in `rules.py` and `asserts.py` decide in this process.

Process-level failures are the candidate's verdict, never a crash of the batch: a job whose process died
is run once more (a death that repeats is the program's doing, e.g. `os._exit`); calls that got no result
fail; with `resume=True` the calls after one that timed out or killed its process get a fresh process
(prime_code scores each of the first ten tests on its own). A call over its own time limit fails even when
the job's shared limit let it finish (evalplus's per-input limits). Only the executor itself failing
raises `SandboxError`, which callers turn into "no reward".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codereasoner.records import RunStatus

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

MAX_ROUNDS = 12  # resumed processes per job at most (prime_code looks at ten tests)



def _child_values() -> str:
    """The source appended to call jobs (rewards/child_values.py: base values, fingerprints of huge ones)."""
    global _CHILD_SOURCE
    if _CHILD_SOURCE is None:
        from pathlib import Path

        from codereasoner.rewards import child_values

        _CHILD_SOURCE = Path(child_values.__file__).read_text(encoding="utf-8")
    return _CHILD_SOURCE


_CHILD_SOURCE: str | None = None


class SandboxError(RuntimeError):
    """The executor itself failed (not the candidate): no verdict can be given."""


@dataclass(frozen=True)
class Job:
    """What one candidate process runs: `code` once, then each call (or, with `stdins`, `code` as
    `__main__` once per stdin). `limits_s` are per-call limits checked on the measured seconds."""

    code: str
    calls: tuple[str, ...] = ()
    stdins: tuple[str, ...] = ()
    timeout_s: float = 5.0  # the engine's limit for each call of this job
    limits_s: tuple[float, ...] = ()  # optional stricter per-call limits (evalplus: max(4 s, 4 × reference))
    packages: bool = False
    resume: bool = False  # run the calls after a fatal one in a fresh process (up to MAX_ROUNDS)
    base_values: bool = True  # builtin subclasses cross as their base, huge values as a fingerprint
    # (rewards/child_values.py); False: type-exact, subclasses opaque

    def size(self) -> int:
        return len(self.stdins) if self.stdins else len(self.calls)


@dataclass(frozen=True)
class Got:
    """One call's outcome as the parent sees it."""

    ok: bool  # the call returned (or the stdin run finished) without exception, timeout or crash
    value: Any = None  # decoded value (builtins; an opaque marker for what the codec cannot carry)
    stdout: str = ""
    error: str = ""
    seconds: float = 0.0


def _decode(value: Any) -> Any:
    from codereasoner.execution import values

    return values.decode(value)


def _got(result: Any, limit: float | None) -> Got:
    if result.status is not RunStatus.OK:
        return Got(False, None, result.stdout or "", f"{result.status}: {result.error or ''}".strip(),
                   result.seconds)
    if limit is not None and result.seconds > limit:
        return Got(False, None, result.stdout or "", f"time limit: {result.seconds:.2f} s > {limit:.2f} s",
                   result.seconds)
    try:
        value = _decode(result.value)
    except Exception as e:  # noqa: BLE001 — a value the codec cannot read back is the candidate's failure
        return Got(False, None, result.stdout or "", f"undecodable value: {type(e).__name__}", result.seconds)
    return Got(True, value, result.stdout or "", "", result.seconds)


def _call_job(job: Job, ident: str, start: int) -> Any:
    from codereasoner.records import CallJob

    if job.stdins:
        return CallJob(ident, job.code, stdins=job.stdins[start:], timeout_s=job.timeout_s, packages=job.packages)
    code, calls = job.code, job.calls[start:]
    if job.base_values:
        code = f"{code}\n\n{_child_values()}"
        calls = tuple(f"__codereasoner_out({c})" for c in calls)
    return CallJob(ident, code, calls=calls, timeout_s=job.timeout_s, packages=job.packages)


def job_id(job: Job) -> str:
    """A content id: the same job gives the same id (useful in logs and caches)."""
    h = hashlib.sha256(repr((job.code, job.calls, job.stdins)).encode("utf-8", "surrogatepass")).hexdigest()
    return h[:16]


def run_jobs(executor: ExecutorLike, jobs: Sequence[Job], *, limits: Any = None,
             progress: bool = False) -> list[list[Got]]:
    """One `Got` per call (or stdin) of each job, same order. Raises SandboxError if the executor fails."""
    out: list[list[Got]] = [[] for _ in jobs]
    starts = [0] * len(jobs)
    retried: set[int] = set()
    pending = [i for i, job in enumerate(jobs) if job.size()]
    for _ in range(MAX_ROUNDS + 1):
        if not pending:
            break
        batch = [_call_job(jobs[i], f"{job_id(jobs[i])}@{starts[i]}", starts[i]) for i in pending]
        kwargs = {"limits": limits} if limits is not None else {}
        try:
            runs = executor.run_calls(batch, progress=progress, **kwargs)
        except Exception as e:  # noqa: BLE001
            raise SandboxError(f"the executor failed: {type(e).__name__}: {e}") from e
        if len(runs) != len(batch):
            raise SandboxError(f"run_calls returned {len(runs)} runs for {len(batch)} jobs")
        again = []
        for i, run in zip(pending, runs):
            job = jobs[i]
            if run.status is RunStatus.CRASHED and i not in retried and len(run.results) < job.size() - starts[i]:
                retried.add(i)  # once: a flaky sandbox is not the candidate's fault
                again.append(i)
                continue
            # The results hold the calls that finished and, when the process was stopped, the one that
            # stopped it (records.CallRun); later calls are missing.
            for k, result in enumerate(run.results):
                at = starts[i] + k
                out[i].append(_got(result, job.limits_s[at] if at < len(job.limits_s) else None))
            starts[i] += len(run.results)
            if starts[i] < job.size():
                if job.resume and run.results:  # progress was made: the rest get a fresh process
                    again.append(i)
                    continue
                reason = f"{run.status}: {run.error or 'the process stopped'}"
                out[i] += [Got(False, error=f"not run ({reason})")] * (job.size() - starts[i])
                starts[i] = job.size()
        pending = again
    for i, job in enumerate(jobs):  # rounds exhausted: whatever is left did not run
        out[i] += [Got(False, error="not run (too many restarts)")] * (job.size() - len(out[i]))
    return out
