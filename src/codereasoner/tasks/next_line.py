"""Tasks stage: next_line — which line runs next in the same frame after the k-th run of line L (or -1).

docs/formats.md: `question = {line: L, occurrence: k}`, `answer` = the next line of the same frame, -1 when the
frame returns or raises first; a line that never runs is asked with k = 1 and answer -1 (REval/ExecVerify:
"if the statement is never reached, answer -1"). Selection `execverify` keeps ExecVerify's rules (docs/data.md):
lines with if/elif/for/while on either side or a non-sequential jump, never a line jumping to
itself, no `else` lines or lines of ≤ 5 characters; `uniform` takes any run. Answers are the verbatim source
line (as the prompts ask) or a line number; any line whose text matches counts (REval's path matching).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from typing import Any

from codereasoner.records import Program, Run, Task, Verdict
from codereasoner.tasks import TASK_KINDS, prompts
from codereasoner.tasks.answers import answer_region
from codereasoner.tasks.base import Parsed, TaskKind, reasoning_block, sample_tasks, unparsable, verdict
from codereasoner.tasks.frames import askable, ordinal, statement_lines, traced_runs

REASONING_STYLES = ("execverify", "codereasoner")
_BRANCHY = re.compile(r"^(if|elif|for|while)\b")


def candidates(program: Program, run: Run, selection: str) -> list[tuple[dict[str, Any], int]]:
    """(question, answer) pairs the trace supports, in trace order then unexecuted lines."""
    runs = traced_runs(run)
    if runs is None or run.trace is None:
        return []
    lines = program.code.split("\n")
    out: list[tuple[dict[str, Any], int]] = []
    for r in askable(runs):
        if r.next_line is None:
            continue
        if selection == "execverify" and not _execverify_keeps(lines, r.line, r.next_line):
            continue
        out.append(({"line": r.line, "occurrence": r.occurrence}, r.next_line))
    if not run.trace.truncated:  # on a cut trace, "never ran" is unknown
        ran = set(run.trace.coverage)
        for line in statement_lines(program.code):
            text = lines[line - 1].strip()
            if line in ran or (selection == "execverify" and (len(text) < 5 or text.startswith("else"))):
                continue
            out.append(({"line": line, "occurrence": 1}, -1))
    return out


def _execverify_keeps(lines: list[str], line: int, nxt: int) -> bool:
    text = lines[line - 1].strip()
    if text.startswith("else") or len(text) <= 5 or nxt == line:
        return False
    nxt_text = lines[nxt - 1].strip() if nxt > 0 else ""
    return bool(_BRANCHY.match(text) or _BRANCHY.match(nxt_text) or nxt != line + 1)


def parse_line_answer(text: str, code: str) -> Parsed:
    """A next-line answer: -1, a line number, or source text matched (stripped) against the code's lines."""
    first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    if not first:
        return Parsed(error="empty answer")
    if re.fullmatch(r"[-+]?\d+", first):
        return Parsed((int(first),), True, text=first)
    matches = tuple(i for i, ln in enumerate(code.split("\n"), 1) if ln.strip() and ln.strip() == first)
    return Parsed(matches, True, text=first)


def line_fields(task: Task, item: Mapping[str, Any]) -> dict[str, str]:
    """The prompt fields of a question about the k-th run of a line (`item` = {line, occurrence[, var]}):
    next_line, state and whitebox word their questions from the same ones."""
    return {"invocation": task.call, "line": str(item["line"]), "ordinal": ordinal(item["occurrence"]),
            "codeline": task.code.split("\n")[item["line"] - 1], "var": item.get("var", "")}


@TASK_KINDS.register("next_line")
class NextLine(TaskKind):
    name = "next_line"
    styles = REASONING_STYLES
    white_box = True

    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        pool = candidates(program, run, self.options.selection)
        yield from sample_tasks(self, program, run, rng, pool, recipe=recipe)

    def render(self, task: Task, style: str) -> str:
        if style not in REASONING_STYLES:
            raise ValueError(f"task kind 'next_line' has no prompt style {style!r}")
        return prompts.fill(prompts.NEXT_LINE_REASONING, numbered=prompts.numbered(task.code.rstrip("\n")),
                            **line_fields(task, task.question))

    def system(self, task: Task, style: str) -> str | None:
        return prompts.EXECVERIFY_SYSTEM

    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        line = task.answer if answer is None else answer
        lines = task.code.split("\n")
        text = lines[line - 1] if isinstance(line, int) and 1 <= line <= len(lines) else str(line)
        return reasoning_block(text)

    def parse(self, completion: str, task: Task) -> Parsed:
        return parse_line_answer(answer_region(completion), task.code)

    def check(self, task: Task, parsed: Parsed) -> Verdict:
        if not parsed.ok:
            return unparsable(task, parsed)
        ok = task.answer in parsed.value
        return verdict(task, ok, "" if ok else f"expected line {task.answer}, got {parsed.text!r}")

    def perturb(self, task: Task, rng: random.Random) -> int:
        """-1 for a line that has a successor; otherwise some statement line (its text is never "-1")."""
        if task.answer != -1:
            return -1
        options = statement_lines(task.code)
        return rng.choice(options) if options else 0
