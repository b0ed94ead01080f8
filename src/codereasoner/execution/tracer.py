"""Execution stage, inside the worker: record one call's steps with `sys.settrace` (CPython 3.11).

Runs inside the isolated worker process only (worker.py imports it by path), so it uses the stdlib alone
and never imports codereasoner. It reads frames of the program's own code (compiled with the unique
filename `PROGRAM_FILENAME`) and produces a compact, JSON-ready trace that the parent expands into
`records.Trace` (docs/formats.md, exec records):

    {"steps": [[event, frame, func, line, changed, removed, value], ...], "coverage": [...],
     "truncated": bool}

`changed` holds `[name, repr, type]` for locals that are new or whose repr/type changed since the same
frame's previous step and `removed` the names that disappeared: storing changes only is ~5x smaller than
full snapshots (docs/engine.md). The parent rebuilds the full locals of every step from them.
`value` is `[repr, type]` on `return` steps, or None when the frame is unwinding an exception.
"""

from __future__ import annotations

import gc
import opcode
import re
import sys

PROGRAM_FILENAME = "<codereasoner-program>"
TRUNCATED = "…<truncated>"
EVENTS = ("call", "line", "return", "exception")
_CALL, _LINE, _RETURN, _EXCEPTION = range(4)

# Values whose identity fixes their repr: an unchanged object need not be repr'd again.
_IMMUTABLE = frozenset({int, float, str, bool, type(None), bytes, complex, range, type})
_CONTAINERS = frozenset({list, tuple, set, frozenset, dict})
_BIG = 64  # containers longer than this get the bounded repr (builtin repr is O(n) per step)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # default reprs carry addresses: machine-dependent
_NORMAL_EXIT = frozenset(opcode.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST", "YIELD_VALUE") if name in opcode.opmap)


def bounded_repr(value: object, limit: int) -> str:
    """`repr(value)` cut to `limit` characters plus TRUNCATED, without building huge reprs.

    Addresses (`<X object at 0x7f…>`) are dropped so that reprs are the same on every machine; a repr
    that raises gives `<repr failed: Type>` + TRUNCATED, so no question is ever asked about it.
    """
    try:
        text = _repr(value, limit + 1, set())
    except Exception as e:  # a user __repr__, or int -> str beyond sys.get_int_max_str_digits
        return f"<repr failed: {type(e).__name__}>{TRUNCATED}"
    if "0x" in text:
        text = _ADDRESS.sub("", text)
    if len(text) > limit:
        return text[:limit] + TRUNCATED
    return text


def _repr(value: object, budget: int, active: set[int]) -> str:
    """Exact prefix of repr(value), at least `budget` long when the full repr is."""
    kind = type(value)
    if kind not in _CONTAINERS or len(value) <= _BIG:  # type: ignore[arg-type]
        return repr(value)
    key = id(value)
    if key in active:
        return "{...}" if kind is dict else "[...]"
    active.add(key)
    try:
        if kind is dict:
            opened, closed = "{", "}"
            items = (_repr(k, budget, active) + ": " + _repr(v, budget, active) for k, v in value.items())  # type: ignore[attr-defined]
        else:
            brackets: dict[type, tuple[str, str]] = {list: ("[", "]"), tuple: ("(", ")"), set: ("{", "}"),
                                                     frozenset: ("frozenset({", "})")}
            opened, closed = brackets[kind]
            items = (_repr(v, budget, active) for v in value)  # type: ignore[attr-defined]
        parts = [opened]
        size = len(opened)
        for i, item in enumerate(items):
            piece = item if i == 0 else ", " + item
            parts.append(piece)
            size += len(piece)
            if size > budget:
                return "".join(parts)
        parts.append(closed)
        return "".join(parts)
    finally:
        active.discard(key)


class Tracer:
    """Collects the steps of frames running the program's code; use `start()` / `stop()` around the call."""

    def __init__(self, max_steps: int, max_repr: int, max_bytes: int, max_cells: int = 1 << 62) -> None:
        self.max_steps = max_steps
        self.max_cells = max_cells  # steps x locals: what the parent's expanded trace holds
        self._cells = 0
        self.max_repr = max_repr
        self.max_bytes = max_bytes
        self.steps: list[list] = []
        self.coverage: set[int] = set()
        self.truncated = False
        self._bytes = 0
        # frame -> (frame number, {name: (object, repr, type)}); frames are kept alive until stop()
        # so that numbers are never reused; generator frames keep theirs across resumes.
        self._frames: dict[object, tuple[int, dict]] = {}

    def start(self) -> None:
        gc.disable()  # traces are many small objects: the cyclic GC would cost 2-4x (docs/engine.md)
        sys.settrace(self._global)

    def stop(self) -> None:
        sys.settrace(None)
        self._frames.clear()
        gc.enable()

    def result(self) -> dict:
        return {"steps": self.steps, "coverage": sorted(self.coverage), "truncated": self.truncated}

    def _global(self, frame, event, arg):  # noqa: ANN001 - sys.settrace signature
        if frame.f_code.co_filename != PROGRAM_FILENAME or self.truncated:
            return None
        self._record(frame, _CALL, None)
        return self._local

    def _local(self, frame, event, arg):  # noqa: ANN001
        if self.truncated:
            return None
        if event == "line":
            self.coverage.add(frame.f_lineno)
            self._record(frame, _LINE, None)
        elif event == "return":
            code = frame.f_code
            lasti = frame.f_lasti
            unwinding = arg is None and (lasti < 0 or code.co_code[lasti] not in _NORMAL_EXIT)
            value = None if unwinding else [bounded_repr(arg, self.max_repr), type(arg).__name__]
            self._record(frame, _RETURN, value)
        elif event == "exception":
            self._record(frame, _EXCEPTION, None)
        return self._local

    def _record(self, frame, event: int, value: list | None) -> None:  # noqa: ANN001
        if len(self.steps) >= self.max_steps or self._bytes > self.max_bytes or self._cells > self.max_cells:
            self.truncated = True
            sys.settrace(None)
            return
        state = self._frames.get(frame)
        if state is None:
            state = self._frames[frame] = (len(self._frames), {})
        number, cache = state
        changed = []
        limit = self.max_repr
        size = 0
        local_vars = frame.f_locals  # one snapshot: each f_locals access re-syncs fast locals
        self._cells += len(local_vars)
        if self._cells > self.max_cells:
            self.truncated = True
            sys.settrace(None)
            return
        for name, obj in local_vars.items():
            old = cache.get(name)
            if old is not None and old[0] is obj and type(obj) in _IMMUTABLE:
                continue
            text = bounded_repr(obj, limit)
            tname = type(obj).__name__
            if old is not None and old[1] == text and old[2] == tname:
                cache[name] = (obj, text, tname)
                continue
            cache[name] = (obj, text, tname)
            changed.append([name, text, tname])
            size += len(text) + len(name) + len(tname) + 12
        removed = []
        if len(cache) > len(local_vars):
            removed = [name for name in cache if name not in local_vars]
            for name in removed:
                del cache[name]
        if value is not None:
            size += len(value[0]) + len(value[1])
        self._bytes += size + 24
        self.steps.append([event, number, frame.f_code.co_name, frame.f_lineno, changed, removed, value])
