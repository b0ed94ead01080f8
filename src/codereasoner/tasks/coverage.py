"""Tasks stage: coverage — does line L run during the call? (REval's Code Coverage Prediction.)

`question = {line: L}`, `answer` = whether L is in the trace's coverage. Lines are statement lines inside
functions (the lines a trace can report). Questions are balanced between lines that run and lines that do
not; "does not run" is only asked when the trace is complete. Answers are YES/NO, read as REval does: the
first three characters must contain exactly one of YES and NO.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from codereasoner.records import Program, Run, Task, Verdict
from codereasoner.tasks import TASK_KINDS, prompts
from codereasoner.tasks.answers import answer_region
from codereasoner.tasks.base import Parsed, TaskKind, make_task, reasoning_block, unparsable, verdict
from codereasoner.tasks.frames import statement_lines

REASONING_STYLES = ("codereasoner", "execverify")


@TASK_KINDS.register("coverage")
class Coverage(TaskKind):
    name = "coverage"
    styles = ("direct", *REASONING_STYLES)
    white_box = True

    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        if run.trace is None:
            return
        ran = set(run.trace.coverage)
        lines = statement_lines(program.code)
        yes = [ln for ln in lines if ln in ran]
        no = [] if run.trace.truncated else [ln for ln in lines if ln not in ran]
        # Balanced: half the questions (rounded up) about lines that do not run, when there are any.
        n_no = min(len(no), (self.options.limit + 1) // 2)
        n_yes = min(len(yes), self.options.limit - n_no)
        n_no = min(len(no), self.options.limit - n_yes)
        picked = sorted(rng.sample(yes, n_yes) + rng.sample(no, n_no))
        for i, line in enumerate(picked):
            yield make_task(self, program, run, i, {"line": line}, line in ran, recipe=recipe)

    def render(self, task: Task, style: str) -> str:
        line = task.question["line"]
        codeline = task.code.split("\n")[line - 1]
        code = task.code.rstrip("\n")
        if style == "direct":
            return prompts.fill(prompts.COVERAGE_DIRECT, code=code, invocation=task.call,
                                invocation_abbr=task.call, line=str(line), codeline=codeline)
        if style in REASONING_STYLES:
            return prompts.fill(prompts.COVERAGE_REASONING, numbered=prompts.numbered(code), invocation=task.call,
                                line=str(line), codeline=codeline)
        raise ValueError(f"task kind 'coverage' has no prompt style {style!r}")

    def system(self, task: Task, style: str) -> str | None:
        return prompts.EXECVERIFY_SYSTEM if style in REASONING_STYLES else None

    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        value = task.answer if answer is None else answer
        word = "YES" if value else "NO"
        return f"{word}\n[/ANSWER]" if style == "direct" else reasoning_block(word)

    def parse(self, completion: str, task: Task) -> Parsed:
        text = answer_region(completion).strip()
        head = text.upper()[:3]  # REval `_postprocess`: ans[:3], YES xor NO
        yes, no = "YES" in head, "NO" in head
        if yes == no:
            return Parsed(error="expected YES or NO", text=text[:40])
        return Parsed(yes, True, text=text[:3])

    def check(self, task: Task, parsed: Parsed) -> Verdict:
        if not parsed.ok:
            return unparsable(task, parsed)
        ok = parsed.value == task.answer
        truth = "runs" if task.answer else "does not run"
        return verdict(task, ok, "" if ok else f"line {task.question['line']} {truth}")

    def perturb(self, task: Task, rng: random.Random) -> bool:
        return not task.answer
