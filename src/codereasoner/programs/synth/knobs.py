"""Stage 2 (programs/synth): the synthesizer's knobs and ExecVerify's six difficulty levels.

ExecVerify (docs/data.md, `data/code_synthesis.py`) varies four constraints per prompt — nested calls of
the method under test, extra methods, a helper function called by the entry point, and control-flow depth
0–3 over {if, for, while, if-elif} — and runs six fixed configurations L1–L6. Together with the seed pair
(`types` / `methods`) those are the six knobs of `SynthConfig`. Level 0 is ours: one plain call, for tiny models.

Beyond the knobs, what makes the code look like real code: `seeds="usage"` draws seed pairs as often as
Python code uses them (`catalogue.USAGE`; "cycle" is ExecVerify's uniform round), `scale="natural"` writes
comprehensions, ternaries, try/except, break/continue, f-strings, index loops, small recursion and natural
inputs (`inputs.NATURAL`), and `lcb_share` mixes in LiveCodeBench-style algorithmic functions (`lcb.py`).
`scale="paper"` keeps ExecVerify's input recipe verbatim with the same code idioms; `scale="small"` keeps
values short (ints 0–9, strings of 1–4 letters) and the plain knob-only code, so a 1–5M-parameter model can
learn it. docs/synthesis.md describes every knob and what the realistic scales write.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from codereasoner.programs.synth.catalogue import PAIRS, TYPES

# (nested, other_methods, call_chain, depth) — ExecVerify's configurations 1-6, in its order; 0 is our addition.
LEVELS: dict[int, dict[str, int]] = {
    0: {"nested": 0, "other_methods": 0, "call_chain": 0, "depth": 0},
    1: {"nested": 1, "other_methods": 0, "call_chain": 0, "depth": 0},
    2: {"nested": 1, "other_methods": 1, "call_chain": 0, "depth": 0},
    3: {"nested": 1, "other_methods": 1, "call_chain": 0, "depth": 1},
    4: {"nested": 1, "other_methods": 1, "call_chain": 0, "depth": 2},
    5: {"nested": 1, "other_methods": 1, "call_chain": 0, "depth": 3},
    6: {"nested": 1, "other_methods": 1, "call_chain": 1, "depth": 3},
}


@dataclass(frozen=True)
class SynthConfig:
    """What the rule-based synthesizer makes. Defaults = ExecVerify level 1 at paper scale."""

    types: tuple[str, ...] = field(
        default=(), metadata={"help": f"ExecVerify types to draw (type, method) seeds from; empty = all of {TYPES}"}
    )
    methods: tuple[str, ...] = field(
        default=(), metadata={"help": "restrict seeds to these 'type.method' pairs (e.g. 'str.replace'); empty = all"}
    )
    nested: bool = field(default=True, metadata={"help": "call the method under test at least twice, nested"})
    other_methods: bool = field(default=False, metadata={"help": "use at least one additional built-in method"})
    call_chain: bool = field(default=False, metadata={"help": "entry point f calls a helper function g"})
    depth: int = field(default=0, metadata={"help": "control-flow nesting depth 0-3 over if/for/while/if-elif"})
    scale: Literal["natural", "paper", "small"] = field(
        default="natural", metadata={"help": "natural: realistic code and inputs; paper: the same code on "
                                     "ExecVerify's input recipe; small: short values, plain code, for tiny models"}
    )
    seeds: Literal["usage", "cycle"] = field(
        default="usage", metadata={"help": "usage: draw (type, method) seeds as often as real code uses them; "
                                   "cycle: ExecVerify's uniform shuffled rounds over every pair"}
    )
    lcb_share: float = field(
        default=0.2, metadata={"help": "share of LiveCodeBench-style functions (array loops, counting, two "
                               "pointers, simple DP); none at scale small or when types/methods are set"}
    )
    calls_per_program: int = field(default=2, metadata={"help": "distinct calls (inputs) emitted per function"})
    count: int = field(default=0, metadata={"help": "stop after this many programs; 0 = endless stream"})
    level: int = field(default=1, metadata={"help": "difficulty recorded on each Program (set by at_level)"})

    def __post_init__(self) -> None:
        if not 0 <= self.depth <= 3:
            raise ValueError(f"SynthConfig.depth must be 0-3, got {self.depth}")
        if self.scale not in ("natural", "paper", "small"):
            raise ValueError(f"SynthConfig.scale must be 'natural', 'paper' or 'small', got {self.scale!r}")
        if self.seeds not in ("usage", "cycle"):
            raise ValueError(f"SynthConfig.seeds must be 'usage' or 'cycle', got {self.seeds!r}")
        if not 0.0 <= self.lcb_share <= 1.0:
            raise ValueError(f"SynthConfig.lcb_share must be in [0, 1], got {self.lcb_share!r}")
        if self.calls_per_program < 1:
            raise ValueError("SynthConfig.calls_per_program must be >= 1")
        if self.count < 0:
            raise ValueError("SynthConfig.count must be >= 0")
        unknown = [t for t in self.types if t not in TYPES]
        if unknown:
            raise ValueError(f"SynthConfig.types: unknown {unknown}; known: {', '.join(TYPES)}")
        bad = [m for m in self.methods if m not in PAIRS]
        if bad:
            raise ValueError(f"SynthConfig.methods: unknown pairs {bad} (write them as 'type.method')")
        if not self.seed_pairs():
            raise ValueError("SynthConfig.types/methods select no catalogue pair")

    @classmethod
    def at_level(cls, k: int, **overrides: Any) -> SynthConfig:
        """ExecVerify's configuration k (1-6; 0 = one plain call), plus any field overrides."""
        if k not in LEVELS:
            raise ValueError(f"SynthConfig level must be one of {sorted(LEVELS)}, got {k}")
        knobs = {name: (bool(v) if name != "depth" else v) for name, v in LEVELS[k].items()}
        return cls(**{**knobs, "level": k, **overrides})

    def seed_pairs(self) -> tuple[str, ...]:
        pairs = self.methods or PAIRS
        return tuple(p for p in pairs if not self.types or p.split(".", 1)[0] in self.types)

    @property
    def realistic(self) -> bool:
        """Write real-code idioms (comprehensions, ternaries, try, ...) and reject degenerate constructs."""
        return self.scale != "small"

    def replace(self, **changes: Any) -> SynthConfig:
        return dataclasses.replace(self, **changes)
