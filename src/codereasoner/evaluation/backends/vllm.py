"""Evaluation backend: vLLM offline inference (the seed papers' evaluation engine). Needs the [vllm] extra.

vLLM is imported when the backend is built, never before, and a missing install is a clear error that
names the extra (fail fast, before any data is loaded or generated).
"""

from __future__ import annotations

from collections.abc import Sequence

from codereasoner.evaluation.backends.base import Prompt, Sampling, truncate_at_stop


class VLLMBackend:
    """Greedy or sampled completions from a local model directory or hub name through `vllm.LLM`."""

    def __init__(self, model: str, *, chat: bool | None = None, **llm_kwargs: object) -> None:
        from codereasoner.evaluation.backends.base import check_model

        check_model(model)
        try:
            import vllm
        except ImportError:
            raise ImportError(
                "the vllm backend needs vLLM: pip install 'codereasoner[vllm]' (or use --backend hf / openai)"
            ) from None
        self._vllm = vllm
        self.llm = vllm.LLM(model=model, **llm_kwargs)
        self.chat = chat

    def generate(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[list[str]]:
        params = self._vllm.SamplingParams(
            n=sampling.n,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            max_tokens=sampling.max_new_tokens,
            seed=sampling.seed,
            stop=list(sampling.stop) or None,
        )
        if all(isinstance(p, str) for p in prompts) and not self.chat:
            results = self.llm.generate(list(prompts), params)
        else:
            messages = [[{"role": "user", "content": p}] if isinstance(p, str) else p for p in prompts]
            results = self.llm.chat(messages, params)
        return [[truncate_at_stop(o.text, sampling.stop) for o in r.outputs] for r in results]
