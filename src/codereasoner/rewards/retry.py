"""Run programs for the verifier and tell a flaky sandbox from an answer that breaks its own process.

Rewards stage helper over `Executor.run`. A `crashed` run (the worker died) is run once more: a crash
that repeats is the program's doing (e.g. `os._exit`, a segfault it provokes) and becomes an `error`
run, i.e. a wrong answer; one that does not repeat is replaced by the retry's result. Only the
executor itself failing (an exception) is a sandbox error, which callers turn into "no reward".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from codereasoner.records import Program, Run, RunStatus

if TYPE_CHECKING:
    from codereasoner.execution import Executor


def run_checked(executor: Executor, programs: Sequence[Program], limits: Any = None,
                packages: Sequence[bool] = (), *, trust: Any = None) -> list[Run]:
    """`executor.run(programs)` with one retry of crashed runs (see the module docstring); `packages`
    flags the programs that may import site-packages (read-only); `trust` is passed on when given (the
    engine runs anything else untrusted)."""
    if not programs:
        return []
    kwargs: dict[str, Any] = {"limits": limits} if limits is not None else {}
    if trust is not None:
        kwargs["trust"] = trust
    flags = list(packages) if any(packages) else None
    first: dict[str, Any] = {**kwargs, "packages": flags} if flags else kwargs
    runs = list(executor.run(list(programs), **first))
    crashed = [k for k, run in enumerate(runs) if run.status is RunStatus.CRASHED]
    if crashed:
        again_kwargs: dict[str, Any] = {**kwargs, "packages": [flags[k] for k in crashed]} if flags else kwargs
        again = executor.run([programs[k] for k in crashed], **again_kwargs)
        for k, run in zip(crashed, again):
            if run.status is RunStatus.CRASHED:
                run = Run(run.id, RunStatus.ERROR, error=f"the process died twice: {run.error or 'crashed'}",
                          stdout=run.stdout)
            runs[k] = run
    return runs
