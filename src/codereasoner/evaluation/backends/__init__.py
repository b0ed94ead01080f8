"""Evaluation: the generation-backend registry. Every target is lazy: nothing heavy loads until used.

`BACKENDS.get("hf")` imports transformers only then; `vllm` fails with a clear message when the extra is
not installed; `openai` talks to any OpenAI-compatible endpoint through `codereasoner.openai_client`.
"""

from __future__ import annotations

from codereasoner.evaluation.backends.base import Backend, Sampling, truncate_at_stop
from codereasoner.registry import Registry

BACKENDS: Registry[type] = Registry("generation backend")
BACKENDS.register("hf", lazy="codereasoner.evaluation.backends.transformers:HFBackend")
BACKENDS.register("vllm", lazy="codereasoner.evaluation.backends.vllm:VLLMBackend")
BACKENDS.register("openai", lazy="codereasoner.evaluation.backends.openai:OpenAIBackend")

__all__ = ["BACKENDS", "Backend", "Sampling", "truncate_at_stop"]
