"""Tasks stage: `DataConfig`, the `data:` section of a recipe (what `codereasoner data build` makes).

Defaults build CodeReasoner-style output/input tasks from the rule-based synthesizer, decontaminated
against CRUXEval with 10-grams (StepCodeReasoner §4.2). Every field can be set in a recipe's YAML or with
`--set data.FIELD=VALUE`; `__post_init__` rejects bad values before any work starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codereasoner.programs.filters import FilterConfig
from codereasoner.tasks.hardness import HardnessConfig

STYLES = ("direct", "cot", "codereasoner", "execverify", "stepcodereasoner", "minimal")
SELECTIONS = ("execverify", "uniform")


@dataclass(frozen=True)
class DataConfig:
    sources: tuple[str, ...] = field(default=("synth",), metadata={
        "help": "program sources (PROGRAM_SOURCES names); programs are drawn from them in turn"})
    levels: tuple[int, ...] = field(default=(1, 2, 3, 3, 4, 4, 5, 5, 6), metadata={
        "help": "synthesizer levels 1-6 (ExecVerify's six configs; 0 = one plain call), cycled over the "
                "programs; a level listed twice is drawn twice as often (default: weighted toward the middle)"})
    source_config: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "extra fields for each source's Config (e.g. synth knobs), by source name"})
    kinds: tuple[str, ...] = field(default=("output", "input"), metadata={
        "help": "task kinds to make (TASK_KINDS names)"})
    style: str = field(default="codereasoner", metadata={
        "help": "prompt style of Task.prompt: " + ", ".join(STYLES)})
    inputs_per_program: int = field(default=1, metadata={
        "help": "calls per program: the source's own + mutated inputs (programs.inputs)"})
    questions_per_program: int = field(default=5, metadata={
        "help": "questions per program per trace kind (ExecVerify: at most 5 next-line + 5 state)"})
    selection: str = field(default="uniform", metadata={
        "help": "question selection for trace kinds: 'execverify' (branch/loop lines, jumps, changed "
                "variables) or 'uniform'"})
    max_answer_chars: int = field(default=200, metadata={
        "help": "skip outputs/inputs whose repr is longer (ExecVerify OI: 150; repr cap 200)"})
    max_anchors: int = field(default=10, metadata={
        "help": "StepCodeReasoner: at most this many anchor prints; samples printing more are dropped"})
    anchor_modes: tuple[str, ...] = field(default=("output", "input"), metadata={
        "help": "StepCodeReasoner anchor tasks to make: output and/or input prediction"})
    filters: FilterConfig = field(default_factory=FilterConfig, metadata={
        "help": "degenerate-program filters, on by default for every source (docs/data.md)"})
    structural_filter: bool = field(default=True, metadata={
        "help": "ExecVerify's structural filter: white-box questions only about programs with a loop or >= 5 lines"})
    max_trivial_share: float = field(default=0.05, metadata={
        "help": "at most this share of next_line/state questions may be trivial (after return; x = <literal>)"})
    whitebox_min_questions: int = field(default=2, metadata={
        "help": "whitebox items with fewer trace questions are not made"})
    hardness: HardnessConfig = field(default_factory=HardnessConfig, metadata={
        "help": "ExecVerify's model-based difficulty filter (off until data.hardness.backend is set)"})
    decontaminate: bool = field(default=True, metadata={
        "help": "drop programs sharing an n-gram with CRUXEval or the benchmark files"})
    ngram: int = field(default=10, metadata={"help": "n-gram size for decontamination (StepCodeReasoner: 10)"})
    benchmark_files: tuple[str, ...] = field(default=(), metadata={
        "help": "extra benchmark JSONL files (a `code` field per line) to decontaminate against"})
    timeout_s: float = field(default=2.0, metadata={"help": "per-run time limit in the executor"})
    max_steps: int = field(default=2000, metadata={
        "help": "trace step cap; questions never look past a truncated trace"})
    shard_size: int = field(default=1000, metadata={
        "help": "programs per output shard (each shard is written atomically; resume skips done shards)"})

    def __post_init__(self) -> None:
        if not self.sources:
            raise ValueError("data.sources must name at least one program source")
        if not self.kinds:
            raise ValueError("data.kinds must name at least one task kind")
        if self.style not in STYLES:
            raise ValueError(f"data.style must be one of {', '.join(STYLES)}, got {self.style!r}")
        if self.selection not in SELECTIONS:
            raise ValueError(f"data.selection must be one of {', '.join(SELECTIONS)}, got {self.selection!r}")
        if any(not 0 <= lv <= 6 for lv in self.levels) or not self.levels:
            raise ValueError(f"data.levels must be levels 0-6, got {self.levels!r}")
        for name in ("inputs_per_program", "questions_per_program", "max_answer_chars", "max_anchors",
                     "ngram", "max_steps", "shard_size", "whitebox_min_questions"):
            if getattr(self, name) < 1:
                raise ValueError(f"data.{name} must be at least 1, got {getattr(self, name)!r}")
        if not 0 <= self.max_trivial_share < 1:
            raise ValueError(f"data.max_trivial_share must be in [0, 1), got {self.max_trivial_share!r}")
        if self.timeout_s <= 0:
            raise ValueError(f"data.timeout_s must be positive, got {self.timeout_s!r}")
        if not set(self.anchor_modes) <= {"output", "input"} or not self.anchor_modes:
            raise ValueError(f"data.anchor_modes must be 'output' and/or 'input', got {self.anchor_modes!r}")
