"""The `reward:` section of a recipe: which reward family, which verifier mode, and the papers' constants.

Every default is the value the paper uses (docs/rewards.md), so a recipe only names the reward; a YAML key or
`--set reward.alpha=0.3` changes one constant and is validated here before any training starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

@dataclass(frozen=True)
class RewardConfig:
    """Reward family and constants; `reward(task, verdict, cfg)` reads only this."""

    name: str = field(
        default="output",
        metadata={"help": "reward family: output (CodeReasoner), whitebox (ExecVerify stage I), "
                  "anchors (StepCodeReasoner), codegen (ExecVerify stage II)"},
    )
    mode: Literal["strict", "official"] = field(
        default="strict",
        metadata={"help": "verifier mode; strict never runs answer code (official is hackable: scoring only)"},
    )
    format_weight: float = field(
        default=0.0,
        metadata={"help": "output reward: added when the completion follows the recipe's tag format "
                  "(CodeReasoner's optional format term; 0 = binary outcome reward)"},
    )
    assertion: Literal["equal", "strict"] = field(
        default="equal",
        metadata={"help": "whitebox: how the assertion gate and the I->O / O->I items are judged: equal = "
                  "Python == on the parsed literals (ExecVerify runs `assert f(x) == y`: 1 == 1.0 == True), "
                  "strict = same type and value; model text is never executed either way"},
    )
    alpha: float = field(
        default=0.5,
        metadata={"help": "whitebox: R = 2((1-alpha) + alpha*acc) (ExecVerify white_box.py, alpha = 0.50)"},
    )
    r_internal: float = field(
        default=1.0,
        metadata={"help": "anchors: total intermediate reward budget R_internal (StepCodeReasoner §4.3)"},
    )
    r_final: float = field(
        default=1.0,
        metadata={"help": "anchors: final answer reward R_final (StepCodeReasoner §4.3)"},
    )
    format_bonus: float = field(
        default=0.05,
        metadata={"help": "codegen: bonus when <answer>...</answer> is present (ExecVerify code_gen.py)"},
    )

    def __post_init__(self) -> None:
        from codereasoner.rewards import REWARDS  # the registry is the one list of reward names

        REWARDS.check(self.name, "reward.name")
        if self.assertion not in ("equal", "strict"):
            raise ValueError(f"reward.assertion must be 'equal' or 'strict', got {self.assertion!r}")
        if self.mode not in ("strict", "official"):
            raise ValueError(f"reward.mode must be 'strict' or 'official', got {self.mode!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"reward.alpha must be in [0, 1], got {self.alpha}")
        for name in ("format_weight", "r_internal", "r_final", "format_bonus"):
            if getattr(self, name) < 0:
                raise ValueError(f"reward.{name} must be >= 0, got {getattr(self, name)}")
