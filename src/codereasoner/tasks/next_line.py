"""Tasks stage: next_line — which line runs next in the same frame after the k-th run of line L (or -1).

DESIGN.md: `question = {line: L, occurrence: k}`, `answer` = the next line of the same frame, -1 when the
frame returns or raises first; a line that never runs is asked with k = 1 and answer -1 (REval/ExecVerify:
"if the statement is never reached, answer -1"). Selection `execverify` keeps ExecVerify's rules (SEEDS.md
§2.1 step 10): lines with if/elif/for/while on either side or a non-sequential jump, never a line jumping to
itself, no `else` lines or lines of ≤ 5 characters; `uniform` takes any run. Answers are the verbatim source
line (as the prompts ask) or a line number; any line whose text matches counts (REval's path matching).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

from codereasoner.records import Program, Run, Task, Verdict
from codereasoner.tasks import TASK_KINDS, prompts
from codereasoner.tasks.answers import extract_answer_block, extract_tag, strip_fences
from codereasoner.tasks.base import Parsed, TaskKind, make_task, unparsable, verdict
from codereasoner.tasks.frames import (
    TraceShapeError,
    in_named_frame,
    line_runs,
    ordinal,
    statement_lines,
)

REASONING_STYLES = ("execverify", "codereasoner")
_BRANCHY = re.compile(r"^(if|elif|for|while)\b")


def candidates(program: Program, run: Run, selection: str) -> list[tuple[dict[str, Any], int]]:
    """(question, answer) pairs the trace supports, in trace order then unexecuted lines."""
    if run.trace is None:
        return []
    try:
        runs = line_runs(run.trace)
    except TraceShapeError:
        return []
    lines = program.code.split("\n")
    shared = {r.line for r in runs if not in_named_frame(r)}  # lines also run by comprehension frames
    out: list[tuple[dict[str, Any], int]] = []
    for r in runs:
        if r.next_line is None or r.line in shared or not in_named_frame(r):
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


def answer_text(text: str) -> str:
    """The answer region of a completion: [ANSWER] block, else last <answer> block, else the text."""
    block = extract_answer_block(text)
    if block is None:
        block = extract_tag(text, "answer")
    return strip_fences(text if block is None else block)


def parse_line_answer(text: str, code: str) -> Parsed:
    """A next-line answer: -1, a line number, or source text matched (stripped) against the code's lines."""
    first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    if not first:
        return Parsed(error="empty answer")
    if re.fullmatch(r"[-+]?\d+", first):
        return Parsed((int(first),), True, text=first)
    matches = tuple(i for i, ln in enumerate(code.split("\n"), 1) if ln.strip() and ln.strip() == first)
    return Parsed(matches, True, text=first)


@TASK_KINDS.register("next_line")
class NextLine(TaskKind):
    name = "next_line"
    styles = REASONING_STYLES

    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        pool = candidates(program, run, self.options.selection)
        if not pool:
            self.drops["no_candidate"] += 1
        picked = rng.sample(pool, min(self.options.limit, len(pool)))
        for i, (question, answer) in enumerate(picked):
            yield make_task(self, program, run, i, question, answer, recipe=recipe)

    def render(self, task: Task, style: str) -> str:
        if style not in REASONING_STYLES:
            raise ValueError(f"task kind 'next_line' has no prompt style {style!r}")
        q = task.question
        return prompts.fill(prompts.NEXT_LINE_REASONING, numbered=prompts.numbered(task.code.rstrip("\n")),
                            invocation=task.call, line=str(q["line"]), ordinal=ordinal(q["occurrence"]),
                            codeline=task.code.split("\n")[q["line"] - 1])

    def system(self, task: Task, style: str) -> str | None:
        return prompts.EXECVERIFY_SYSTEM

    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        line = task.answer if answer is None else answer
        lines = task.code.split("\n")
        text = lines[line - 1] if isinstance(line, int) and 1 <= line <= len(lines) else str(line)
        return f"<reasoning>\n</reasoning>\n<answer>\n{text}\n</answer>"

    def parse(self, completion: str, task: Task) -> Parsed:
        return parse_line_answer(answer_text(completion), task.code)

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
