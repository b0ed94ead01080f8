"""Execution stage, parent side: decode the answer frames sandboxed processes send back into records.

A frame comes from a process that ran untrusted code, so it is parsed with bounded nesting (`loads`),
checked field by field, and anything malformed is reported as None: the caller then records a protocol
break for that task alone. Traces arrive as changes-only steps (tracer.py) and are expanded here to the
full locals per step that docs/formats.md specifies, at most `max_trace_cells` locals in all (then the trace
is cut and marked truncated), so a program with many locals cannot grow the parent without bound.
"""

from __future__ import annotations

import json
import signal
from typing import TYPE_CHECKING

from codereasoner.execution import values
from codereasoner.execution.tracer import EVENTS
from codereasoner.records import CallJob, CallResult, CallRun, Run, RunStatus, Step, Trace, Value

if TYPE_CHECKING:
    from codereasoner.execution.limits import ExecLimits

_BAD = (KeyError, TypeError, ValueError, IndexError, RecursionError, AttributeError, OverflowError)


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constants)


def loads(body: bytes) -> object | None:
    """A frame's JSON, or None when it is not valid JSON (too deep, NaN, bad UTF-8, a huge number...)."""
    try:
        return _DECODER.decode(body.decode("utf-8"))
    except (ValueError, RecursionError, MemoryError):
        return None


def to_run(run_id: str, frame: object, trace: bool, limits: ExecLimits, python: str) -> Run | None:
    """Check an answer frame strictly (the worker ran untrusted code) and build the Run; None if malformed."""
    try:
        if not isinstance(frame, dict):
            return None
        status = RunStatus(frame["s"])
        result, error, stdout = frame.get("r"), frame.get("e"), frame.get("o", "")
        if not all(v is None or isinstance(v, str) for v in (result, error)) or not isinstance(stdout, str):
            return None
        if status is RunStatus.OK and result is None:
            return None
        steps = expand(frame["t"], limits, python) if trace and frame.get("t") is not None else None
        return Run(run_id, status, result if status is RunStatus.OK else None, error, stdout, steps)
    except _BAD:
        return None


def expand(raw: dict, limits: ExecLimits, python: str) -> Trace:
    """The worker's changes-only steps -> full locals per step (docs/formats.md); frames keep their own locals."""
    frames: dict[int, dict[str, Value]] = {}
    steps = []
    cells, truncated = 0, raw["truncated"] is True
    for event, frame_no, func, line, changed, removed, value in raw["steps"]:
        if type(frame_no) is not int or type(line) is not int:
            raise TypeError("bad step")
        current = frames.get(frame_no, {})
        if changed or removed:
            current = dict(current)
            for name, text, tname in changed:
                current[str(name)] = Value(str(text), str(tname))
            for name in removed:
                current.pop(name, None)
        frames[frame_no] = current
        cells += len(current)
        if cells > limits.max_trace_cells:
            truncated = True
            break
        returned = Value(str(value[0]), str(value[1])) if value is not None else None
        steps.append(Step(EVENTS[event], str(func), int(line), current, returned))
    coverage = tuple(sorted({int(x) for x in raw["coverage"] if type(x) is int}))
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


def call_run(job: CallJob, frames: list, ended: tuple[str, str] | None, limits: ExecLimits) -> CallRun | None:
    """The CallRun from a call job's frames (runner.py) and how its process ended; None if malformed.

    `ended` is (status, error) when the process was stopped or died before answering every part.
    """
    try:
        results = []
        first = frames[0] if frames else None
        if first is not None:
            status = RunStatus(first["s"])
            if status is not RunStatus.OK:
                return CallRun(job.id, status, (), _text(first.get("e")) or status.value)
        for frame in frames[1:]:
            status = RunStatus(frame["s"])
            value = frame.get("v")
            if status is RunStatus.OK and not job.stdins:
                values.decode(value, 4 * limits.max_result_bytes)  # checked here; the caller decodes it again
            else:
                value = None
            seconds = frame.get("sec", 0.0)
            if type(seconds) not in (int, float):
                return None
            results.append(CallResult(status, value, _text(frame.get("o")) or "", _text(frame.get("e")), float(seconds)))
        expected = len(job.stdins or job.calls)
        if len(results) > expected:
            return None
        if ended is None and first is not None and len(results) == expected:
            return CallRun(job.id, RunStatus.OK, tuple(results))
        ended_as, error = ended or ("crashed", "the task process ended before answering every call")
        if first is not None and len(results) < expected:
            results.append(CallResult(RunStatus(ended_as), None, "", error))
        return CallRun(job.id, RunStatus(ended_as), tuple(results), error)
    except _BAD:
        return None


def _text(value: object) -> str | None:
    if value is not None and type(value) is not str:
        raise TypeError("expected text")
    return value
