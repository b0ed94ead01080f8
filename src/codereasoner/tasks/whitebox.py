"""Tasks stage: whitebox — ExecVerify's io_mixed item: the assertion plus next-statement and state questions.

One numbered-line prompt (extract_trace_dataset.get_io_mixed_prompt, docs/recipes.md) asks Question1 "fill
the assertion", then up to `limit` next-statement and `limit` state questions (ExecVerify: 5 + 5, path
questions first). The completion answers one per line inside <answer>. `Verdict.correct` is the assertion;
`Verdict.parts` = {"q1": assertion, "q2": …} in question order, so a reward can weigh the white-box part
(ExecVerify: R = 2·(0.5 + 0.5·acc) when the assertion holds, else 0). When the number of answer lines is
not 1 + #questions, every question part is False and `Verdict.meta["count_mismatch"]` is True.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from codereasoner.records import Program, Run, Task, Verdict, VerdictStatus
from codereasoner.tasks import TASK_KINDS, prompts
from codereasoner.tasks import next_line as nl
from codereasoner.tasks import state as st
from codereasoner.tasks.answers import (
    extract_tag,
    output_answer,
    parse_literal,
    python_equal,
    same_value,
    split_assertion,
)
from codereasoner.tasks.base import Parsed, TaskKind, answer_block, literal_result_call, make_task
from codereasoner.tasks.output import perturb_value
from codereasoner.tasks.selection import pick


@TASK_KINDS.register("whitebox")
class WhiteBox(TaskKind):
    name = "whitebox"
    styles = ("execverify", "minimal")
    white_box = True

    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        parts = literal_result_call(program, run, self.options.max_answer_chars)
        if parts is None:
            return
        # ExecVerify shuffles each pool and keeps the first `limit` (5 path + 5 state); trivial questions
        # (what follows a return, the state after `x = <literal>`) only fill, at most one of each.
        paths = nl.candidates(program, run, self.options.selection)
        states = st.candidates(program, run, self.options.selection, self.options.max_answer_chars)
        paths = pick("next_line", program.code, paths, self.options.limit, rng)  # trivial ones last, at most one
        states = pick("state", program.code, states, self.options.limit, rng)
        if not paths and not states:
            self.drops["no_white_box_question"] += 1
            return
        if len(paths) + len(states) < self.options.min_questions:
            self.drops["too_few_questions"] += 1
            return
        items = [{"kind": "next_line", **q} for q, _ in paths] + [{"kind": "state", **q} for q, _ in states]
        answers = [a for _, a in paths] + [a for _, a in states]
        question = {"func": parts.func, "input": parts.args, "items": items}
        yield make_task(self, program, run, 0, question, {"output": run.result, "items": answers}, recipe=recipe)

    def render(self, task: Task, style: str) -> str:
        if style not in self.styles:
            raise ValueError(f"task kind 'whitebox' has no prompt style {style!r}")
        q = task.question
        if style == "minimal":  # the tiny model's register: same questions and answer lines, few tokens
            asked = [prompts.fill(prompts.WHITEBOX_MINIMAL_NEXT if item["kind"] == "next_line" else
                                  prompts.WHITEBOX_MINIMAL_STATE, line=str(item["line"]),
                                  occurrence=str(item["occurrence"]), var=item.get("var", "")) for item in q["items"]]
            return "\n".join([prompts.numbered(task.code.rstrip("\n")), f">>> {q['func']}({q['input']})", *asked, ""])
        code = f"{task.code.rstrip(chr(10))}\n\nassert {q['func']}({q['input']}) == ????\n"
        asked = ["Question1: Fill the assertion statement."]
        for i, item in enumerate(q["items"], 2):
            template = prompts.WHITEBOX_NEXT_LINE_Q if item["kind"] == "next_line" else prompts.WHITEBOX_STATE_Q
            text = prompts.fill(template, **nl.line_fields(task, item))
            asked.append(f"Question{i}: {text}.")
        blocks = [prompts.WHITEBOX_INTRO, prompts.WHITEBOX_EXAMPLE.strip() + "\n",
                  "Your task (this is the ONLY part you should answer):\n", "Here is the code content:\n",
                  prompts.numbered(code),
                  "\nHere are the questions (answer in the exact order listed; if numbers repeat, follow the "
                  "order of appearance):", *asked, prompts.WHITEBOX_GUIDELINES]  # one block each, as in the source
        return "\n\n".join(blocks)

    def system(self, task: Task, style: str) -> str | None:
        return prompts.EXECVERIFY_SYSTEM if style == "execverify" else None

    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        gold = task.answer if answer is None else answer
        q = task.question
        out = [f"assert {q['func']}({q['input']}) == {gold['output']}"]
        lines = task.code.split("\n")
        for item, a in zip(q["items"], gold["items"]):
            if item["kind"] == "next_line":
                out.append(lines[a - 1].strip() if isinstance(a, int) and 1 <= a <= len(lines) else str(a))
            else:
                out.append(st.state_answer_text(a) if isinstance(a, dict) else str(a))
        return answer_block("\n".join(out), style=style)

    def parse(self, completion: str, task: Task) -> Parsed:
        region = extract_tag(completion, "answer")
        if region is None:
            return Parsed(error="no <answer> block")
        lines = [ln.strip() for ln in region.split("\n") if ln.strip()]
        if not lines or "==" not in lines[0] or split_assertion(lines[0]) is None:
            return Parsed(error="the first answer line is not an assertion", text=region)
        try:
            output = parse_literal(output_answer(lines[0]))
        except ValueError as e:
            return Parsed(error=f"assertion: {e}", text=region)
        answers = []
        for item, line in zip(task.question["items"], lines[1:]):
            if item["kind"] == "next_line":
                answers.append(nl.parse_line_answer(line, task.code))
            else:
                answers.append(st.parse_state_answer(line))
        return Parsed({"output": output, "items": answers, "count": len(lines) - 1}, True, text=region)

    def check(self, task: Task, parsed: Parsed) -> Verdict:
        if not parsed.ok:
            return Verdict(task.id, False, VerdictStatus.UNPARSABLE, parsed.error)
        items = task.question["items"]
        expected = parse_literal(task.answer["output"])
        assertion = same_value(expected, parsed.value["output"])
        mismatch = parsed.value["count"] != len(items)
        parts = {"q1": assertion}
        for i, (item, gold, got) in enumerate(zip(items, task.answer["items"], parsed.value["items"]), 2):
            if mismatch or not got.ok:
                parts[f"q{i}"] = False
            elif item["kind"] == "next_line":
                parts[f"q{i}"] = gold in got.value
            else:
                parts[f"q{i}"] = st.judge_state(gold, got)
        for i in range(len(parts) + 1, len(items) + 2):
            parts[f"q{i}"] = False  # unanswered questions
        status = VerdictStatus.CORRECT if assertion else VerdictStatus.WRONG
        detail = f"assertion {'holds' if assertion else 'fails'}; {sum(parts.values()) - assertion}/{len(items)} " \
                 "white-box answers right"
        return Verdict(task.id, assertion, status, detail, parts,
                       {"count_mismatch": mismatch, "assertion_equal": python_equal(expected, parsed.value["output"])})

    def perturb(self, task: Task, rng: random.Random) -> dict[str, Any]:
        """A wrong output with every white-box answer kept: the verdict must still be wrong."""
        from codereasoner.tasks.answers import literal_source

        return {"output": literal_source(perturb_value(parse_literal(task.answer["output"]), rng)),
                "items": task.answer["items"]}
