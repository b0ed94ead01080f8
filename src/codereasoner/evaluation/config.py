"""Evaluation: the recipe's `evaluation` section — which benchmarks, prompt style, sampling and mode.

A frozen dataclass with defaults that work (greedy, official scoring, the recipe's own prompt style);
`Recipe.evaluation` holds one, and `codereasoner eval run` flags override it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_STYLES = ("direct", "cot", "codereasoner", "execverify", "stepcodereasoner", "minimal")


@dataclass(frozen=True)
class EvalConfig:
    """How a recipe's model is evaluated (docs/recipes.md: greedy pass@1 on the same benchmarks)."""

    benchmarks: tuple[str, ...] = field(default=("cruxeval", "lcb_exec", "reval"),
                                        metadata={"help": "benchmarks to run (codereasoner list benchmarks)"})
    tasks: tuple[str, ...] = field(default=("output", "input"),
                                   metadata={"help": "task kinds, where a benchmark has them"})
    style: str = field(default="codereasoner", metadata={"help": "prompt style: " + ", ".join(_STYLES)})
    mode: str = field(default="official", metadata={"help": "official (the harness's rule) or strict"})
    n: int = field(default=1, metadata={"help": "samples per item; the papers report greedy n=1"})
    temperature: float = field(default=0.0, metadata={"help": "0 = greedy (the papers' setting)"})
    max_new_tokens: int = field(default=1024, metadata={"help": "generation budget per answer"})
    limit: int | None = field(default=None, metadata={"help": "only the first K items of each benchmark"})

    def __post_init__(self) -> None:
        from codereasoner.evaluation.benchmarks import BENCHMARKS  # the registry is the one list of names

        for name in self.benchmarks:
            BENCHMARKS.check(name, "evaluation.benchmarks")
        if self.style not in _STYLES:
            raise ValueError(f"evaluation.style must be one of {', '.join(_STYLES)}, got {self.style!r}")
        if self.mode not in ("official", "strict"):
            raise ValueError(f"evaluation.mode must be official or strict, got {self.mode!r}")
        if self.n < 1:
            raise ValueError(f"evaluation.n must be >= 1, got {self.n}")
        if self.temperature < 0:
            raise ValueError(f"evaluation.temperature must be >= 0, got {self.temperature}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"evaluation.limit must be >= 1, got {self.limit}")
