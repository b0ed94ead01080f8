"""Tasks stage: the trace read as frames — every run of every line, with what follows it in its own frame.

The engine's steps carry no frame ids, so frames are rebuilt from call/return nesting (a generator resume
is a new `call`, its `yield` a `return`). For the k-th run of line L (k counted over the whole trace, as
ExecVerify counts) this gives the two ground truths of docs/formats.md:
- next_line: the next `line` step of the same frame, or -1 when that frame's `return` comes first;
- after: the locals at the first step (any event) of the same frame after the run began.
Runs whose answer lies past the end of a truncated trace get `None` (unknown): no question may use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from codereasoner.records import Run, Trace, Value

try:  # the engine's truncation marker (docs/formats.md: questions are never asked about truncated values)
    from codereasoner.execution import TRUNCATED
except ImportError:  # pragma: no cover - only while the engine package is being built
    TRUNCATED = "…<truncated>"


class TraceShapeError(ValueError):
    """The steps do not nest as calls and returns should; no question is asked about such a trace."""


@dataclass(frozen=True, slots=True)
class LineRun:
    """One run of one line."""

    step: int  # index of the `line` step in trace.steps
    frame: int  # frame number, in order of the frames' first `call`
    func: str
    line: int
    occurrence: int  # this is the k-th run of `line` in the whole trace (1-based)
    before: Mapping[str, Value]  # locals when the line was about to run
    next_line: int | None = None  # next line in the same frame; -1 = the frame returned first; None = unknown
    after: Mapping[str, Value] | None = None  # locals at the frame's next step; None = unknown


_LAST: list = [None, None]  # (trace, runs): every kind asks about the same run in turn, so cache one


def line_runs(trace: Trace) -> list[LineRun]:
    """Every `line` step as a LineRun, in trace order."""
    if _LAST[0] is trace:
        return _LAST[1]
    runs = _line_runs(trace)
    _LAST[0], _LAST[1] = trace, runs
    return runs


def _line_runs(trace: Trace) -> list[LineRun]:
    stack: list[tuple[int, str]] = []  # (frame number, func)
    frames = 0
    rows: list[list] = []  # mutable LineRun fields until the end: [step, frame, func, line, k, before, next, after]
    counts: dict[int, int] = {}
    wait_next: dict[int, list] = {}  # frame → row still waiting for its next line
    wait_after: dict[int, list] = {}  # frame → row still waiting for its after-state

    for index, step in enumerate(trace.steps):
        event = step.event
        if event == "call":
            stack.append((frames, step.func))
            frames += 1
            continue
        if not stack:
            raise TraceShapeError(f"step {index}: {event} outside any call")
        frame, func = stack[-1]
        if step.func != func:
            raise TraceShapeError(f"step {index}: {event} in {step.func!r} while {func!r} is running")
        row = wait_after.pop(frame, None)
        if row is not None:
            row[7] = step.locals
        if event == "line":
            row = wait_next.pop(frame, None)
            if row is not None:
                row[6] = step.line
            k = counts[step.line] = counts.get(step.line, 0) + 1
            row = [index, frame, func, step.line, k, step.locals, None, None]
            rows.append(row)
            wait_next[frame] = wait_after[frame] = row
        elif event == "return":
            row = wait_next.pop(frame, None)
            if row is not None:
                row[6] = -1
            stack.pop()
        # exception: a step of the frame (its state is known above), but the frame may still go on
    return [LineRun(*row) for row in rows]


def traced_runs(run: Run) -> list[LineRun] | None:
    """`line_runs` of the run's trace; None when it has no trace or its steps do not nest (ask nothing)."""
    if run.trace is None:
        return None
    try:
        return line_runs(run.trace)
    except TraceShapeError:
        return None


def askable(runs: list[LineRun]) -> list[LineRun]:
    """The runs a question may name: in a named frame, of a line no comprehension/lambda frame also runs
    (for such a shared line, "next line" and "after" are ambiguous)."""
    shared = {r.line for r in runs if not in_named_frame(r)}
    return [r for r in runs if r.line not in shared and in_named_frame(r)]


def is_truncated(value: Value | str | None) -> bool:
    text = value.repr if isinstance(value, Value) else value
    return text is None or text.endswith(TRUNCATED)


def changed_vars(run: LineRun) -> list[str]:
    """Locals that are new or have a different repr/type after the run (ExecVerify's state candidates)."""
    if run.after is None:
        return []
    return [name for name, value in run.after.items() if run.before.get(name) != value]


@lru_cache(maxsize=256)
def statement_lines(code: str) -> tuple[int, ...]:
    """Lines where a statement inside a function starts: the lines a `line` event can report.

    Left out: def/class lines (they run in the untraced module body, or only define), docstrings,
    and `global`/`nonlocal` (no bytecode, so never a line event).
    """
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ()
    lines: set[int] = set()
    skip = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Global, ast.Nonlocal)
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            if node is func or not isinstance(node, ast.stmt) or isinstance(node, skip):
                continue
            value = node.value if isinstance(node, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                continue  # a docstring or bare string: no line event
            lines.add(node.lineno)
    return tuple(sorted(lines))


def in_named_frame(run: LineRun) -> bool:
    """Runs in comprehension/lambda/genexpr frames (`<listcomp>`…) are not asked about: their line is shared."""
    return not run.func.startswith("<")


def ordinal(k: int) -> str:
    """1 → "1st" … (ExecVerify writes "for the {k} time"; we write "for the 1st time")."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"
