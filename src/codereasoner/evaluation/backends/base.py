"""Evaluation: what every generation backend takes and returns, and the on-disk generation cache.

A backend turns prompts (raw text, or chat messages) into `n` completions each under one `Sampling`.
`GenerationCache` appends each item's completions as a `Generation` line as soon as they exist, so an
interrupted run resumes with exactly the items it had not finished.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Union

from codereasoner.jsonl import ResumableWriter, read_records
from codereasoner.records import Generation

Prompt = Union[str, list[dict[str, str]]]


@dataclass(frozen=True)
class Sampling:
    """How to sample. Greedy (temperature 0, n 1) is the default, as the three papers report."""

    n: int = field(default=1, metadata={"help": "completions per prompt"})
    temperature: float = field(default=0.0, metadata={"help": "0 = greedy (the papers' setting)"})
    top_p: float = field(default=1.0, metadata={"help": "nucleus sampling; CRUXEval's harness uses 0.95"})
    max_new_tokens: int = field(default=1024, metadata={"help": "CRUXEval's default generation budget"})
    seed: int = field(default=0, metadata={"help": "sampling seed"})
    stop: tuple[str, ...] = field(default=(), metadata={"help": "cut each completion at the first of these"})

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"sampling.n must be >= 1, got {self.n}")
        if self.temperature < 0:
            raise ValueError(f"sampling.temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"sampling.top_p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1:
            raise ValueError(f"sampling.max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature == 0 and self.n > 1:
            raise ValueError("sampling.n > 1 needs temperature > 0 (greedy gives n identical answers)")


def check_model(model: str) -> str:
    """`model` unchanged when it is a local checkpoint directory or can only be a hub name; a ValueError
    (one clear line, not a hub traceback) when it is a path that holds no model."""
    from pathlib import Path

    path = Path(model).expanduser()
    looks_local = model.startswith(("/", "./", "../", "~")) or path.exists() or model.count("/") > 1
    if looks_local and not (path / "config.json").is_file():
        raise ValueError(f"--model {model}: not a local Hugging Face checkpoint (no config.json there); "
                         "pass a model directory, or a hub name such as Qwen/Qwen2.5-Coder-7B-Instruct")
    return model


class Backend(Protocol):
    """Anything that can complete prompts."""

    def generate(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[list[str]]: ...


def truncate_at_stop(text: str, stop: Sequence[str]) -> str:
    """Cut `text` at the earliest stop string (what the official generators' stop words do)."""
    cut = len(text)
    for s in stop:
        at = text.find(s)
        if 0 <= at < cut:
            cut = at
    return text[:cut]


class GenerationCache:
    """Completions on disk, one `Generation` per item, keyed by task id (resumable, append-only)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.items: dict[str, Generation] = {}
        self._writer = ResumableWriter(self.path, key="task_id")  # cuts a torn last line first
        for rec in read_records(self.path, Generation):
            if isinstance(rec, Generation):
                self.items[rec.task_id] = rec

    def missing(self, ids: Sequence[str]) -> list[str]:
        return [i for i in ids if i not in self.items]

    def add(self, generation: Generation) -> None:
        self._writer.write(generation)
        self.items[generation.task_id] = generation

    def close(self) -> None:
        self._writer.close()
