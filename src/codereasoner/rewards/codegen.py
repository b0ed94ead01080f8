"""ExecVerify stage II (code generation): run the unit tests in the executor; reward = pass rate + format bonus.

Source: ExecVerify train/verl/verl/utils/reward_score/code_gen.py `compute_score_prime` over verl's
prime_code scorer (docs/rewards.md): the solution is the text inside <answer>…</answer> (empty when the tags
are missing), then the last ```python block of it (prime_code: split("```python")[-1].split("```")[0]);
score = pass_rate·1.0 + 0.05 when both "<answer>" and "</answer>" appear. prime_code's pass rate: 1.0 when
every test passes, else the fraction passed among the first 10 tests. The released code raises when
nothing passes (`score` unbound; the reward manager then pays 0.0, format bonus lost); we return
0.0 + 0.05·format instead, as the issue asks.

A `codegen` task: `question["tests"]` = assertion statements (HumanEval/MBPP style, run after the
solution), or `question["inputs"]`/`["outputs"]` (APPS/PRIME style: stdin → stdout text, or, with
`question["fn_name"]`, call-based: `fn_name(*inputs[i]) == outputs[i]`). This answer *is* code, so it
only ever runs inside the executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codereasoner.records import Program, Run, RunStatus, Task, Verdict, VerdictStatus
from codereasoner.rewards import REWARDS
from codereasoner.rewards.config import RewardConfig
from codereasoner.rewards.output import NO_REWARD
from codereasoner.rewards.retry import run_checked

if TYPE_CHECKING:
    from codereasoner.execution import Executor

PRIME_FIRST_TESTS = 10  # prime_code continuous mode scores only the first 10 tests when any fails


def extract_solution(completion: str) -> str:
    """code_gen.extract_xml_answer, then prime_code's ```python split."""
    if not ("<answer>" in completion and "</answer>" in completion):
        return ""
    answer = completion.split("<answer>")[-1].split("</answer>")[0].strip()
    return answer.split("```python")[-1].split("```")[0]


@dataclass(frozen=True)
class Solution:
    code: str


def _norm_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.strip().splitlines()]
    return [line for line in lines if line]


def unit_test_programs(task: Task, code: str) -> list[Program]:
    """One program per unit test of `task` with `code` as the solution."""
    q = task.question
    if isinstance(q.get("tests"), list):
        return [Program(f"{task.id}#{k}", f"{code}\n\n{test}", "None") for k, test in enumerate(q["tests"])]
    inputs, outputs = q.get("inputs"), q.get("outputs")
    if not (isinstance(inputs, list) and isinstance(outputs, list) and len(inputs) == len(outputs)):
        raise ValueError(f"task {task.id}: codegen needs question.tests or equal-length question.inputs/outputs")
    fn = q.get("fn_name")
    programs = []
    for k, (inp, out) in enumerate(zip(inputs, outputs)):
        if fn:
            args = inp if isinstance(inp, list) else [inp]
            check = (f"\n\n__out = {fn}(*{args!r})\nif isinstance(__out, tuple):\n    __out = list(__out)\n"
                     f"assert __out == {out!r}\n")
            programs.append(Program(f"{task.id}#{k}", code + check, "None"))
        else:  # stdin/stdout: the solution runs as a script reading the given input
            head = f"import io as __io, sys as __sys\n__sys.stdin = __io.StringIO({str(inp)!r})\n__name__ = '__main__'\n"
            programs.append(Program(f"{task.id}#{k}", head + code, "None", meta={"expect_stdout": str(out)}))
    return programs


def _passed(program: Program, run: Run) -> bool:
    if run.status is not RunStatus.OK:
        return False
    expected = program.meta.get("expect_stdout")
    return expected is None or _norm_lines(run.stdout) == _norm_lines(str(expected))


def pass_rate(results: Sequence[bool]) -> float:
    """prime_code's continuous score: 1.0 if all pass, else the rate over the first 10 tests."""
    if results and all(results):
        return 1.0
    head = list(results[:PRIME_FIRST_TESTS])
    return sum(head) / len(head) if head else 0.0


class CodeGenCheck:
    """The strict checker for `codegen` tasks (parse + check_batch, like a task kind)."""

    def parse(self, completion: str, task: Task) -> Solution:
        return Solution(extract_solution(completion))

    def check_batch(self, items: Sequence[tuple[Task, Any]], executor: Executor) -> list[Verdict]:
        verdicts: list[Verdict | None] = [None] * len(items)
        programs: list[Program] = []
        owners: list[int] = []
        for i, (task, sol) in enumerate(items):
            try:
                tests = unit_test_programs(task, sol.code)
            except ValueError as e:
                verdicts[i] = Verdict(task.id, False, VerdictStatus.INVALID, str(e))
                continue
            if not tests:
                verdicts[i] = Verdict(task.id, False, VerdictStatus.INVALID, "codegen task has no tests")
                continue
            if not sol.code.strip():
                verdicts[i] = Verdict(task.id, False, VerdictStatus.UNPARSABLE, "no <answer> code",
                                      parts={f"test_{k}": False for k in range(len(tests))},
                                      meta={"pass_rate": 0.0})
                continue
            programs += tests
            owners += [i] * len(tests)
        runs = run_checked(executor, programs)
        results: dict[int, list[bool]] = {}
        for i, program, run in zip(owners, programs, runs):
            results.setdefault(i, []).append(_passed(program, run))
        for i, passed in results.items():
            task = items[i][0]
            rate = pass_rate(passed)
            status = VerdictStatus.CORRECT if rate == 1.0 else VerdictStatus.WRONG
            verdicts[i] = Verdict(task.id, rate == 1.0, status, f"{sum(passed)}/{len(passed)} tests passed",
                                  parts={f"test_{k}": ok for k, ok in enumerate(passed)}, meta={"pass_rate": rate})
        return [v for v in verdicts if v is not None]


@REWARDS.register("codegen")
def codegen_reward(task: Task, verdict: Verdict, cfg: RewardConfig | None = None) -> float | None:
    """pass_rate·1.0 + cfg.format_bonus when <answer>…</answer> is present."""
    if verdict.status in NO_REWARD:
        return None
    cfg = cfg or RewardConfig()
    rate = float(verdict.meta.get("pass_rate", 1.0 if verdict.correct else 0.0))
    return rate + (cfg.format_bonus if verdict.meta.get("format") else 0.0)
