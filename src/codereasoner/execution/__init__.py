"""Execution stage: run programs in isolated, persistent worker processes and trace them.

Reads `records.Program` (`code` defines functions, `call` is evaluated after it) and returns
`records.Run` with status, `repr` of the result, error, captured stdout and, when asked, the `Trace`
(docs/formats.md, exec records). Every later stage runs code only through here:

    from codereasoner.execution import Executor, ExecLimits
    with Executor(workers=2) as ex:
        runs = ex.run(programs, trace=True, limits=ExecLimits(timeout_s=1.0))

Modules: pool.py (the Executor), isolation.py (process isolation: what it guarantees and what not),
worker.py (the only code running inside a worker), tracer.py (sys.settrace -> trace).
"""

from __future__ import annotations

import os
import threading

from codereasoner.execution.pool import ExecLimits, Executor
from codereasoner.execution.tracer import TRUNCATED

__all__ = ["TRUNCATED", "ExecLimits", "Executor", "default_executor", "isolation_report"]

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
    """The one-line description of the isolation workers really get here (starts the default executor)."""
    return default_executor().report
