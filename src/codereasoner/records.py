"""The typed records every pipeline stage reads and writes, and their one JSON codec.

Stages talk only through these frozen dataclasses. On disk each record is one JSON object per line
(docs/formats.md has every field); unknown JSON keys land in `meta` and are written back unchanged.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

JSON = Any  # a value that round-trips through json.dumps/json.loads
R = TypeVar("R")

# Field metadata: the field is written as JSON *text* (a string column), whatever its value's type, so
# that every column of a file has one type (pyarrow, `datasets`); `from_json` reads both forms.
AS_JSON_TEXT = {"on_disk": "json_text"}


class RunStatus(enum.StrEnum):
    """How one execution ended (docs/formats.md, exec records)."""

    OK = "ok"
    ERROR = "error"  # the program raised; Run.error = "ExceptionType: message"
    TIMEOUT = "timeout"
    MEMORY_EXCEEDED = "memory_exceeded"
    OUTPUT_EXCEEDED = "output_exceeded"  # stdout flood, or a result/trace too large to send back
    CRASHED = "crashed"  # the worker process died or broke the protocol
    INVALID = "invalid"  # the record itself is malformed (missing fields, not JSON, code does not compile)


class VerdictStatus(enum.StrEnum):
    """Why a verdict is what it is: wrong and unparsable both score 0, sandbox failures score nothing."""

    CORRECT = "correct"
    WRONG = "wrong"
    UNPARSABLE = "unparsable"  # no answer could be extracted, or it is not an allowed literal
    INVALID = "invalid"  # the task record itself is malformed
    SANDBOX_ERROR = "sandbox_error"  # the executor failed (timeout, crash): no reward, excluded from group stats


@dataclass(frozen=True, slots=True)
class Value:
    """A runtime value as the tracer saw it: `repr()` (possibly truncated) and type name."""

    repr: str
    type: str


@dataclass(frozen=True, slots=True)
class Step:
    """One trace event. `locals` is the frame's state when the event fires (before a `line` runs)."""

    event: str  # call | line | return | exception
    func: str
    line: int
    locals: Mapping[str, Value] = field(default_factory=dict)
    value: Value | None = None  # the returned value, on `return` steps only

    def __post_init__(self) -> None:
        if self.event not in ("call", "line", "return", "exception"):
            raise ValueError(f"Step.event must be call/line/return/exception, got {self.event!r}")


@dataclass(frozen=True, slots=True)
class Trace:
    """The steps of one traced call and the sorted distinct lines that ran."""

    steps: tuple[Step, ...]
    coverage: tuple[int, ...]
    truncated: bool = False  # the step cap was reached; later steps are missing
    max_steps: int | None = None
    python: str = ""  # "3.11": traces differ between Python minor versions


@dataclass(frozen=True, slots=True)
class Run:
    """The result of executing `call` after `code` (docs/formats.md, exec records)."""

    id: str
    status: RunStatus
    result: str | None = None  # repr() of the call's value when status is ok
    error: str | None = None
    stdout: str = ""
    trace: Trace | None = None
    meta: Mapping[str, JSON] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.OK


@dataclass(frozen=True, slots=True)
class Program:
    """A function to reason about: `code` defines it, `call` is the expression to evaluate after it."""

    id: str
    code: str
    call: str
    source: str = ""  # which program source made it (synth, llm, corpus, ...)
    difficulty: int = 0  # ExecVerify level 1-6 for synthesised programs, 0 when unknown
    meta: Mapping[str, JSON] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("id", "code", "call"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"Program.{name} must be a string")


@dataclass(frozen=True, slots=True)
class CallJob:
    """Code to judge by its calls (docs/engine.md `run_calls`): `code` runs once, then each expression of
    `calls` is evaluated; with `stdins`, `code` instead runs as `__main__` once per stdin, stdout captured.
    Each call or stdin run has its own `timeout_s` (None: the limits' timeout); `packages` lets the code
    import site-packages (read-only), e.g. numpy. Expected values never go in here: the parent compares."""

    id: str
    code: str
    calls: tuple[str, ...] = ()
    stdins: tuple[str, ...] = ()
    timeout_s: float | None = None
    packages: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not isinstance(self.code, str):
            raise ValueError("CallJob.id and CallJob.code must be strings")
        for name in ("calls", "stdins"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"CallJob.{name} must be a tuple of strings")
        if self.calls and self.stdins:
            raise ValueError("CallJob takes calls or stdins, not both")
        if self.timeout_s is not None and not (isinstance(self.timeout_s, (int, float)) and 0 < self.timeout_s <= 3600):
            raise ValueError(f"CallJob.timeout_s must be in (0, 3600], got {self.timeout_s!r}")


@dataclass(frozen=True, slots=True)
class CallResult:
    """One call (or stdin run) of a CallJob. `value` is `execution.values.encode(result)` (decode it with
    `execution.values.decode`); None unless `status` is ok and the job had calls."""

    status: RunStatus
    value: JSON | None = None
    stdout: str = ""
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class CallRun:
    """The results of one CallJob. `status` is ok when the code ran and every call got a result (each with
    its own status); error/invalid when the code itself raised or did not compile (no results); timeout,
    memory_exceeded or crashed when the process was stopped: `results` then holds the calls finished
    before it plus the interrupted one, and later calls are missing."""

    id: str
    status: RunStatus
    results: tuple[CallResult, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Task:
    """One question about one program, with ground truth from the engine (docs/formats.md, task records)."""

    id: str
    kind: str
    code: str
    call: str
    question: Mapping[str, JSON] = field(metadata=AS_JSON_TEXT)  # on disk: JSON text, e.g. "{\"line\": 3}"
    answer: JSON = field(metadata=AS_JSON_TEXT)  # on disk: JSON text; its value's type varies by kind
    prompt: str = ""
    difficulty: int = 0
    recipe: str = ""
    meta: Mapping[str, JSON] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("id", "kind", "code", "call"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"Task.{name} must be a string")
        if not isinstance(self.question, Mapping):
            raise ValueError("Task.question must be an object")


@dataclass(frozen=True, slots=True)
class Sample:
    """A task with a reasoning chain + answer that SFT learns from."""

    task: Task
    completion: str
    origin: str  # "trace" (chain written from the execution trace), "teacher" (distilled) or "answer" (no chain)
    verified: bool
    meta: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One verifier decision; rewards are pure functions of it."""

    id: str
    correct: bool
    status: VerdictStatus
    detail: str = ""
    parts: Mapping[str, bool] = field(default_factory=dict)  # white-box / anchor sub-checks, in order
    meta: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Generation:
    """A model's completions for one task or benchmark item."""

    task_id: str
    completions: tuple[str, ...]
    meta: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Report:
    """Scores of one benchmark run; `version`, `mode` and limits are always written (nothing implicit)."""

    benchmark: str
    version: str
    mode: str
    metrics: Mapping[str, float]
    verdicts: tuple[Verdict, ...] = ()
    meta: Mapping[str, JSON] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------
# The codec. One pair of functions for every record; nested records, enums and tuples are handled
# from the type hints so a new field needs no codec change.


def to_json(record: Any) -> JSON:
    """A record (or a value inside one) as JSON-ready data; `meta` keys are merged back at top level."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        out: dict[str, JSON] = {}
        meta: Mapping[str, JSON] = {}
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if f.name == "meta":
                meta = value
                continue
            out[f.name] = to_json(value)
            if f.metadata.get("on_disk") == "json_text":
                out[f.name] = json.dumps(out[f.name], ensure_ascii=False)
        for key, value in meta.items():
            out.setdefault(key, value)
        return out
    if isinstance(record, enum.Enum):
        return record.value
    if isinstance(record, Mapping):
        return {str(k): to_json(v) for k, v in record.items()}
    if isinstance(record, (list, tuple)):
        return [to_json(v) for v in record]
    return record


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _decode(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(args[0], value, where) if len(args) == 1 else value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_json(tp, value, where)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            known = ", ".join(m.value for m in tp)
            raise ValueError(f"{where}: {value!r} is not one of {known}") from None
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
        (item_tp, *_) = typing.get_args(tp)
        return tuple(_decode(item_tp, v, where) for v in value)
    if origin in (Mapping, dict) or tp is Mapping:
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: expected an object, got {type(value).__name__}")
        pair = typing.get_args(tp)
        if len(pair) == 2:
            return {k: _decode(pair[1], v, where) for k, v in value.items()}
        return dict(value)
    if tp is bool and not isinstance(value, bool):
        raise ValueError(f"{where}: expected true/false, got {value!r}")
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{where}: expected an integer, got {value!r}")
    if tp is str and not isinstance(value, str):
        raise ValueError(f"{where}: expected a string, got {type(value).__name__}")
    return value


def from_json(cls: type[R], obj: JSON, where: str = "<record>") -> R:
    """Build a `cls` record from parsed JSON; errors name `where` (e.g. "tasks.jsonl:12") and the field."""
    if not isinstance(obj, Mapping):
        raise ValueError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    text_form = _in_text_form(cls, obj)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name == "meta" or f.name not in obj:
            has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            if f.name != "meta" and not has_default:
                raise ValueError(f"{where}: missing field {f.name!r}")
            continue
        value = obj[f.name]
        if text_form and f.metadata.get("on_disk") == "json_text":
            value = _parse_text(value, f"{where}: field {f.name!r}")
        kwargs[f.name] = _decode(hints[f.name], value, f"{where}: field {f.name!r}")
    if "meta" in names:
        extra = {k: v for k, v in obj.items() if k not in names}
        if isinstance(obj.get("meta"), Mapping):
            extra = {**obj["meta"], **extra}
        kwargs["meta"] = extra
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: {e}") from None


def _in_text_form(cls: type, obj: Mapping[str, Any]) -> bool:
    """Whether `obj` is in the on-disk form with JSON-text fields, or the older form with plain JSON values.

    An old-form `answer` can itself be a string, so a string answer alone says nothing: the form is told by
    a JSON-text field that is an object in memory (`Task.question`), which is a string only in the new form.
    """
    for f in dataclasses.fields(cls):
        if f.metadata.get("on_disk") == "json_text" and f.name in obj:
            if typing.get_origin(_hints(cls)[f.name]) in (Mapping, dict):
                return isinstance(obj[f.name], str)
    return False


def _parse_text(value: Any, where: str) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected JSON text (a string), got {type(value).__name__}")
    try:
        return json.loads(value)
    except json.JSONDecodeError as e:
        raise ValueError(f"{where}: not valid JSON text ({e.msg} at column {e.colno})") from None
