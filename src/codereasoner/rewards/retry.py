"""Run programs for the verifier and tell a flaky sandbox from an answer that breaks its own process.

Rewards stage helper over `Executor.run`. A `crashed` run (the worker died) is run once more: a crash
that repeats is the program's doing (e.g. `os._exit`, a segfault it provokes) and becomes an `error`
run, i.e. a wrong answer; one that does not repeat is replaced by the retry's result. Only the
executor itself failing (an exception) is a sandbox error, which callers turn into "no reward".
Identical programs run once: with n sampled answers per task many repeat (CRUXEval's published CodeLlama
runs: 8,000 answers, 1,677 distinct), and a program's run depends only on its text in the sandbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from codereasoner.records import Program, Run, RunStatus

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike


def run_checked(executor: ExecutorLike, programs: Sequence[Program], limits: Any = None,
                packages: Sequence[bool] = (), *, trust: Any = None) -> list[Run]:
    """`executor.run(programs)` with one retry of crashed runs (see the module docstring); `packages`
    flags the programs that may import site-packages (read-only); `trust` is passed on when given (the
    engine runs anything else untrusted). Identical programs (same code, call and flag: one answer sampled
    n times) run once and share the result, under each program's own id."""
    if not programs:
        return []
    kwargs: dict[str, Any] = {"limits": limits} if limits is not None else {}
    if trust is not None:
        kwargs["trust"] = trust
    flags = [bool(f) for f in packages] if any(packages) else [False] * len(programs)
    first_of: dict[tuple[str, str, bool], int] = {}
    unique: list[int] = []  # index of each distinct program's first occurrence
    slot = [first_of.setdefault((p.code, p.call, f), len(first_of)) for p, f in zip(programs, flags)]
    for k, s in enumerate(slot):
        if s == len(unique):
            unique.append(k)
    runs = _run_with_retry(executor, [programs[k] for k in unique], [flags[k] for k in unique], kwargs)
    return [runs[s] if runs[s].id == p.id else replace(runs[s], id=p.id) for p, s in zip(programs, slot)]


def _run_with_retry(executor: ExecutorLike, programs: list[Program], flags: list[bool],
                    kwargs: dict[str, Any]) -> list[Run]:
    first: dict[str, Any] = {**kwargs, "packages": flags} if any(flags) else kwargs
    runs = list(executor.run(programs, **first))
    crashed = [k for k, run in enumerate(runs) if run.status is RunStatus.CRASHED]
    if crashed:
        again_flags = [flags[k] for k in crashed]
        again_kwargs: dict[str, Any] = {**kwargs, "packages": again_flags} if any(again_flags) else kwargs
        again = executor.run([programs[k] for k in crashed], **again_kwargs)
        for k, run in zip(crashed, again):
            if run.status is RunStatus.CRASHED:
                run = Run(run.id, RunStatus.ERROR, error=f"the process died twice: {run.error or 'crashed'}",
                          stdout=run.stdout)
            runs[k] = run
    return runs
