"""Tasks stage: path — REval's Execution Path Prediction: the next line after line L, over all its runs.

`question = {line: L}`, `answer` = the sorted distinct lines that run next in the same frame after any run of
L (-1 among them when the frame returned right after L), or [-1] when L never runs — REval's
`get_next_line` restricted to the frame, as its prompt asks ("the next line of code to be executed inside
the function"). An answer is correct when any line it names is in the set (REval's any-match).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from codereasoner.records import Program, Run, Task, Verdict
from codereasoner.tasks import TASK_KINDS, prompts
from codereasoner.tasks.answers import answer_region
from codereasoner.tasks.base import Parsed, TaskKind, make_task, reasoning_block, unparsable, verdict
from codereasoner.tasks.frames import in_named_frame, statement_lines, traced_runs
from codereasoner.tasks.next_line import parse_line_answer

REASONING_STYLES = ("codereasoner", "execverify")


def next_lines(program: Program, run: Run) -> dict[int, list[int]]:
    """Line → sorted distinct next lines, for every statement line whose answer the trace fully knows."""
    runs = traced_runs(run)
    if runs is None or run.trace is None:
        return {}
    found: dict[int, set[int]] = {}
    unknown: set[int] = set()
    for r in runs:
        if not in_named_frame(r):
            unknown.add(r.line)  # shared with a comprehension frame: "next line" is ambiguous
        elif r.next_line is None:
            unknown.add(r.line)
        else:
            found.setdefault(r.line, set()).add(r.next_line)
    out = {line: sorted(nxt) for line, nxt in found.items() if line not in unknown}
    if not run.trace.truncated:
        for line in statement_lines(program.code):
            if line not in found and line not in unknown:
                out[line] = [-1]
    return dict(sorted(out.items()))


@TASK_KINDS.register("path")
class PathPrediction(TaskKind):
    name = "path"
    styles = ("direct", *REASONING_STYLES)
    white_box = True

    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        table = next_lines(program, run)
        if not table:
            self.drops["no_candidate"] += 1
        picked = sorted(rng.sample(sorted(table), min(self.options.limit, len(table))))
        for i, line in enumerate(picked):
            yield make_task(self, program, run, i, {"line": line}, table[line], recipe=recipe)

    def render(self, task: Task, style: str) -> str:
        line = task.question["line"]
        codeline = task.code.split("\n")[line - 1]
        code = task.code.rstrip("\n")
        if style == "direct":
            # REval shows HumanEval code with "N\t" line numbers in the path task only.
            return prompts.fill(prompts.PATH_DIRECT, code="".join(f"{i}\t{ln}\n" for i, ln in
                                                                  enumerate(code.split("\n"), 1)).rstrip("\n"),
                                invocation=task.call, invocation_abbr=task.call, codeline=codeline)
        if style in REASONING_STYLES:
            return prompts.fill(prompts.PATH_REASONING, numbered=prompts.numbered(code), invocation=task.call,
                                codeline=codeline)
        raise ValueError(f"task kind 'path' has no prompt style {style!r}")

    def system(self, task: Task, style: str) -> str | None:
        return prompts.EXECVERIFY_SYSTEM if style in REASONING_STYLES else None

    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        line = (task.answer[0] if answer is None else answer)
        lines = task.code.split("\n")
        text = lines[line - 1].strip() if isinstance(line, int) and 1 <= line <= len(lines) else str(line)
        return f"{text}\n[/ANSWER]" if style == "direct" else reasoning_block(text)

    def parse(self, completion: str, task: Task) -> Parsed:
        return parse_line_answer(answer_region(completion), task.code)

    def check(self, task: Task, parsed: Parsed) -> Verdict:
        if not parsed.ok:
            return unparsable(task, parsed)
        ok = any(line in task.answer for line in parsed.value)
        return verdict(task, ok, "" if ok else f"expected one of {task.answer}, got {parsed.text!r}")

    def perturb(self, task: Task, rng: random.Random) -> int:
        if -1 not in task.answer:
            return -1
        lines = task.code.split("\n")
        gold = {lines[a - 1].strip() for a in task.answer if a > 0}
        options = [ln for ln in statement_lines(task.code) if lines[ln - 1].strip() not in gold]
        return rng.choice(options) if options else 0
