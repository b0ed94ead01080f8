"""Rewards stage: the one verifier (`verify.py`) and the three papers' rewards, as pure functions of a Verdict.

Reads `Task`s + completions (through `verify_batch`) and returns `Verdict`s; a reward turns a verdict
into a float, or None when there is nothing to reward (a sandbox failure or a malformed task — TRL then
leaves the row out of the group statistics). Rewards share one signature,
`reward(task, verdict, cfg: RewardConfig | None = None) -> float | None`, and are registered by name:

- `output`   CodeReasoner: execution-checked final answer, 1/0 (+ optional format term)   rewards/output.py
- `whitebox` ExecVerify stage I: 2·((1-α) + α·acc) gated on the assertion; oi items 2/0    rewards/whitebox.py
- `anchors`  StepCodeReasoner: R_internal·(#correct/n) + R_final·1[answer]                  rewards/anchors.py
- `codegen`  ExecVerify stage II: unit-test pass rate + 0.05 format bonus                  rewards/codegen.py

TRL and verl adapters: `rewards/adapters.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from codereasoner.records import Task, Verdict
from codereasoner.registry import Registry
from codereasoner.rewards.config import RewardConfig

RewardFn = Callable[[Task, Verdict, Optional[RewardConfig]], Optional[float]]

REWARDS: Registry[RewardFn] = Registry("reward")

# Built-in rewards, imported by name so REWARDS.names() is complete after `import codereasoner.rewards`.
from codereasoner.rewards import anchors, codegen, output, whitebox  # noqa: E402,F401

__all__ = ["REWARDS", "RewardConfig", "RewardFn"]
