"""Execution stage, parent side: decode the answer frames workers send back into `Run`s and `Trace`s.

A worker has run untrusted code, so every frame is checked field by field before it becomes a record;
anything malformed is reported as None and the caller treats the worker as crashed. Traces arrive as
changes-only steps (tracer.py) and are expanded here to the full locals per step that docs/formats.md specifies.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

from codereasoner.execution.tracer import EVENTS
from codereasoner.records import Run, RunStatus, Step, Trace, Value

if TYPE_CHECKING:
    from codereasoner.execution.pool import ExecLimits


def to_run(run_id: str, frame: object, index: int, trace: bool, limits: ExecLimits, python: str) -> Run | None:
    """Check an answer frame strictly (the worker ran untrusted code) and build the Run; None if malformed."""
    try:
        if not isinstance(frame, dict) or frame.get("i") != index:
            return None
        status = RunStatus(frame["s"])
        result, error, stdout = frame.get("r"), frame.get("e"), frame.get("o", "")
        if not all(v is None or isinstance(v, str) for v in (result, error)) or not isinstance(stdout, str):
            return None
        if status is RunStatus.OK and result is None:
            return None
        steps = expand(frame["t"], limits, python) if trace and frame.get("t") is not None else None
        return Run(run_id, status, result if status is RunStatus.OK else None, error, stdout, steps)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def expand(raw: dict, limits: ExecLimits, python: str) -> Trace:
    """The worker's changes-only steps -> full locals per step (docs/formats.md); frames keep their own locals."""
    frames: dict[int, dict[str, Value]] = {}
    steps = []
    for event, frame_no, func, line, changed, removed, value in raw["steps"]:
        current = frames.get(frame_no, {})
        if changed or removed:
            current = dict(current)
            for name, text, tname in changed:
                current[str(name)] = Value(str(text), str(tname))
            for name in removed:
                current.pop(name, None)
        frames[frame_no] = current
        returned = Value(str(value[0]), str(value[1])) if value is not None else None
        steps.append(Step(EVENTS[event], str(func), int(line), current, returned))
    coverage = tuple(sorted({int(x) for x in raw["coverage"]}))
    truncated = raw["truncated"] is True
    return Trace(tuple(steps), coverage, truncated, limits.max_steps, python)


def death(code: int | None) -> str:
    if code is None:
        return "the worker process died during the task"
    if code < 0 or code > 128:
        number = -code if code < 0 else code - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"the worker process was killed by {name} during the task"
    return f"the worker process exited (status {code}) during the task"
