"""SFT data: verified reasoning chains as the chat datasets TRL's SFTTrainer takes.

Reads task records (`DIR/tasks/*.jsonl` from `codereasoner data build`), writes chains from their traces
(`from_trace.py`), keeps only those the one verifier accepts (`rewards.verify.verify_batch`, strict), and
writes JSONL rows in TRL's conversational formats (docs/training.md):
- "prompt_completion" (default): `{"prompt": [system?, user], "completion": [assistant]}` — SFTTrainer then
  trains on the completion only;
- "messages": `{"messages": [system?, user, assistant]}`.
Every row also carries `id` (the task id) so a reader can join it back to its task.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codereasoner.jsonl import BadLine, read_records, write_atomic
from codereasoner.records import Sample, Task
from codereasoner.rationale.from_trace import safe_completion, traced_runs

FORMATS = ("prompt_completion", "messages")
CONCISE_RECIPES = ("tiny",)  # recipes whose model is small enough to need the concise register


def prompt_messages(task: Task) -> list[dict[str, str]]:
    """[system?, user]: the kind's system prompt (Task.meta["system"]) and the rendered prompt."""
    system = task.meta.get("system")
    msgs = [{"role": "system", "content": str(system)}] if system else []
    return msgs + [{"role": "user", "content": task.prompt}]


def to_chat(sample: Sample) -> dict[str, Any]:
    """`{"id", "messages": [system?, user, assistant]}` for SFTTrainer's conversational format."""
    return {"id": sample.task.id,
            "messages": prompt_messages(sample.task) + [{"role": "assistant", "content": sample.completion}]}


def to_prompt_completion(sample: Sample) -> dict[str, Any]:
    """`{"id", "prompt": [system?, user], "completion": [assistant]}` (completion-only loss in SFTTrainer)."""
    return {"id": sample.task.id, "prompt": prompt_messages(sample.task),
            "completion": [{"role": "assistant", "content": sample.completion}]}


def sft_row(sample: Sample, fmt: str = "prompt_completion") -> dict[str, Any]:
    if fmt not in FORMATS:
        raise ValueError(f"SFT format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return to_chat(sample) if fmt == "messages" else to_prompt_completion(sample)


def write_sft(samples: Iterable[Sample], out_path: str | Path, fmt: str = "prompt_completion") -> int:
    """Write the verified samples as SFT rows (atomic); returns how many were written."""
    import json

    rows = [json.dumps(sft_row(s, fmt), ensure_ascii=False) for s in samples if s.verified]
    write_atomic(out_path, "".join(r + "\n" for r in rows))
    return len(rows)


def samples_from_trace(tasks: Sequence[Task], *, executor: Any = None, style: str | None = None,
                       concise: bool = False, max_events: int | None = None) -> list[Sample]:
    """A trace-guided Sample per task whose program traces cleanly, each checked by `verify_batch`.

    `Sample.verified` is the verifier's verdict (a chain it rejects would be a bug here, never data).
    """
    from codereasoner.rewards.verify import verify_batch

    if executor is None:
        from codereasoner.execution import default_executor

        executor = default_executor()
    runs = traced_runs(tasks, executor)
    pairs = [(t, safe_completion(t, r, style=style, concise=concise, max_events=max_events))
             for t, r in zip(tasks, runs)]
    kept = [(t, c) for t, c in pairs if c is not None]
    verdicts = verify_batch([t for t, _ in kept], [c for _, c in kept], executor=executor)
    return [Sample(task=t, completion=c, origin="trace", verified=v.correct,
                   meta={"verdict": v.status.value, **({"detail": v.detail} if not v.correct else {})})
            for (t, c), v in zip(kept, verdicts)]


def answer_samples(tasks: Sequence[Task], *, executor: Any = None) -> list[Sample]:
    """A Sample per task whose completion is the bare gold answer in the task's style (no reasoning chain):
    origin "answer", `verified` = the verifier's verdict on it (as for chains)."""
    from codereasoner.rewards.verify import verify_batch
    from codereasoner.tasks import get_kind

    if executor is None:
        from codereasoner.execution import default_executor

        executor = default_executor()
    completions = [get_kind(t.kind).gold(t, t.meta.get("style")).strip() for t in tasks]
    verdicts = verify_batch(list(tasks), completions, executor=executor)
    return [Sample(task=t, completion=c, origin="answer", verified=v.correct, meta={"verdict": v.status.value})
            for t, c, v in zip(tasks, completions, verdicts)]


def sft_samples(tasks: Sequence[Task], *, chains: bool, concise: bool = False, executor: Any = None) -> list[Sample]:
    """The verified samples SFT trains on: trace-guided chains (`chains`) or bare answers."""
    made = samples_from_trace(tasks, executor=executor, concise=concise) if chains else \
        answer_samples(tasks, executor=executor)
    return [s for s in made if s.verified]


@dataclass
class SftSummary:
    """What `build_sft_dataset` did: rows written and why the others were left out."""

    path: str
    written: int = 0
    tasks: int = 0
    dropped: Counter = field(default_factory=Counter)


def read_tasks(tasks_dir: str | Path) -> Iterable[Task]:
    """Task records from a file, or from every `*.jsonl` under DIR/tasks/ (or DIR itself), sorted by name."""
    root = Path(tasks_dir)
    if root.is_file():
        files = [root]
    else:
        folder = root / "tasks" if (root / "tasks").is_dir() else root
        files = sorted(folder.glob("*.jsonl"))
        if not files:
            raise FileNotFoundError(f"no task files (*.jsonl) in {folder}")
    for path in files:
        for rec in read_records(path, Task):
            if isinstance(rec, BadLine):
                raise ValueError(rec.error)
            yield rec


def build_sft_dataset(tasks_dir: str | Path, out_path: str | Path, recipe: str = "tiny", *,
                      concise: bool | None = None, executor: Any = None, fmt: str = "prompt_completion",
                      kinds: Sequence[str] | None = None, limit: int | None = None,
                      batch: int = 500) -> SftSummary:
    """Write verified trace-guided chains for the tasks under `tasks_dir` to `out_path` (JSONL, atomic).

    `concise` defaults to True for the tiny recipe; `kinds` keeps only those task kinds; `limit` caps rows.
    """
    if fmt not in FORMATS:
        raise ValueError(f"SFT format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    concise = recipe in CONCISE_RECIPES if concise is None else concise
    summary = SftSummary(str(out_path))
    tasks = [t for t in read_tasks(tasks_dir) if kinds is None or t.kind in kinds]
    summary.tasks = len(tasks)
    lines: list[str] = []
    import json

    for start in range(0, len(tasks), batch):
        chunk = tasks[start:start + batch]
        samples = samples_from_trace(chunk, executor=executor, concise=concise)
        if len(samples) < len(chunk):
            summary.dropped["no_usable_trace"] += len(chunk) - len(samples)
        for s in samples:
            if not s.verified:
                summary.dropped[f"not_verified:{s.meta.get('verdict')}"] += 1
                continue
            if limit is not None and summary.written >= limit:
                break
            lines.append(json.dumps(sft_row(s, fmt), ensure_ascii=False))
            summary.written += 1
        if limit is not None and summary.written >= limit:
            break
    write_atomic(out_path, "".join(line + "\n" for line in lines))
    return summary
