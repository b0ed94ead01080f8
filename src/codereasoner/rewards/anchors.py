"""StepCodeReasoner rewards: per-anchor r_i ∈ {0,1} and the final answer (StepCodeReasoner Eq. 8-9; docs/rewards.md).

Scalar trajectory reward (§4.3): R = R_internal·(#correct anchors / n) + R_final·1[answer correct],
R_internal = R_final = 1.0, so R ∈ [0, 2]. Worked example (App. D, 6 anchors): all correct 2.0; 3/6 +
correct answer 1.5; 3/6 + wrong answer 0.5 — the paper prints 1.48/0.48 because it rounds each anchor's
share to 0.16. `anchor_rewards` exposes the vector (r_1..r_n) that Bi-Level GRPO normalises per anchor
(Eq. 10-12). Anchors are matched positionally (i-th <print> against the i-th printed line); a missing
print counts as wrong.

Verdict contract (the `anchors` task kind's checker): `parts` holds one entry per anchor, in order, with
keys starting "print" ("print1", …; tasks/anchors.py), `correct` = the final answer (or an explicit
"answer" part), `meta["n_prints"]` = the number of anchors to match.
"""

from __future__ import annotations

from codereasoner.records import Task, Verdict
from codereasoner.rewards import REWARDS
from codereasoner.rewards.config import RewardConfig
from codereasoner.rewards.output import NO_REWARD


def n_anchors(task: Task, verdict: Verdict) -> int:
    """How many anchors the ground truth has (the printed lines of the instrumented program).

    For input prediction the prints to match are those of the committed input, which the checker
    reports as `meta["n_prints"]`.
    """
    if isinstance(verdict.meta.get("n_prints"), int):
        return verdict.meta["n_prints"]
    if isinstance(task.answer, dict) and isinstance(task.answer.get("prints"), list):
        return len(task.answer["prints"])
    return sum(1 for k in verdict.parts if k.startswith(("print", "anchor")))


def anchor_rewards(task: Task, verdict: Verdict) -> list[float] | None:
    """r_i ∈ {0.0, 1.0} for each ground-truth anchor, in order; None when there is no reward at all."""
    if verdict.status in NO_REWARD:
        return None
    got = [bool(v) for k, v in verdict.parts.items() if k.startswith(("print", "anchor"))]
    n = n_anchors(task, verdict)
    got = (got + [False] * n)[:n]
    return [1.0 if ok else 0.0 for ok in got]


def final_correct(verdict: Verdict) -> bool:
    return bool(verdict.parts.get("answer", verdict.correct))


@REWARDS.register("anchors")
def anchors_reward(task: Task, verdict: Verdict, cfg: RewardConfig | None = None) -> float | None:
    """R_internal·(#correct/n) + R_final·1[answer]; tasks without anchors get the final term only."""
    steps = anchor_rewards(task, verdict)
    if steps is None:
        return None
    cfg = cfg or RewardConfig()
    internal = cfg.r_internal * (sum(steps) / len(steps)) if steps else 0.0
    return internal + (cfg.r_final if final_correct(verdict) else 0.0)
