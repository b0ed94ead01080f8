"""Evaluation backend: Hugging Face transformers on a local model (or an in-memory model + tokenizer).

Batched generation with left padding (decoder-only models continue from the right edge), greedy by
default. Chat messages go through the tokenizer's chat template; raw text prompts are completed as they
are, unless `chat=True` wraps them as one user turn (instruct models evaluated the papers' way).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codereasoner.evaluation.backends.base import Prompt, Sampling, check_model, truncate_at_stop


class HFBackend:
    """`model` is a path/hub name, or a loaded `PreTrainedModel` (then pass `tokenizer` too)."""

    def __init__(
        self,
        model: Any,
        *,
        tokenizer: Any = None,
        batch_size: int = 8,
        chat: bool | None = None,
        device: str | None = None,
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if isinstance(model, str):
            check_model(model)
            tokenizer = tokenizer or AutoTokenizer.from_pretrained(model)
            model = AutoModelForCausalLM.from_pretrained(model)
        if tokenizer is None:
            raise ValueError("an in-memory model needs its tokenizer: HFBackend(model, tokenizer=...)")
        self.torch = torch
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.to(self.device).eval()
        self.tok = tokenizer
        self.tok.padding_side = "left"
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token
        self.batch_size = batch_size
        # None: use the chat template when the tokenizer has one and the prompt is chat messages.
        self.chat = chat

    def _text(self, prompt: Prompt) -> str:
        has_template = bool(getattr(self.tok, "chat_template", None))
        if isinstance(prompt, str) and not self.chat:
            return prompt
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
        if has_template:
            return self.tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return "\n\n".join(m["content"] for m in messages)  # no template: plain concatenation

    def generate(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[list[str]]:
        torch = self.torch
        torch.manual_seed(sampling.seed)
        out: list[list[str]] = []
        for start in range(0, len(prompts), self.batch_size):
            texts = [self._text(p) for p in prompts[start : start + self.batch_size]]
            enc = self.tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
            greedy = sampling.temperature == 0
            kwargs: dict[str, Any] = {"max_new_tokens": sampling.max_new_tokens, "do_sample": not greedy,
                                      "num_return_sequences": sampling.n, "pad_token_id": self.tok.pad_token_id}
            if not greedy:
                kwargs.update(temperature=sampling.temperature, top_p=sampling.top_p)
            with torch.no_grad():
                ids = self.model.generate(**enc, **kwargs)
            new = ids[:, enc["input_ids"].shape[1] :]
            decoded = self.tok.batch_decode(new, skip_special_tokens=True)
            for i in range(len(texts)):
                chunk = decoded[i * sampling.n : (i + 1) * sampling.n]
                out.append([truncate_at_stop(c, sampling.stop) for c in chunk])
        return out
