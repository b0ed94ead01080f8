"""Stage 2 (programs): where the code the models reason about comes from.

Sources (the `PROGRAM_SOURCES` registry): `synth` (the rule-based synthesizer with ExecVerify's difficulty
knobs, no model needed), `llm` (ExecVerify's constraint prompts through any OpenAI-compatible endpoint) and
`corpus` (CodeReasoner-style core-logic extraction from .py/JSONL files, transforms in `core_logic`).
Alongside: `inputs` (type-aware argument generation and mutation, literal round-trip check), `decontam`
(n-gram decontamination against benchmarks), `checks` (engine verification, deduplication, output
balancing, diversity report), `filters` (the degenerate-program filters every source goes through) and
`stats` (realism measures).

    from codereasoner.programs import RuleSynthesizer, SynthConfig, verify_programs
    programs = itertools.islice(RuleSynthesizer(SynthConfig.at_level(3)).programs(random.Random(0)), 1000)
    kept = verify_programs(list(programs), executor)   # ok, literal result <= 200 chars, hash-seed stable
"""

from __future__ import annotations

from codereasoner.programs.base import ProgramSource
from codereasoner.registry import Registry

PROGRAM_SOURCES: Registry[type[ProgramSource]] = Registry("program source")

# Built-in sources, imported explicitly so PROGRAM_SOURCES.names() is complete after `import codereasoner.programs`.
from codereasoner.programs import corpus, llm, synth  # noqa: E402
from codereasoner.programs.checks import (  # noqa: E402
    balance_outputs,
    dedupe,
    diversity_report,
    normalized_key,
    skeleton_key,
    verify_programs,
)
from codereasoner.programs.synth import LEVELS, RuleSynthesizer, SynthConfig  # noqa: E402

__all__ = [
    "LEVELS",
    "PROGRAM_SOURCES",
    "ProgramSource",
    "RuleSynthesizer",
    "balance_outputs",
    "SynthConfig",
    "corpus",
    "dedupe",
    "diversity_report",
    "llm",
    "normalized_key",
    "skeleton_key",
    "synth",
    "verify_programs",
]
