"""Evaluation backend: any OpenAI-compatible endpoint (vLLM server, llama.cpp, SGLang, hosted APIs).

Prompts given as chat messages go to `/chat/completions`; raw text prompts to `/completions` (the
official CRUXEval/REval way for base models). Requests, retries, concurrency and the request cache are
`codereasoner.openai_client.OpenAIClient`'s; stop strings are applied here as well, since chat servers
may ignore `stop`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codereasoner.evaluation.backends.base import Prompt, Sampling, truncate_at_stop


class OpenAIBackend:
    """Completions from `base_url` (e.g. http://127.0.0.1:8000/v1) for `model`."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str,
        api_key: str | None = None,
        concurrency: int = 8,
        cache_dir: str | None = None,
    ) -> None:
        from codereasoner.openai_client import OpenAIClient

        if not base_url:
            raise ValueError("the openai backend needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        self.client = OpenAIClient(base_url, model, api_key=api_key, concurrency=concurrency, cache_dir=cache_dir)

    def generate(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[list[str]]:
        chats = [i for i, p in enumerate(prompts) if not isinstance(p, str)]
        texts = [i for i, p in enumerate(prompts) if isinstance(p, str)]
        out: list[list[str]] = [[] for _ in prompts]
        kwargs: dict[str, Any] = {"n": sampling.n, "temperature": sampling.temperature,
                                  "max_tokens": sampling.max_new_tokens, "top_p": sampling.top_p, "seed": sampling.seed}
        if sampling.stop:
            kwargs["stop"] = list(sampling.stop)[:4]  # the OpenAI API takes at most 4 stop sequences
        if chats:
            for i, got in zip(chats, self.client.chat([p for p in prompts if not isinstance(p, str)], **kwargs)):
                out[i] = list(got)
        if texts:
            for i, got in zip(texts, self.client.complete([prompts[i] for i in texts], **kwargs)):
                out[i] = list(got)
        return [[truncate_at_stop(c, sampling.stop) for c in cs] for cs in out]
