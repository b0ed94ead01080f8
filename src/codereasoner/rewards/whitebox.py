"""ExecVerify stage I reward (white-box RL): R = 2·((1-α)·1 + α·acc), gated on a correct assertion.

Source: ExecVerify train/verl/verl/utils/reward_score/white_box.py (docs/rewards.md), α = 0.50:
- `io_mixed` items (kind `whitebox`): 0.0 unless the first answer line, the assertion, is correct
  (ExecVerify executes `assert f(x) == <answer>`, i.e. Python `==`; here the answer is parsed as a literal
  and compared with `==` — `reward.assertion: equal`, the default — or type-exactly with `strict`; the
  model's text is never executed); with no white-box questions
  2.0; when the number of remaining answer lines differs from the number of questions, the released
  code returns 1.0 = "output only" (we return 2·(1-α), which is 1.0 at α = 0.5 and keeps the rule "as
  if every question were wrong" for other α); else acc = #correct / #questions.
- `oi` items (kind `input`), and plain output items: 2.0 if correct (by the same `reward.assertion` rule)
  else 0.0.
So R ∈ {0} ∪ [2(1-α), 2]. There is no format term in stage I.

The verdict carries the sub-checks (`Verdict.parts`, in order): "q1" = the assertion (`Verdict.correct`),
then "q2", … one per question (tasks/whitebox.py); `meta["count_mismatch"]` marks the line-count rule.
"""

from __future__ import annotations

from codereasoner.records import Task, Verdict
from codereasoner.rewards import REWARDS
from codereasoner.rewards.config import RewardConfig
from codereasoner.rewards.output import NO_REWARD

FULL = 2.0  # white_box.py: "return 2.0" for oi, "cur_reward + 1.0" for io without questions


def assertion_holds(verdict: Verdict, cfg: RewardConfig) -> bool:
    """The gate: Python `==` on the parsed literals (`equal`, what ExecVerify's executed assert tests) or the
    verifier's type-exact verdict (`strict`). Verdicts that carry no `assertion_equal` use the strict one."""
    if cfg.assertion == "strict":
        return bool(verdict.correct)
    return bool(verdict.meta.get("assertion_equal", verdict.correct))


def question_results(verdict: Verdict) -> tuple[bool, list[bool]]:
    """(assertion correct, per-question results) from a whitebox verdict's parts.

    The `whitebox` task kind names the parts "q1" (the assertion, = `verdict.correct`), "q2", … in
    question order; an explicit "assertion" key is read the same way.
    """
    parts = dict(verdict.parts)
    if "assertion" in parts:
        assertion = bool(parts.pop("assertion"))
    else:
        assertion = bool(verdict.correct)
        parts.pop("q1", None)
    return assertion, [bool(v) for v in parts.values()]


@REWARDS.register("whitebox")
def whitebox_reward(task: Task, verdict: Verdict, cfg: RewardConfig | None = None) -> float | None:
    """ExecVerify stage I reward for one verdict (see the module docstring)."""
    if verdict.status in NO_REWARD:
        return None
    cfg = cfg or RewardConfig(name="whitebox")
    if task.kind != "whitebox":
        return FULL if assertion_holds(verdict, cfg) else 0.0
    _, answers = question_results(verdict)
    if not assertion_holds(verdict, cfg):
        return 0.0
    items = task.question.get("items")
    n_questions = len(items) if isinstance(items, list) else len(answers)
    if n_questions == 0:
        return FULL
    if verdict.meta.get("count_mismatch"):
        return FULL * (1.0 - cfg.alpha)
    acc = sum(answers) / n_questions
    return FULL * ((1.0 - cfg.alpha) + cfg.alpha * acc)
