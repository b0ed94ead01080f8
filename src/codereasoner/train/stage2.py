"""ExecVerify stage II: code-generation RL tasks made from the synthesised programs.

Stage: train. Reads output-prediction tasks (each a program `code`, a `call` and the traced result as
`answer`), writes `codegen` tasks: the program's behaviour described by a few input/output examples (the
code itself is hidden), the model writes the function, and the reward is the fraction of unit tests passed
(`rewards.codegen`, run in the executor: ExecVerify `code_gen.compute_score_prime`, docs/rewards.md). The
hidden tests are every traced call of the program, shown examples included, as `assert f(args) == value`.
The prompt is ExecVerify's stage-II prompt (`stage_two_rl.sh` data; docs/recipes.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from codereasoner.records import Task

STAGE2_PROMPT = (
    "Try to generate code to solve the problem: \n{problem}\n\n"
    "Validate your generated code by the provided input and output pairs. Output format: "
    "<reasoning>..</reasoning> <answer> ```python The generated code.``` </answer>"
)


def _signature(code: str, func: str) -> str:
    for line in code.splitlines():
        if line.lstrip().startswith(f"def {func}("):
            return line.strip().rstrip(":")
    return f"def {func}(...)"


def describe(code: str, func: str, examples: list[tuple[str, str]]) -> str:
    """The problem statement: the signature and examples `f(args)` -> value (no code shown)."""
    shown = "\n".join(f">>> {call}\n{value}" for call, value in examples)
    imports = [line for line in code.splitlines() if line.startswith(("import ", "from "))]
    note = f"\nYou may use: {'; '.join(imports)}" if imports else ""
    return f"Write a Python function `{_signature(code, func)}` that behaves like these examples:\n{shown}{note}"


def codegen_tasks(tasks: Iterable[Task], shown: int = 2, min_calls: int = 2, recipe: str = "execverify") -> list[Task]:
    """One `codegen` task per program with at least `min_calls` traced output calls."""
    by_code: dict[str, list[Task]] = {}
    for t in tasks:
        # nan never equals itself, so an `assert f(x) == nan` test could never pass
        if t.kind == "output" and isinstance(t.answer, str) and "nan" not in t.answer:
            by_code.setdefault(t.code, []).append(t)
    out: list[Task] = []
    for code, group in by_code.items():
        calls = sorted({(t.call, t.answer) for t in group})
        if len(calls) < min_calls:
            continue
        func = str(group[0].question.get("func", "f"))
        examples = calls[:shown]
        digest = hashlib.sha256(code.encode()).hexdigest()[:12]
        question: dict[str, Any] = {
            "func": func,
            "examples": [list(e) for e in examples],
            "tests": [f"assert {call} == {value}" for call, value in calls],
        }
        out.append(Task(
            id=f"codegen-{digest}", kind="codegen", code=code, call=calls[0][0], question=question,
            answer=code, prompt=STAGE2_PROMPT.replace("{problem}", describe(code, func, examples)),
            difficulty=group[0].difficulty, recipe=recipe,
        ))
    return out
