"""Tasks stage: input prediction (CRUXEval-I) — given the code and an output, find arguments that produce it.

Ground truth: `question.output` is the engine's `Run.result`; `answer` is the argument source of `call`
(one valid input; any other input producing an equal value is also correct). Checking runs `f` on the
*parsed literal values* of the answer in the executor — the model's text itself is never executed.
"""

from __future__ import annotations

import dataclasses

import random
from collections.abc import Iterator, Sequence
from typing import Any

from codereasoner.execution.limits import trust_for
from codereasoner.records import Program, Run, RunStatus, Task, Verdict, VerdictStatus
from codereasoner.tasks import TASK_KINDS, prompts
from codereasoner.tasks.answers import (
    call_source,
    input_answer,
    parse_call_args,
    parse_literal,
    python_equal,
    same_value,
)
from codereasoner.tasks.base import (
    Parsed,
    TaskKind,
    literal_result_call,
    make_task,
    parse_text_or_first_line,
    unparsable,
    verdict,
)
from codereasoner.tasks.output import REASONING_STYLES, assertion_completion

# A run that ended like this says nothing about the answer: no verdict (and no reward) for it.
_SANDBOX_FAILURES = (RunStatus.CRASHED, RunStatus.INVALID)


@TASK_KINDS.register("input")
class InputPrediction(TaskKind):
    name = "input"
    styles = ("direct", "cot", "codereasoner", "execverify", "minimal")

    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        parts = literal_result_call(program, run, self.options.max_answer_chars)
        if parts is None or len(parts.args) > self.options.max_answer_chars:
            return
        try:
            parse_call_args(parts.args, parts.func)  # the gold answer must pass the strict parser itself
        except ValueError:
            return
        question = {"func": parts.func, "output": run.result}
        yield make_task(self, program, run, 0, question, parts.args, recipe=recipe)

    def render(self, task: Task, style: str) -> str:
        q = task.question
        if style == "direct":
            return prompts.fill(prompts.INPUT_DIRECT, code=task.code.rstrip("\n"), func=q["func"], output=q["output"])
        if style == "cot":
            return prompts.fill(prompts.INPUT_COT, code=task.code.rstrip("\n"), func=q["func"], output=q["output"])
        if style in REASONING_STYLES:
            return prompts.fill(prompts.ASSERTION_REASONING, code=task.code.rstrip("\n"), func=q["func"], args="????",
                                output=q["output"])
        if style == "minimal":
            return prompts.fill(prompts.INPUT_MINIMAL, code=task.code.rstrip("\n"), func=q["func"], output=q["output"])
        raise ValueError(f"task kind 'input' has no prompt style {style!r}")

    def system(self, task: Task, style: str) -> str | None:
        return prompts.EXECVERIFY_SYSTEM if style in REASONING_STYLES else None

    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        args = task.answer if answer is None else answer
        assertion = f"assert {task.question['func']}({args}) == {task.question['output']}"
        return assertion_completion(assertion, style) or f"{args}\n"

    def parse(self, completion: str, task: Task) -> Parsed:
        func = task.question["func"]
        return parse_text_or_first_line(input_answer(completion, func), lambda text: parse_call_args(text, func))

    def check_batch(self, items: Sequence[tuple[Task, Parsed]], executor: Any = None) -> list[Verdict]:
        out: list[Verdict | None] = [None] * len(items)
        programs, where = [], []
        for i, (task, parsed) in enumerate(items):
            if not parsed.ok:
                out[i] = unparsable(task, parsed)
                continue
            args, kwargs = parsed.value
            try:
                call = call_source(task.question["func"], args, kwargs)
            except ValueError as e:
                out[i] = unparsable(task, Parsed(error=str(e)))
                continue
            programs.append(Program(id=task.id, code=task.code, call=call, source="check"))
            where.append(i)
        if programs:
            if executor is None:
                from codereasoner.execution import default_executor

                executor = default_executor()
            trust = trust_for(items[i][0].meta.get("source") for i in where)  # literal args; whose f?
            for i, run in zip(where, executor.run(programs, trust=trust)):
                out[i] = _judge(items[i][0], run)
        return [v for v in out if v is not None]

    def perturb(self, task: Task, rng: random.Random) -> str:
        # One argument too many: f raises TypeError, so the answer is wrong whatever f computes.
        return f"{task.answer}, None" if task.answer.strip() else "None"


def _judge(task: Task, run: Run) -> Verdict:
    if run.status in _SANDBOX_FAILURES:
        return Verdict(task.id, False, VerdictStatus.SANDBOX_ERROR, f"{run.status}: {run.error or ''}".strip())
    if not run.ok or run.result is None:
        # An input that makes f raise or run out of time is a wrong input, not a sandbox failure
        # (otherwise a model could dodge every penalty by answering with a hanging input).
        return verdict(task, False, f"{run.status}: {run.error or ''}".strip())
    try:
        got = parse_literal(run.result)
    except ValueError:
        return verdict(task, False, f"f returned a non-literal {run.result[:80]}")
    expected = parse_literal(task.question["output"])
    ok = same_value(expected, got)
    v = verdict(task, ok, "" if ok else f"f returned {run.result[:200]}")
    return dataclasses.replace(v, meta={"assertion_equal": python_equal(expected, got)})
