"""Trace-guided reasoning chains, no teacher: a short, correct step-by-step account written from the trace.

Reads a `Task` and the traced `Run` of its program (`code` + `call`); writes the completion SFT learns from,
in the recipe's output format (the kind's own `format_answer`, with the chain in its <reasoning> blocks).
This is what "trajectory-guided" data means here (docs/recipes.md): the lines that matter, how values
change, which way each branch goes and why, and the result — all read off the engine's trace, so the
chain is right by construction, and `samples_from_trace` still verifies every one with `verify_batch`.

Two registers:
- full (`concise=False`): sentences, e.g. "Line 4: `if x > 2:` is True, so line 5 runs next."
- concise (`concise=True`): one short regular line per event ("x = 3", "x > 2 -> True", "return 6"),
  capped at `max_events` lines — what a 1-5M-parameter model can learn (docs/training.md).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from codereasoner.records import Run, Task, Trace, Value
from codereasoner.tasks import get_kind
from codereasoner.tasks.frames import LineRun, TraceShapeError, changed_vars, line_runs

CONCISE_MAX_EVENTS = 12  # ~100 tokens with a 512-token BPE: fits the tiny model's short contexts
FULL_MAX_EVENTS = 60
_HEADER = re.compile(r"^(if|elif|while)\s+(.*):\s*$")
_FOR = re.compile(r"^(async\s+)?for\s+(.*?)\s+in\s+(.*):\s*$")
_EMPTY_REASONING = re.compile(r"<reasoning>\s*</reasoning>")


@dataclass(frozen=True)
class Event:
    """One thing worth saying about one step; `run` is the LineRun index (-1 for the final result)."""

    run: int
    line: int
    text: str


def _short(value: Value) -> str:
    return value.repr


def frame_returns(trace: Trace) -> dict[int, Value | None]:
    """Frame number (order of `call` steps, as tasks.frames numbers them) → its returned value."""
    stack: list[int] = []
    frames = 0
    out: dict[int, Value | None] = {}
    for step in trace.steps:
        if step.event == "call":
            stack.append(frames)
            frames += 1
        elif step.event == "return" and stack:
            out[stack.pop()] = step.value
    return out


def events(task: Task, run: Run, *, concise: bool) -> list[Event]:
    """Every event of the traced run, in order, worded in the chosen register."""
    if run.trace is None:
        raise ValueError(f"task {task.id}: a trace-guided chain needs a traced run")
    lines = task.code.split("\n")
    runs = line_runs(run.trace)
    returns = frame_returns(run.trace)
    out: list[Event] = []
    for i, lr in enumerate(runs):
        src = lines[lr.line - 1].strip() if 0 < lr.line <= len(lines) else ""
        out += _describe(i, lr, src, returns, concise)
    return out


def _describe(i: int, lr: LineRun, src: str, returns: dict[int, Value | None], concise: bool) -> list[Event]:
    changed = changed_vars(lr)
    after = lr.after or {}
    where = f"Line {lr.line}"
    header = _HEADER.match(src)
    if header:
        cond = header.group(2).strip()
        if lr.next_line is None:
            return []
        taken = lr.next_line == lr.line + 1
        if concise:
            return [Event(i, lr.line, f"{cond} -> {taken}")]
        nxt = "the function returns" if lr.next_line == -1 else f"line {lr.next_line} runs next"
        return [Event(i, lr.line, f"{where}: `{cond}` is {taken}, so {nxt}.")]
    loop = _FOR.match(src)
    if loop:
        if lr.next_line is None:
            return []
        if lr.next_line == lr.line + 1:  # into the body: the loop variables took the next item
            names = [n for n in _targets(loop.group(2)) if n in after] or changed
            vals = ", ".join(f"{n} = {_short(after[n])}" for n in names)
            return [Event(i, lr.line, vals if concise else f"{where}: the loop takes {vals}.")]
        return [Event(i, lr.line, "loop ends" if concise else f"{where}: `{loop.group(3)}` is exhausted; the loop ends.")]
    if src.startswith("return") and lr.next_line == -1:
        value = returns.get(lr.frame)
        shown = value.repr if value is not None else "None"
        if concise:
            return [Event(i, lr.line, f"return {shown}")]
        return [Event(i, lr.line, f"{where}: `{src}` returns {shown}{'' if lr.func == 'f' else f' from {lr.func}'}.")]
    if not changed:
        same = [n for n in _assigned(src) if n in after]
        if same:  # an assignment that left the value as it was: still worth saying
            vals = ", ".join(f"{n} = {_short(after[n])}" for n in same)
            return [Event(i, lr.line, vals if concise else f"{where}: `{src}` leaves {vals}.")]
        return [] if concise else [Event(i, lr.line, f"{where}: `{src}` runs.")]
    vals = ", ".join(f"{n} = {_short(after[n])}" for n in changed)
    return [Event(i, lr.line, vals if concise else f"{where}: `{src}` gives {vals}.")]


def _targets(text: str) -> list[str]:
    """Names bound by a `for` target such as `i, (a, b)`."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return []
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]


def _assigned(src: str) -> list[str]:
    """Plain names a one-line assignment (`x = …`, `x += …`, `a, b = …`) binds; [] for anything else."""
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return []
    if len(tree.body) != 1:
        return []
    stmt = tree.body[0]
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    else:
        return []
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def cap(evts: list[Event], limit: int) -> list[Event]:
    """At most `limit` events: the first ones and the last ones, with one "..." between."""
    if len(evts) <= limit:
        return evts
    tail = max(2, limit // 3)
    head = limit - tail - 1
    return evts[:head] + [Event(-1, 0, "...")] + evts[-tail:]


def _occurrence_index(task: Task, run: Run) -> int | None:
    """The LineRun index of the k-th run of question.line (next_line/state questions)."""
    q = task.question
    if "line" not in q or "occurrence" not in q:
        return None
    for i, lr in enumerate(line_runs(run.trace)):  # type: ignore[arg-type]
        if lr.line == q["line"] and lr.occurrence == q["occurrence"]:
            return i
    return None


def _conclusion(task: Task, run: Run, concise: bool) -> str:
    q, a = task.question, task.answer
    if task.kind == "output":
        return f"output: {a}" if concise else f"So the call returns {a}."
    if task.kind == "input":
        return f"f({a}) -> {q.get('output')}" if concise else \
            f"So calling with {a} gives {q.get('output')}, the required output."
    if task.kind == "coverage":
        ran = "yes" if a in (True, "yes") else "no"
        return f"line {q.get('line')} runs: {ran}" if concise else \
            f"Line {q.get('line')} {'runs' if ran == 'yes' else 'never runs'}."
    if task.kind == "next_line":
        nxt = "return" if a == -1 else f"line {a}"
        return f"next: {nxt}" if concise else (
            f"After that run of line {q.get('line')}, " + ("the function returns." if a == -1 else f"line {a} runs next."))
    if task.kind == "path" and isinstance(a, list) and a:
        nxt = "return" if a[0] == -1 else f"line {a[0]}"
        return f"after line {q.get('line')}: {nxt}" if concise else (
            f"After line {q.get('line')}, " + ("the function returns (or the line never runs)." if a[0] == -1
                                                else f"line {a[0]} runs next."))
    if task.kind == "state" and isinstance(a, dict):
        return f"{q.get('var')} = {a.get('repr')}; {a.get('type')}" if concise else \
            f"Right after that, {q.get('var')} is {a.get('repr')} (a {a.get('type')})."
    return ""


def chain(task: Task, run: Run, *, concise: bool = False, max_events: int | None = None) -> str:
    """The reasoning text for `task` (one event per line), ending with the conclusion."""
    limit = max_events or (CONCISE_MAX_EVENTS if concise else FULL_MAX_EVENTS)
    evts = events(task, run, concise=concise)
    stop = _occurrence_index(task, run) if task.kind in ("next_line", "state") else None
    if stop is not None:  # the question is about one moment: narrate up to it and the step after
        evts = [e for e in evts if e.run <= stop]
    opening = []
    if task.kind == "input":
        opening = [f"try f({task.answer})" if concise else f"Try the call f({task.answer})."]
    body = [e.text for e in cap(evts, limit)]
    end = _conclusion(task, run, concise)
    return "\n".join(opening + body + ([end] if end else []))


def _anchor_segments(task: Task, run: Run, concise: bool, limit: int) -> list[str]:
    """StepCodeReasoner: one reasoning text per <reasoning> block (optional input, each print, final)."""
    evts = events(task, run, concise=concise)
    lines = task.code.split("\n")
    runs = line_runs(run.trace)  # type: ignore[arg-type]
    print_runs = [i for i, lr in enumerate(runs) if lines[lr.line - 1].strip().startswith("print(")]
    prints = task.answer.get("prints", []) if isinstance(task.answer, dict) else []
    segments: list[str] = []
    if task.question.get("mode") == "input":
        args = task.answer.get("input", "") if isinstance(task.answer, dict) else ""
        segments.append(f"try f({args})" if concise else
                        f"The call must return {task.question.get('output')}; try f({args}) and check it step by step.")
    start = -1
    for k, stop in enumerate(print_runs[: len(prints)]):
        part = [e.text for e in cap([e for e in evts if start < e.run < stop], limit)]
        part.append(f"print -> {prints[k]}" if concise else f"So the print shows `{prints[k]}`.")
        segments.append("\n".join(part))
        start = stop
    tail = [e.text for e in cap([e for e in evts if e.run > start], limit)]
    result = task.answer.get("result") if isinstance(task.answer, dict) else None
    tail.append(f"output: {result}" if concise else f"So the assertion is completed with {result}.")
    segments.append("\n".join(tail))
    return segments


def completion_from_trace(task: Task, run: Run, *, style: str | None = None, concise: bool = False,
                          max_events: int | None = None) -> str:
    """The whole completion: the kind's gold answer in `style`, its <reasoning> blocks filled from the trace."""
    kind = get_kind(task.kind)
    style = style or str(task.meta.get("style") or kind.styles[0])
    minimal = kind.format_answer(task, "minimal").strip() if concise and "minimal" in kind.styles else ""
    if minimal and "<answer>" not in minimal:  # kinds whose minimal answer is the bare value (output, input)
        return f"<reasoning>\n{chain(task, run, concise=True, max_events=max_events)}\n</reasoning>\n" \
               f"<answer>\n{minimal}\n</answer>"
    gold = kind.format_answer(task, style)
    blocks = _EMPTY_REASONING.findall(gold)
    if task.kind == "anchors":
        texts = _anchor_segments(task, run, concise, max_events or (CONCISE_MAX_EVENTS if concise else FULL_MAX_EVENTS))
    else:
        texts = [chain(task, run, concise=concise, max_events=max_events)]
    if not blocks:
        if style == "direct":  # CRUXEval direct prompting: the completion is the answer alone
            return gold
        if style == "cot":  # the CRUXEval CoT prompt ends with "[THOUGHT]"; the gold starts "[/THOUGHT]"
            return f"{texts[-1]}\n{gold}"
        body = gold.strip() if "<answer>" in gold else f"<answer>\n{gold.strip()}\n</answer>"
        return f"<reasoning>\n{texts[-1]}\n</reasoning>\n{body}"
    texts = (texts + [""] * len(blocks))[: len(blocks)] if len(texts) >= len(blocks) else \
        [""] * (len(blocks) - len(texts)) + texts
    it = iter(texts)
    return _EMPTY_REASONING.sub(lambda m: f"<reasoning>\n{next(it)}\n</reasoning>", gold)


def traced_runs(tasks: Sequence[Task], executor: Any, *, max_steps: int = 10_000) -> list[Run]:
    """Run each task's program (`code` + `call`) with the tracer: the runs chains are written from."""
    import dataclasses

    from codereasoner.execution import ExecLimits, trust_for
    from codereasoner.records import Program

    programs = [Program(id=t.id, code=t.code, call=t.call, source="rationale") for t in tasks]
    base = getattr(executor, "limits", None)  # keep the pool's memory limit: changing it restarts workers
    limits = dataclasses.replace(base, max_steps=max_steps) if isinstance(base, ExecLimits) else \
        ExecLimits(max_steps=max_steps)
    return executor.run(programs, trace=True, limits=limits, trust=trust_for(t.meta.get("source") for t in tasks))


def safe_completion(task: Task, run: Run, **kwargs: Any) -> str | None:
    """`completion_from_trace`, or None when the run has no usable trace (failed, truncated, malformed)."""
    if not run.ok or run.trace is None or run.trace.truncated:
        return None
    try:
        return completion_from_trace(task, run, **kwargs)
    except (TraceShapeError, ValueError, KeyError, IndexError):
        return None
