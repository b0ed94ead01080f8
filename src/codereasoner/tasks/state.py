"""Tasks stage: state — the value and type of a local after the k-th run of line L.

docs/formats.md: `question = {line: L, occurrence: k, var: name}`, `answer = {repr, type}` of that local at the
first step of the same frame after the k-th run of L began. Only literal, untruncated values are asked
(the answer must be checkable without running anything). Selection `execverify` (docs/data.md):
locals that are new or changed by the line, skipping loop exits (a for/while header whose next line is not
the one below it); `uniform`: any local after any run. Answers are "value; type" (REval/ExecVerify); the
value is compared by type and value with floats within 1e-6 (REval's tolerance), the type by name.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

from codereasoner.records import Program, Run, Task, Verdict
from codereasoner.tasks import TASK_KINDS, prompts
from codereasoner.tasks.answers import answer_region, literal_source, parse_literal, same_value
from codereasoner.tasks.base import Parsed, TaskKind, reasoning_block, sample_tasks, unparsable, verdict
from codereasoner.tasks.frames import askable, changed_vars, is_truncated, traced_runs
from codereasoner.tasks.next_line import REASONING_STYLES, line_fields
from codereasoner.tasks.output import perturb_value

FLOAT_TOL = 1e-6  # REval evaluation.py `_eq`: floats match within 1e-6
_LOOP = re.compile(r"^(for|while)\b")
_TYPE_ALIASES = {"string": "str", "integer": "int", "boolean": "bool", "none": "NoneType", "nonetype": "NoneType",
                 "dictionary": "dict", "double": "float"}


def candidates(program: Program, run: Run, selection: str,
               max_chars: int = 200) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """(question, answer) pairs the trace supports, in trace order."""
    runs = traced_runs(run)
    if runs is None:
        return []
    lines = program.code.split("\n")
    out: list[tuple[dict[str, Any], dict[str, str]]] = []
    for r in askable(runs):
        if r.after is None:
            continue
        if selection == "execverify":
            if _LOOP.match(lines[r.line - 1].strip()) and r.next_line != r.line + 1:
                continue  # loop exit: the header's "after" is the state past the loop
            names = changed_vars(r)
        else:
            names = list(r.after)
        for name in names:
            value = r.after[name]
            if name.startswith(".") or is_truncated(value) or len(value.repr) > max_chars:
                continue
            try:
                parse_literal(value.repr)
            except ValueError:
                continue
            out.append(({"line": r.line, "occurrence": r.occurrence, "var": name},
                        {"repr": value.repr, "type": value.type}))
    return out


def normalize_type(text: str) -> str:
    """"<class 'list'>" / "List[int]" / "string" → "list" / "list" / "str"."""
    t = text.strip().strip("`'\".")
    m = re.fullmatch(r"<class '([\w.]+)'>", t)
    if m:
        t = m.group(1)
    t = t.split("[", 1)[0].strip()
    t = t.rsplit(".", 1)[-1] if t.startswith("builtins.") else t
    return _TYPE_ALIASES.get(t.lower(), t.lower() if t.lower() in _BUILTIN_TYPES else t)


_BUILTIN_TYPES = {"int", "float", "bool", "complex", "str", "bytes", "list", "tuple", "dict", "set", "frozenset"}


def parse_state_answer(text: str) -> Parsed:
    """"value; type" (split at the last ';'), or "Nil" for a line that did not run."""
    first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    first = first.replace("‘", "'").replace("’", "'").replace("“", '"').replace("”", '"')
    if first.capitalize() in ("Nil", "[nil]"):
        return Parsed(None, True, text=first)
    if ";" not in first:
        return Parsed(error="expected 'value; type'", text=first)
    value_text, type_text = first.rsplit(";", 1)
    try:
        value = parse_literal(value_text)
    except ValueError as e:
        return Parsed(error=f"value: {e}", text=first)
    return Parsed((value, normalize_type(type_text)), True, text=first)


def judge_state(answer: dict[str, str], parsed: Parsed) -> bool:
    if not parsed.ok or parsed.value is None:
        return False
    value, type_name = parsed.value
    return type_name == answer["type"] and same_value(parse_literal(answer["repr"]), value, float_tol=FLOAT_TOL)


def state_answer_text(answer: dict[str, str]) -> str:
    return f"{answer['repr']}; {answer['type']}"


@TASK_KINDS.register("state")
class State(TaskKind):
    name = "state"
    styles = REASONING_STYLES
    white_box = True

    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        pool = candidates(program, run, self.options.selection, self.options.max_answer_chars)
        yield from sample_tasks(self, program, run, rng, pool, recipe=recipe)

    def render(self, task: Task, style: str) -> str:
        if style not in REASONING_STYLES:
            raise ValueError(f"task kind 'state' has no prompt style {style!r}")
        return prompts.fill(prompts.STATE_REASONING, numbered=prompts.numbered(task.code.rstrip("\n")),
                            **line_fields(task, task.question))

    def system(self, task: Task, style: str) -> str | None:
        return prompts.EXECVERIFY_SYSTEM

    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        text = state_answer_text(task.answer) if answer is None else str(answer)
        return reasoning_block(text)

    def parse(self, completion: str, task: Task) -> Parsed:
        return parse_state_answer(answer_region(completion))

    def check(self, task: Task, parsed: Parsed) -> Verdict:
        if not parsed.ok:
            return unparsable(task, parsed)
        ok = judge_state(task.answer, parsed)
        return verdict(task, ok, "" if ok else f"expected {state_answer_text(task.answer)}, got {parsed.text!r}")

    def perturb(self, task: Task, rng: random.Random) -> str:
        wrong = perturb_value(parse_literal(task.answer["repr"]), rng)
        return f"{literal_source(wrong)}; {type(wrong).__name__}"
