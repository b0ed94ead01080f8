"""Execution stage: run programs in sandboxed processes, trace them, and judge code by its calls.

Reads `records.Program` (`code` defines functions, `call` is evaluated after it) and returns
`records.Run` with status, `repr` of the result, error, captured stdout and, when asked, the `Trace`
(docs/formats.md, exec records); reads `records.CallJob` and returns `records.CallRun` with type-exact
values (`values.py`). Every later stage runs code only through here, saying how far it trusts it:

    from codereasoner.execution import Executor, ExecLimits, Trust
    with Executor(workers=2) as ex:
        runs = ex.run(programs, trace=True, limits=ExecLimits(timeout_s=1.0))   # untrusted by default
        runs = ex.run(synthesised, trust=Trust.TRUSTED)

Modules (docs/engine.md): executor.py (the Executor), limits.py (Trust, ExecLimits, ExecutorLike),
forkpool.py + forkserver.py (untrusted: a fork server per slot, a forked child per task), pool.py +
worker.py (trusted: persistent workers), harden.py (kernel layers), isolation.py (what each mode
guarantees and what not), runner.py (running one task), tracer.py, values.py, frames.py.
"""

from __future__ import annotations

import os
import threading

from codereasoner.execution.executor import Executor
from codereasoner.execution.limits import ExecLimits, ExecutorLike, Trust, trust_for
from codereasoner.execution.tracer import TRUNCATED

__all__ = ["TRUNCATED", "ExecLimits", "Executor", "ExecutorLike", "Trust", "default_executor", "isolation_report", "trust_for"]

_DEFAULT: Executor | None = None
_DEFAULT_LOCK = threading.Lock()


def default_executor() -> Executor:
    """The process-wide Executor, created on first use and closed at exit."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None or _DEFAULT._closed or _DEFAULT._pid != os.getpid():
            _DEFAULT = Executor()
        return _DEFAULT


def isolation_report() -> str:
    """The one-line description of the isolation untrusted tasks really get here (starts the default executor)."""
    return default_executor().report
