"""Evaluation: raw model text → the answer string a benchmark's official harness would score.

Pure string work, never executes anything (model output is data). Per style:
- `direct` / `cot` (CRUXEval and LCB templates): the official string splitting, docs/scoring.md,
  after cutting at the stop word `[/ANSWER]` the official generators use (so a model that keeps talking
  after the closing tag is scored as if it had stopped there).
- `minimal` (the quickstart's tiny model): the first line is the value (output) or the arguments (input).
- `codereasoner` / `execverify` / `stepcodereasoner` (`<answer>` tags): ExecVerify's rule: the text
  between the last `<answer>` and the next `</answer>`, the first ```python block in it if any, then the
  right operand of the first `assert … == …` (output) or the call on its left (input).
"""

from __future__ import annotations

import ast
import re

from codereasoner.records import Task
from codereasoner.tasks.answers import cruxeval_official_input, cruxeval_official_output, extract_tag, parse_source

TAG_STYLES = ("codereasoner", "execverify", "stepcodereasoner")
_PY_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL)


def cruxeval_extract(text: str, kind: str, *, cot: bool) -> str:
    """CRUXEval HF-path extraction (inference/tasks/{output,input}_prediction.py @ 190faf1)."""
    g = text.split("[/ANSWER]")[0]  # the official stop word
    if kind == "output":
        return cruxeval_official_output(g, cot=cot)
    return cruxeval_official_input(g, cot=cot)


def lcb_extract(text: str, *, cot: bool) -> str:
    """LiveCodeBench `extract_execution_code` (lcb_runner/utils/extraction_utils.py @ 28fef95)."""
    out = text
    if cot and "[ANSWER]" in out:
        out = out.split("[ANSWER]")[1].strip()
    if "==" in out:
        out = out.split("==")[1].strip()
    if "[/ANSWER]" in out:
        out = out.split("[/ANSWER]")[0].strip()
    else:
        out = out.split("\n")[0].strip()
    return out.strip()


def _first_assert(code: str) -> ast.Assert | None:
    try:
        tree = parse_source(code, mode="exec")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1:
            if isinstance(node.test.ops[0], ast.Eq):
                return node
    return None


def tagged_extract(text: str, kind: str) -> str:
    """ExecVerify-style extraction from `<answer>`: output → the asserted value, input → the call."""
    body = extract_tag(text, "answer")
    if body is None:
        return ""
    block = _PY_BLOCK.search(body)
    code = block.group(1) if block else body
    node = _first_assert(code)
    if node is None:
        return code.strip()  # a bare literal (output) or a bare call (input)
    compare = node.test
    assert isinstance(compare, ast.Compare)  # narrowed by _first_assert
    side = compare.comparators[0] if kind == "output" else compare.left
    if kind != "output" and not isinstance(side, ast.Call) and isinstance(compare.comparators[0], ast.Call):
        side = compare.comparators[0]  # `assert out == f(x)` written the other way round
    return (ast.get_source_segment(code, side) or "").strip()


def extract_answer(text: str, task: Task, style: str, *, harness: str = "cruxeval") -> str:
    """The answer string for `task` from raw `text` written in prompt `style`."""
    if style in TAG_STYLES:
        return tagged_extract(text, task.kind)
    if style == "minimal":  # the tiny model writes the value (output) or the arguments (input), then a newline
        first = text.strip().split("\n")[0].strip()
        return first if task.kind == "output" else f"{task.question.get('func', 'f')}({first})"
    cot = style == "cot"
    if harness == "lcb" and task.kind == "output":
        return lcb_extract(text, cot=cot)
    answer = cruxeval_extract(text, task.kind, cot=cot)
    if harness == "lcb" and task.kind == "input":
        # LCB-I has no official harness; CRUXEval's "assert f" split generalised to the entry point.
        name = str(task.question.get("function_name") or task.question.get("func") or "f")
        if f"assert {name}" in answer:
            answer = name + answer.split(f"assert {name}")[1].strip()
    return answer
