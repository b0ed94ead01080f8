"""Tasks stage: output prediction (CRUXEval-O) — given the code and the call, predict `repr` of the result.

Ground truth is the engine's `Run.result`. Only results that are literals `parse_literal` reads (and are at
most `max_answer_chars` long) become tasks, so the strict check never needs to execute anything.
"""

from __future__ import annotations

import dataclasses

import random
from collections.abc import Iterator
from typing import Any

from codereasoner.records import Program, Run, Task, Verdict
from codereasoner.tasks import TASK_KINDS, prompts
from codereasoner.tasks.answers import literal_source, output_answer, parse_literal, python_equal, same_value
from codereasoner.tasks.base import (
    Parsed,
    TaskKind,
    literal_result_call,
    make_task,
    parse_text_or_first_line,
    reasoning_block,
    unparsable,
    verdict,
)

REASONING_STYLES = ("codereasoner", "execverify")


@TASK_KINDS.register("output")
class OutputPrediction(TaskKind):
    name = "output"
    styles = ("direct", "cot", "codereasoner", "execverify", "minimal")

    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        parts = literal_result_call(program, run, self.options.max_answer_chars)
        if parts is None:
            return
        question = {"func": parts.func, "input": parts.args}
        yield make_task(self, program, run, 0, question, run.result, recipe=recipe)

    def render(self, task: Task, style: str) -> str:
        q = task.question
        if style == "direct":
            return prompts.fill(prompts.OUTPUT_DIRECT, code=task.code.rstrip("\n"), func=q["func"], input=q["input"])
        if style == "cot":
            return prompts.fill(prompts.OUTPUT_COT, code=task.code.rstrip("\n"), func=q["func"], input=q["input"])
        if style in REASONING_STYLES:
            return prompts.fill(prompts.ASSERTION_REASONING, code=task.code.rstrip("\n"), func=q["func"],
                                args=q["input"], output="????")
        if style == "minimal":
            return prompts.fill(prompts.OUTPUT_MINIMAL, code=task.code.rstrip("\n"), call=task.call)
        raise ValueError(f"task kind 'output' has no prompt style {style!r}")

    def system(self, task: Task, style: str) -> str | None:
        return prompts.EXECVERIFY_SYSTEM if style in REASONING_STYLES else None

    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        value = task.answer if answer is None else answer
        assertion = f"assert {task.question['func']}({task.question['input']}) == {value}"
        return assertion_completion(assertion, style) or f"{value}\n"

    def parse(self, completion: str, task: Task) -> Parsed:
        return parse_text_or_first_line(output_answer(completion), parse_literal)

    def check(self, task: Task, parsed: Parsed) -> Verdict:
        if not parsed.ok:
            return unparsable(task, parsed)
        gold = parse_literal(task.answer)
        ok = same_value(gold, parsed.value)
        v = verdict(task, ok, "" if ok else f"expected {task.answer}, got {parsed.text}")
        return dataclasses.replace(v, meta={"assertion_equal": python_equal(gold, parsed.value)})

    def perturb(self, task: Task, rng: random.Random) -> str:
        return literal_source(perturb_value(parse_literal(task.answer), rng))


def assertion_completion(assertion: str, style: str) -> str | None:
    """A completion in a CRUXEval-style `style` whose answer is `assertion`; None for the bare `minimal`."""
    if style == "direct":
        return f"{assertion}\n[/ANSWER]"
    if style == "cot":
        return f"[/THOUGHT]\n[ANSWER]\n{assertion}\n[/ANSWER]"
    if style in REASONING_STYLES:
        return reasoning_block(f"```python\n{assertion}\n```")
    return None


def perturb_value(value: Any, rng: random.Random) -> Any:
    """A value of a similar shape that `same_value` tells apart from `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + rng.choice([-2, -1, 1, 2])
    if isinstance(value, float):
        return 0.5 if value != value else value + rng.choice([-1.5, 1.0, 2.5])
    if isinstance(value, str):
        return value + rng.choice("abxyz!")
    if isinstance(value, bytes):
        return value + b"x"
    if isinstance(value, list):
        return value[:-1] if value else [0]
    if isinstance(value, tuple):
        return value[:-1] if value else (0,)
    if isinstance(value, dict):
        return {**value, "__perturbed__": 0}
    if isinstance(value, (set, frozenset)):
        return type(value)({*value, "__perturbed__"})
    if value is None:
        return 0
    return None
