"""Evaluation stage: benchmarks (CRUXEval, LiveCodeBench execution, REval, code generation), generation
backends (transformers, vLLM, OpenAI-compatible), pass@k, scoring and reports.

Reads benchmark data and model generations, writes scores and run reports. Scoring goes through
`rewards.verify` (one definition of correct). Importing this package loads no torch: backends are lazy.
"""

from __future__ import annotations

from codereasoner.evaluation.backends import BACKENDS, Sampling
from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.config import EvalConfig
from codereasoner.evaluation.harness import evaluate
from codereasoner.evaluation.passk import mean_pass_at_k, pass_at_k

__all__ = ["BACKENDS", "BENCHMARKS", "EvalConfig", "Sampling", "evaluate", "mean_pass_at_k", "pass_at_k"]
