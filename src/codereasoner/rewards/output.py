"""CodeReasoner's RL reward: the execution-checked final answer, 1 or 0, plus an optional format term.

docs/rewards.md (a reconstruction: the paper body was unreadable): "reward = execution-checked final answer
(binary) ± format" — the same as ExecVerify's "I/O RL" baseline up to scale. `cfg.format_weight`
(default 0) is added when the completion follows the `<reasoning>…</reasoning><answer>…</answer>`
format, whether or not the answer is right (a format term, not a gate).
"""

from __future__ import annotations

from codereasoner.records import Task, Verdict, VerdictStatus
from codereasoner.rewards import REWARDS
from codereasoner.rewards.config import RewardConfig

NO_REWARD = (VerdictStatus.SANDBOX_ERROR, VerdictStatus.INVALID)  # nothing the model did: reward None


@REWARDS.register("output")
def output_reward(task: Task, verdict: Verdict, cfg: RewardConfig | None = None) -> float | None:
    """1.0 for a verified final answer, else 0.0; + cfg.format_weight when the format holds."""
    if verdict.status in NO_REWARD:
        return None
    cfg = cfg or RewardConfig()
    reward = 1.0 if verdict.correct else 0.0
    if cfg.format_weight and verdict.meta.get("format"):
        reward += cfg.format_weight
    return reward
