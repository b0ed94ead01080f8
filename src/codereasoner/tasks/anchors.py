"""Tasks stage: anchors — StepCodeReasoner's step targets: predict every anchor print, then the answer.

docs/formats.md: `code` is the instrumented program (execution/anchors.instrument, AST rules, no teacher model),
`question.original_code` the program before, `answer = {prints: [each printed line], result: repr}`; the
instrumented program must return exactly what the original returns — checked by the engine for every task,
and tasks that fail are dropped and counted (as are samples printing more than `max_anchors` lines, §4.2).
Two directions (§3.2): output prediction (prints, then the output) and input prediction (first an <input>
commitment, then the prints *for that input*, then the answer). Verdict.correct is the final answer;
Verdict.parts = {"print1": …} compares each <print> block with the printed line at that position.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from codereasoner.execution.anchors import instrument, same_result
from codereasoner.execution.limits import trust_for
from codereasoner.records import Program, Run, RunStatus, Task, Verdict, VerdictStatus
from codereasoner.tasks import TASK_KINDS, prompts
from codereasoner.tasks.answers import (
    call_source,
    extract_tag,
    extract_tags,
    input_answer,
    literal_source,
    output_answer,
    parse_call_args,
    parse_literal,
    same_value,
)
from codereasoner.tasks.base import Parsed, TaskKind, answer_block, make_task, split_call, unparsable
from codereasoner.tasks.output import perturb_value


def printed_lines(stdout: str) -> list[str]:
    return stdout[:-1].split("\n") if stdout.endswith("\n") else (stdout.split("\n") if stdout else [])


def anchor_names(code: str) -> set[str]:
    """Labels of the anchor prints in instrumented code (`print(f'NAME: {...}')` lines)."""
    import re

    return set(re.findall(r"^\s*print\(f'(\w+): \{", code, re.M))


def print_matches(expected: str, got: str) -> bool:
    """A <print> block is right if it is the printed line `name: value`, whitespace-normalised.

    The name is required (the paper's rollouts print `swapped_argument: 6wrTqo`): a bare value could be
    any variable's. Runs of whitespace count as one space (a line break inside a block is formatting), and
    so does the space after the colon being absent or doubled.
    """
    def norm(text: str) -> str:
        name, sep, value = text.partition(":")
        return f"{name.strip()}: {' '.join(value.split())}" if sep else " ".join(text.split())

    return ":" in got and norm(got) == norm(expected)


@TASK_KINDS.register("anchors")
class Anchors(TaskKind):
    name = "anchors"
    styles = ("stepcodereasoner", "minimal")

    def derive(self, program: Program) -> Program | None:
        parts = split_call(program.call)
        if parts is None:
            return None
        try:
            code = instrument(program.code, self.options.max_anchors, entry=parts.func)
        except (SyntaxError, ValueError, RecursionError):
            return None
        return Program(id=f"{program.id}#anchors", code=code, call=program.call, source=program.source,
                       difficulty=program.difficulty)

    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        parts = split_call(program.call)
        reason = self._reject(program, run, derived, parts)
        if reason or parts is None or derived is None:  # _reject names why when either is None
            self.drops[reason] += 1
            return
        instrumented, irun = derived
        prints = printed_lines(irun.stdout)
        answer = {"prints": prints, "result": run.result}
        for i, mode in enumerate(self.options.anchor_modes):
            question: dict[str, Any] = {"mode": mode, "func": parts.func, "original_code": program.code}
            if mode == "output":
                question["input"] = parts.args
                yield make_task(self, program, run, i, question, answer, recipe=recipe, code=instrumented.code)
            else:
                try:
                    parse_call_args(parts.args, parts.func)
                except ValueError:
                    self.drops["non_literal_input"] += 1
                    continue
                question["output"] = run.result
                yield make_task(self, program, run, i, question, {**answer, "input": parts.args}, recipe=recipe,
                                code=instrumented.code)

    def _reject(self, program: Program, run: Run, derived: tuple[Program, Run] | None, parts: Any) -> str:
        if parts is None or derived is None:
            return "not_instrumentable"
        if not run.ok or run.result is None or len(run.result) > self.options.max_answer_chars:
            return "result_not_usable"
        try:
            parse_literal(run.result)
        except ValueError:
            return "result_not_usable"
        if run.stdout:
            return "program_prints"  # its own output would mix with the anchors
        instrumented, irun = derived
        if not same_result(run, irun):
            return "not_equivalent"  # the semantic check: the anchors changed what f returns
        prints = printed_lines(irun.stdout)
        if not prints:
            return "no_prints"
        if len(prints) > self.options.max_anchors:
            return "too_many_prints"
        names = anchor_names(instrumented.code)
        if any(line.split(": ", 1)[0] not in names or ": " not in line for line in prints):
            return "multiline_value"  # a printed value spans lines: the i-th line is no longer the i-th anchor
        if any(len(line) > self.options.max_answer_chars for line in prints):
            return "long_print"
        return ""

    def render(self, task: Task, style: str) -> str:
        if style not in self.styles:
            raise ValueError(f"task kind 'anchors' has no prompt style {style!r}")
        q = task.question
        code = task.code.rstrip("\n")
        if style == "minimal":  # the tiny model's register: the instrumented code and the call, no instructions
            if q["mode"] == "output":
                return prompts.fill(prompts.OUTPUT_MINIMAL, code=code, call=f"{q['func']}({q['input']})")
            return prompts.fill(prompts.INPUT_MINIMAL, code=code, func=q["func"], output=q["output"])
        if q["mode"] == "output":
            return prompts.fill(prompts.STEP_OUTPUT_USER, code=code, func=q["func"], args=q["input"])
        return prompts.fill(prompts.STEP_INPUT_USER, code=code, func=q["func"], output=q["output"])

    def system(self, task: Task, style: str) -> str | None:
        if style == "minimal":
            return None
        return prompts.STEP_OUTPUT_SYSTEM if task.question["mode"] == "output" else prompts.STEP_INPUT_SYSTEM

    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        gold = task.answer if answer is None else answer
        q = task.question
        blocks = []
        if q["mode"] == "input":
            blocks.append(answer_block(gold["input"], "input", style))
        blocks += [answer_block(line, "print", style) for line in gold["prints"]]
        if q["mode"] == "output":
            final = f"assert {q['func']}({q['input']}) == {gold['result']}"
        else:
            final = f"assert {q['func']}({gold['input']}) == {q['output']}"
        blocks.append(answer_block(final, "answer", style))
        return "\n".join(blocks)

    def parse(self, completion: str, task: Task) -> Parsed:
        prints = extract_tags(completion, "print")
        region = extract_tag(completion, "answer")
        if region is None:
            return Parsed({"prints": prints}, False, "no <answer> block")
        q = task.question
        try:
            if q["mode"] == "output":
                value = parse_literal(output_answer(region))
            else:
                text = input_answer(region, q["func"]) if "==" in region else (extract_tag(completion, "input") or "")
                value = parse_call_args(text, q["func"])
        except ValueError as e:
            return Parsed({"prints": prints}, False, str(e), region)
        return Parsed({"prints": prints, "value": value}, True, text=region)

    def check_batch(self, items: Sequence[tuple[Task, Parsed]], executor: Any = None) -> list[Verdict]:
        runs: dict[int, Run] = {}
        wanted = [(i, t, p) for i, (t, p) in enumerate(items) if p.ok and t.question["mode"] == "input"]
        programs = []
        for i, task, parsed in wanted:
            try:
                programs.append((i, Program(id=task.id, code=task.code, source="check",
                                            call=call_source(task.question["func"], *parsed.value["value"]))))
            except ValueError:
                continue
        if programs:
            if executor is None:
                from codereasoner.execution import default_executor

                executor = default_executor()
            trust = trust_for(items[i][0].meta.get("source") for i, _ in programs)  # literal args; whose f?
            runs = dict(zip([i for i, _ in programs], executor.run([p for _, p in programs], trust=trust)))
        return [self._judge(task, parsed, runs.get(i)) for i, (task, parsed) in enumerate(items)]

    def _judge(self, task: Task, parsed: Parsed, run: Run | None) -> Verdict:
        got = (parsed.value or {}).get("prints", []) if isinstance(parsed.value, dict) else []
        if task.question["mode"] == "output":
            expected = task.answer["prints"]
            final = parsed.ok and same_value(parse_literal(task.answer["result"]), parsed.value["value"])
        elif run is not None and run.status in (RunStatus.CRASHED, RunStatus.INVALID):
            return Verdict(task.id, False, VerdictStatus.SANDBOX_ERROR, f"{run.status}: {run.error or ''}")
        else:
            # The prints a committed input must match are the ones *that input* produces.
            expected = printed_lines(run.stdout) if run is not None and run.ok else task.answer["prints"]
            final = bool(run is not None and run.ok and _literal_equal(task.question["output"], run.result))
        n = max(len(expected), 1)
        parts = {f"print{i}": i <= len(got) and i <= len(expected) and print_matches(expected[i - 1], got[i - 1])
                 for i in range(1, len(expected) + 1)}
        if not parsed.ok:
            v = unparsable(task, parsed)
            return Verdict(v.id, False, v.status, v.detail, parts,
                           {"n_prints": len(expected), "targets": list(expected)})
        status = VerdictStatus.CORRECT if final else VerdictStatus.WRONG
        detail = f"{sum(parts.values())}/{n} prints right; answer {'right' if final else 'wrong'}"
        # `targets`: the lines these prints were judged against (for input prediction, the committed input's).
        return Verdict(task.id, final, status, detail, parts, {"n_prints": len(expected), "targets": list(expected)})

    def perturb(self, task: Task, rng: random.Random) -> dict[str, Any]:
        gold = dict(task.answer)
        if task.question["mode"] == "output":
            gold["result"] = literal_source(perturb_value(parse_literal(gold["result"]), rng))
        else:
            gold["input"] = f"{gold['input']}, None"  # one argument too many: f raises
        return gold


def _literal_equal(expected: str, result: str | None) -> bool:
    try:
        return same_value(parse_literal(expected), parse_literal(result or ""))
    except ValueError:
        return False
