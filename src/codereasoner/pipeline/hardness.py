"""The data stage's model for ExecVerify's difficulty filter: `data.hardness` → a `generate(ids, prompts)` callable.

The filter itself (`tasks.hardness`) only builds prompts and counts right answers; here the configured
backend (hf, vllm, openai — `evaluation.backends`) samples k answers per prompt. Answers are cached per
program id in DIR/.build/hardness.jsonl as they come, so a killed build resumes without asking again.
The backend is created on the first call: a build that resumes finished shards never loads the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codereasoner.tasks.hardness import HardnessConfig

CACHE = Path(".build") / "hardness.jsonl"


def check_backend(cfg: HardnessConfig) -> None:
    """Fail before any work on an unknown backend name or a missing endpoint."""
    from codereasoner.evaluation.backends import BACKENDS

    BACKENDS.check(cfg.backend, "data.hardness.backend")
    if cfg.backend == "openai" and not cfg.base_url:
        raise ValueError("data.hardness.base_url: the openai backend needs an endpoint, e.g. http://127.0.0.1:8000/v1")


def make_backend(cfg: HardnessConfig) -> Any:
    from codereasoner.evaluation.backends import BACKENDS

    cls = BACKENDS.get(cfg.backend)
    if cfg.backend == "openai":
        return cls(cfg.model, base_url=cfg.base_url)
    return cls(cfg.model)


class Judge:
    """`judge(ids, prompts)` samples `cfg.k` answers per prompt, cached by program id under `out_dir`."""

    def __init__(self, cfg: HardnessConfig, out_dir: Path, backend: Any = None) -> None:
        from codereasoner.evaluation.backends.base import GenerationCache, Sampling

        self.cfg = cfg
        self.sampling = Sampling(n=cfg.k, temperature=cfg.temperature, top_p=cfg.top_p,
                                 max_new_tokens=cfg.max_new_tokens, seed=cfg.seed)
        (out_dir / CACHE).parent.mkdir(parents=True, exist_ok=True)
        self.cache = GenerationCache(out_dir / CACHE)
        self.backend = backend
        self.asked = 0  # prompts sent to the backend (not answered from the cache)

    def __call__(self, ids: Sequence[str], prompts: Sequence[Any]) -> list[list[str]]:
        from codereasoner.records import Generation

        missing = [i for i, pid in enumerate(ids) if pid not in self.cache.items]
        if missing:
            if self.backend is None:
                self.backend = make_backend(self.cfg)
            answers = self.backend.generate([prompts[i] for i in missing], self.sampling)
            if len(answers) != len(missing):
                raise ValueError(f"data.hardness: the backend answered {len(answers)} of {len(missing)} prompts")
            for i, completions in zip(missing, answers):
                self.cache.add(Generation(task_id=ids[i], completions=tuple(completions), meta={"k": self.cfg.k}))
            self.asked += len(missing)
        return [list(self.cache.items[pid].completions) for pid in ids]

    def close(self) -> None:
        self.cache.close()
