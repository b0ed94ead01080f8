"""Teacher distillation: ask any OpenAI-compatible endpoint for reasoning chains, keep only verified ones.

Reads `Task`s; writes `Sample` records (origin "teacher", verified) as JSONL. The teacher sees exactly the
task's own prompt (`Task.prompt` + `Task.meta["system"]`): for the ExecVerify recipe those are ExecVerify's
prompts (tasks/prompts.py, SEEDS.md §2.2), for StepCodeReasoner its App. A system prompts. Each task gets
`n` samples (rejection sampling, SEEDS.md §1.3 / §2.1 step "QwQ-32B CoT ... filtered"); a sample is kept only
when `rewards.verify.verify_batch` (strict) accepts its final answer, at most `keep` per task.

Resuming: the client caches every answered request on disk (`OpenAIClient(cache_dir=...)`), and the
output is written with `ResumableWriter`, one line per kept chain, plus `<out>.rejected.jsonl` for tasks
with no verified chain; a rerun skips every task already in either file and re-asks nothing it has.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codereasoner.jsonl import ResumableWriter
from codereasoner.records import Sample, Task
from codereasoner.rationale.sft import prompt_messages

_THINK = re.compile(r"^\s*<think>(.*?)</think>(.*)$", re.DOTALL)


@dataclass(frozen=True)
class DistillConfig:
    """Sampling and filtering for one distillation run."""

    n: int = field(default=4, metadata={"help": "teacher samples per task (rejection sampling)"})
    keep: int = field(default=1, metadata={"help": "verified chains kept per task, at most"})
    temperature: float = field(default=0.7, metadata={"help": "teacher sampling temperature"})
    max_tokens: int = field(default=4096, metadata={"help": "max new tokens per sample (SEEDS: 4096 cutoff)"})
    batch: int = field(default=64, metadata={"help": "tasks per round of requests (and per verify batch)"})

    def __post_init__(self) -> None:
        if self.n < 1 or self.keep < 1 or self.batch < 1:
            raise ValueError("distill: n, keep and batch must be >= 1")
        if self.max_tokens < 1 or self.temperature < 0:
            raise ValueError("distill: max_tokens must be >= 1 and temperature >= 0")


@dataclass
class DistillSummary:
    tasks: int = 0
    skipped_done: int = 0
    asked: int = 0
    kept: int = 0
    rejected_tasks: int = 0
    verdicts: Counter = field(default_factory=Counter)


def teacher_messages(task: Task) -> list[dict[str, str]]:
    """What the teacher is sent: the task's system prompt (if any) and its rendered prompt."""
    return prompt_messages(task)


def normalize(text: str) -> str:
    """A reasoning model's `<think>…</think>answer` becomes `<reasoning>…</reasoning>\\n<answer>…</answer>`
    (ExecVerify's SFT format); anything else is kept as the teacher wrote it."""
    m = _THINK.match(text)
    if not m or "<answer>" in m.group(2):
        return text
    return f"<reasoning>\n{m.group(1).strip()}\n</reasoning>\n<answer>\n{m.group(2).strip()}\n</answer>"


def _ask(client: Any, messages: list[list[dict[str, str]]], cfg: DistillConfig) -> list[list[str]]:
    return client.chat(messages, n=cfg.n, temperature=cfg.temperature, max_tokens=cfg.max_tokens)


def rejected_path(out_path: str | Path) -> Path:
    out = Path(out_path)
    return out.with_name(out.stem + ".rejected.jsonl")


def distill(tasks: Sequence[Task], client: Any, out_path: str | Path, *, cfg: DistillConfig | None = None,
            executor: Any = None, progress: bool = True) -> DistillSummary:
    """Sample, verify and write teacher chains for `tasks` (see the module docstring); resumable."""
    from codereasoner.rewards.verify import verify_batch

    cfg = cfg or DistillConfig()
    summary = DistillSummary(tasks=len(tasks))
    teacher = getattr(client, "model", "")
    with ResumableWriter(out_path, key="task_id") as kept, ResumableWriter(rejected_path(out_path), key="task_id") as rej:
        done = kept.done | rej.done
        pending = [t for t in tasks if t.id not in done]
        summary.skipped_done = len(tasks) - len(pending)
        bar = None
        if progress and pending:
            import sys

            from tqdm import tqdm

            bar = tqdm(total=len(pending), desc=f"distill ({teacher})", unit="task", file=sys.stderr)
        try:
            for start in range(0, len(pending), cfg.batch):
                chunk = pending[start:start + cfg.batch]
                answers = _ask(client, [teacher_messages(t) for t in chunk], cfg)
                summary.asked += sum(len(a) for a in answers)
                flat_tasks = [t for t, a in zip(chunk, answers) for _ in a]
                flat = [normalize(c) for a in answers for c in a]
                verdicts = iter(verify_batch(flat_tasks, flat, executor=executor))
                texts = iter(flat)
                for task, group in zip(chunk, answers):
                    taken, statuses = 0, []
                    for j in range(len(group)):
                        text, verdict = next(texts), next(verdicts)
                        statuses.append(verdict.status.value)
                        summary.verdicts[verdict.status.value] += 1
                        if verdict.correct and taken < cfg.keep:
                            kept.write(Sample(task, text, "teacher", True, meta={
                                "task_id": task.id, "teacher": teacher, "sample": j, "n": len(group)}))
                            taken += 1
                    summary.kept += taken
                    if not taken:
                        rej.write({"task_id": task.id, "teacher": teacher, "n": len(group), "verdicts": statuses})
                        summary.rejected_tasks += 1
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    return summary


def read_samples(path: str | Path) -> list[Sample]:
    """The kept teacher samples of a distillation output file."""
    from codereasoner.jsonl import BadLine, read_records

    out = []
    for rec in read_records(path, Sample):
        if isinstance(rec, BadLine):
            raise ValueError(rec.error)
        out.append(rec)
    return out
