"""ExecVerify stage II (code generation): the unit-test pass rate + format bonus, judged in the parent.

Source: ExecVerify train/verl/verl/utils/reward_score/code_gen.py `compute_score_prime` over verl's
prime_code scorer (docs/rewards.md; the judging itself: docs/scoring.md, "Code generation"): the solution
is the text inside <answer>…</answer> (empty when the tags are missing), then the last ```python block of it
(prime_code: split("```python")[-1].split("```")[0]); score = pass_rate·1.0 + 0.05 when both "<answer>" and
"</answer>" appear. prime_code's pass rate: 1.0 when every test passes, else the fraction passed among the
first 10 tests. The released code raises when nothing passes (`score` unbound; the reward manager then pays
0.0, format bonus lost); we return 0.0 + 0.05·format instead.

The answer *is* code: it runs only in the engine's untrusted mode, and its process returns values, never
verdicts. `codetests.py` turns a task's tests into call jobs and decides each test here, so an object
whose `__eq__` is always true, a look at the caller's frame, or patched builtins earn nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codereasoner.records import Task, Verdict, VerdictStatus
from codereasoner.rewards import REWARDS
from codereasoner.rewards.config import RewardConfig
from codereasoner.rewards.output import NO_REWARD

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

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


def pass_rate(results: Sequence[bool]) -> float:
    """prime_code's continuous score: 1.0 if all pass, else the rate over the first 10 tests."""
    if results and all(results):
        return 1.0
    head = list(results[:PRIME_FIRST_TESTS])
    return sum(head) / len(head) if head else 0.0


def judge_solutions(tasks: Sequence[Task], codes: Sequence[str], executor: ExecutorLike) -> list[Verdict]:
    """One verdict per (task, solution code): every test judged in the parent; `meta["pass_rate"]`.

    A malformed task is `invalid`, an empty solution `unparsable`, an executor failure `sandbox_error`
    (raised as SandboxError for `verify` to turn into per-item verdicts)."""
    from codereasoner.rewards.codetests import BadTask, plan_for, record_candidates, record_references, run_plans

    verdicts: list[Verdict | None] = [None] * len(tasks)
    plans, owners = [], []
    record_references(tasks, executor)
    recorded = record_candidates(tasks, codes, executor)
    for i, (task, code) in enumerate(zip(tasks, codes)):
        if not code.strip():
            verdicts[i] = Verdict(task.id, False, VerdictStatus.UNPARSABLE, "no code in the answer",
                                  meta={"pass_rate": 0.0})
            continue
        try:
            plans.append(plan_for(task, code, recorded[i]))
            owners.append(i)
        except (BadTask, KeyError, TypeError, SyntaxError) as e:
            verdicts[i] = Verdict(task.id, False, VerdictStatus.INVALID, f"malformed codegen task: {e}")
    for i, (passed, details) in zip(owners, run_plans(plans, executor)):
        rate = pass_rate(passed)
        first_fail = next((d for ok, d in zip(passed, details) if not ok), "")
        detail = f"{sum(passed)}/{len(passed)} tests passed" + (f"; {first_fail}" if first_fail else "")
        meta: dict[str, Any] = {"pass_rate": rate}
        verdicts[i] = Verdict(tasks[i].id, rate == 1.0 and bool(passed),
                              VerdictStatus.CORRECT if rate == 1.0 and passed else VerdictStatus.WRONG, detail[:500],
                              parts={f"test_{k}": ok for k, ok in enumerate(passed)}, meta=meta)
    return [v for v in verdicts if v is not None]


class CodeGenCheck:
    """The strict checker for `codegen` tasks (parse + check_batch, like a task kind)."""

    def parse(self, completion: str, task: Task) -> Solution:
        return Solution(extract_solution(completion))

    def check_batch(self, items: Sequence[tuple[Task, Any]], executor: ExecutorLike) -> list[Verdict]:
        return judge_solutions([t for t, _ in items], [s.code for _, s in items], executor)


@REWARDS.register("codegen")
def codegen_reward(task: Task, verdict: Verdict, cfg: RewardConfig | None = None) -> float | None:
    """pass_rate·1.0 + cfg.format_bonus when <answer>…</answer> is present."""
    if verdict.status in NO_REWARD:
        return None
    cfg = cfg or RewardConfig()
    rate = float(verdict.meta.get("pass_rate", 1.0 if verdict.correct else 0.0))
    return rate + (cfg.format_bonus if verdict.meta.get("format") else 0.0)
