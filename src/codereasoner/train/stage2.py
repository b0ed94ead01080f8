"""ExecVerify stage II: code-generation RL tasks made from the synthesised programs.

Stage: train. Reads output-prediction tasks (each a program `code`, a `call` and the traced result as
`answer`), writes `codegen` tasks: the program's behaviour described by a few input/output examples (the
code itself is hidden), the model writes the function, and the reward is the fraction of unit tests passed
(`rewards.codegen`, judged in the parent: ExecVerify `code_gen.compute_score_prime`, docs/rewards.md and
docs/scoring.md "Code generation"). The prompt is ExecVerify's stage-II prompt (`stage_two_rl.sh` data;
docs/recipes.md).

Tests are data (`question.calls` / `question.expected`, compared by type and value), and at least
`min_hidden` of them are calls the prompt never shows: a lookup table of the examples cannot earn the
reward. Where the data has too few traced calls of a program, more are made by mutating its arguments
(`programs.inputs.mutate_call`) and running the program in the executor; programs that still have too
few are left out. Hidden tests come first, so prime_code's first-ten rule weighs them.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from typing import Any

from codereasoner.records import Program, RunStatus, Task

STAGE2_PROMPT = (
    "Try to generate code to solve the problem: \n{problem}\n\n"
    "Validate your generated code by the provided input and output pairs. Output format: "
    "<reasoning>..</reasoning> <answer> ```python The generated code.``` </answer>"
)
MAX_ANSWER_CHARS = 300  # expected values longer than this make poor tests (and long prompts)


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


def _usable(answer: Any) -> bool:
    """A traced value that makes a fair test: a literal repr (nan never equals itself), not too long."""
    from codereasoner.tasks.answers import parse_literal

    if not isinstance(answer, str) or "nan" in answer or len(answer) > MAX_ANSWER_CHARS:
        return False
    try:
        parse_literal(answer)
    except ValueError:
        return False
    return True


def more_calls(code: str, calls: Sequence[str], need: int, executor: Any, seed: int) -> list[tuple[str, str]]:
    """Up to `need` new (call, result repr) pairs from mutated arguments, run in the executor."""
    from codereasoner.programs.inputs import mutate_call
    from codereasoner.rewards.retry import run_checked

    rng = random.Random(seed)
    fresh: list[str] = []
    for call in calls:
        fresh += [c for c in mutate_call(call, max(need, 2), rng) if c not in calls and c not in fresh]
    if not fresh:
        return []
    digest = hashlib.sha256(code.encode()).hexdigest()[:12]
    programs = [Program(f"stage2-{digest}-{k}", code, c) for k, c in enumerate(fresh[: 4 * need])]
    out = []
    for program, run in zip(programs, run_checked(executor, programs)):
        if run.status is RunStatus.OK and _usable(run.result):
            out.append((program.call, str(run.result)))
            if len(out) == need:
                break
    return out


def codegen_tasks(tasks: Iterable[Task], shown: int = 2, min_hidden: int = 3, max_hidden: int = 8,
                  recipe: str = "execverify", executor: Any = None, seed: int = 0) -> list[Task]:
    """One `codegen` task per program with `shown` examples and at least `min_hidden` hidden tests.

    `executor` runs the extra calls some programs need (the process-wide one when None)."""
    by_code: dict[str, list[Task]] = {}
    for t in tasks:
        if t.kind == "output" and _usable(t.answer):
            by_code.setdefault(t.code, []).append(t)
    out: list[Task] = []
    for code, group in by_code.items():
        digest = hashlib.sha256(code.encode()).hexdigest()[:12]
        calls = sorted({(t.call, str(t.answer)) for t in group})
        if len(calls) < shown + min_hidden:
            if executor is None:
                from codereasoner.execution import default_executor

                executor = default_executor()
            known = [c for c, _ in calls]
            calls += more_calls(code, known, shown + min_hidden - len(calls), executor, seed + int(digest, 16) % 10**9)
        if len(calls) < shown + min_hidden:
            continue
        examples, hidden = calls[:shown], calls[shown : shown + max_hidden]
        tests = hidden + examples  # hidden first: prime_code scores the first ten when any fails
        func = str(group[0].question.get("func", "f"))
        question: dict[str, Any] = {
            "func": func,
            "examples": [list(e) for e in examples],
            "calls": [c for c, _ in tests],
            "expected": [v for _, v in tests],
            "hidden": len(hidden),
        }
        out.append(Task(
            id=f"codegen-{digest}", kind="codegen", code=code, call=examples[0][0], question=question,
            answer=code, prompt=STAGE2_PROMPT.replace("{problem}", describe(code, func, examples)),
            difficulty=group[0].difficulty, recipe=recipe, meta={"source": group[0].meta.get("source", "")},
        ))
    return out
