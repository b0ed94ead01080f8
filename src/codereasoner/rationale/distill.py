"""Teacher distillation: ask a teacher model for reasoning chains, keep only the verified ones, with provenance.

How CodeReasoner and ExecVerify make their SFT chains (docs/recipes.md: QwQ-32B / GPT-4o, filtered by
execution). Reads `Task`s; writes `Sample` records (origin "teacher", verified) as JSONL. The teacher is
anything with `chat(messages_list, n=, temperature=, max_tokens=, top_p=) -> list[list[str]]` and a `model`
name: `OpenAIClient` for any OpenAI-compatible server (vLLM, llama.cpp, a hosted API), or `LocalTeacher`
around a local model (`codereasoner data distill --teacher PATH` builds one on the evaluation backends).
The teacher sees exactly the task's own prompt (`Task.prompt` + `Task.meta["system"]`): ExecVerify's prompts
for the execverify recipe, StepCodeReasoner's system prompts for its anchors. Each task gets `n` samples
(rejection sampling); a sample is kept only when `rewards.verify.verify_batch` (strict) accepts its final
answer, and — with `check_trace` — when no intermediate claim in its reasoning contradicts the execution
trace (`trace_claims`: for anchor tasks every `<print>` must match; otherwise "x = 3"-style claims about the
program's variables must be values the variable takes), at most `keep` per task.

Provenance: every kept sample's `meta` records the teacher, the prompt style, the sampling settings, which of
the `n` samples it was, the verifier's verdict and the trace check — enough to filter or audit a set later.
Resuming: a client's on-disk cache keeps every answered request, and the output is written with
`ResumableWriter` (each line flushed whole; a torn last line is cut), plus `<out>.rejected.jsonl` for tasks
with no kept chain; a rerun skips every task already in either file and re-asks nothing it has.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codereasoner.jsonl import ResumableWriter
from codereasoner.records import Sample, Task
from codereasoner.rationale.sft import prompt_messages

_THINK = re.compile(r"^\s*<think>(.*?)</think>(.*)$", re.DOTALL)


@dataclass(frozen=True)
class DistillConfig:
    """Sampling and filtering for one distillation run. Defaults: ExecVerify's teacher pass (QwQ-32B, one
    sample per task at T 0.6, top_p 0.9, up to 4,096 tokens)."""

    n: int = field(default=1, metadata={"help": "teacher samples per task (rejection sampling)"})
    keep: int = field(default=1, metadata={"help": "verified chains kept per task, at most"})
    temperature: float = field(default=0.6, metadata={"help": "teacher sampling temperature"})
    top_p: float = field(default=0.9, metadata={"help": "teacher nucleus sampling"})
    max_tokens: int = field(default=4096, metadata={"help": "max new tokens per sample"})
    batch: int = field(default=64, metadata={"help": "tasks per round of requests (and per verify batch)"})
    check_trace: bool = field(default=False, metadata={
        "help": "also require the chain's intermediate claims to agree with the execution trace"})

    def __post_init__(self) -> None:
        if self.n < 1 or self.keep < 1 or self.batch < 1:
            raise ValueError("distill: n, keep and batch must be >= 1")
        if self.max_tokens < 1 or self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ValueError("distill: max_tokens must be >= 1, temperature >= 0 and top_p in (0, 1]")

    def sampling(self) -> dict[str, Any]:
        return {"n": self.n, "temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens}


class LocalTeacher:
    """A teacher around a local model: `generate(messages_list, n, temperature, top_p, max_tokens)` returns
    `n` completions per conversation (the CLI builds it on the vLLM or transformers evaluation backend)."""

    def __init__(self, model: str, generate: Callable[..., list[list[str]]]) -> None:
        self.model = model
        self._generate = generate

    def chat(self, messages_list: Sequence[list[dict[str, str]]], n: int = 1, temperature: float = 0.0,
             max_tokens: int = 1024, top_p: float = 1.0, **extra: Any) -> list[list[str]]:
        return self._generate(list(messages_list), n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens)


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
    return client.chat(messages, n=cfg.n, temperature=cfg.temperature, max_tokens=cfg.max_tokens, top_p=cfg.top_p)


def rejected_path(out_path: str | Path) -> Path:
    out = Path(out_path)
    return out.with_name(out.stem + ".rejected.jsonl")


def distill(tasks: Sequence[Task], client: Any, out_path: str | Path, *, cfg: DistillConfig | None = None,
            executor: Any = None, progress: bool = True) -> DistillSummary:
    """Sample, verify and write teacher chains for `tasks` (see the module docstring); resumable."""
    from codereasoner.rewards.verify import verify_batch

    cfg = cfg or DistillConfig()
    summary = DistillSummary(tasks=len(tasks))
    teacher = str(getattr(client, "model", ""))
    source = "openai" if hasattr(client, "base_url") else "local"
    endpoint = getattr(client, "base_url", None)
    with ResumableWriter(out_path, key="task_id") as kept, \
            ResumableWriter(rejected_path(out_path), key="task_id") as rej:
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
                if len(answers) != len(chunk):
                    raise ValueError(f"teacher {teacher}: {len(answers)} answers for {len(chunk)} prompts")
                summary.asked += sum(len(a) for a in answers)
                flat_tasks = [t for t, a in zip(chunk, answers) for _ in a]
                flat = [normalize(c) for a in answers for c in a]
                verdicts = verify_batch(flat_tasks, flat, executor=executor)
                checks = _trace_checks(flat_tasks, flat, verdicts, executor) if cfg.check_trace else None
                k = 0
                for task, group in zip(chunk, answers):
                    taken, statuses = 0, []
                    for j in range(len(group)):
                        text, verdict = flat[k], verdicts[k]
                        check = checks[k] if checks is not None else None
                        k += 1
                        status = verdict.status.value if check is None or check.ok else "trace_mismatch"
                        statuses.append(status)
                        summary.verdicts[status] += 1
                        if verdict.correct and (check is None or check.ok) and taken < cfg.keep:
                            meta = {"task_id": task.id, "teacher": teacher, "teacher_source": source,
                                    **({"endpoint": endpoint} if endpoint else {}),
                                    "prompt_style": task.meta.get("style", ""), "sampling": cfg.sampling(),
                                    "sample": j, "verdict": {"status": verdict.status.value, "detail": verdict.detail}}
                            if check is not None:
                                meta["trace_claims"] = check.to_json()
                            kept.write(Sample(task, text, "teacher", True, meta=meta))
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


def distill_dir(tasks: Sequence[Task], client: Any, out_dir: str | Path, *, cfg: DistillConfig | None = None,
                executor: Any = None, progress: bool = True, overwrite: bool = False) -> DistillSummary:
    """`distill` into a `codereasoner data distill -o DIR` output: DIR/distilled.jsonl (kept chains),
    DIR/distilled.rejected.jsonl, DIR/summary.json, under DIR's lock and parameters file (the same teacher,
    sampling and tasks resume; others are refused, naming what changed, unless `overwrite`)."""
    import hashlib
    import json

    from codereasoner.jsonl import write_atomic
    from codereasoner.outdir import claim

    cfg = cfg or DistillConfig()
    out = Path(out_dir)
    ids = hashlib.sha256("\n".join(t.id for t in tasks).encode()).hexdigest()[:16]
    params = {"teacher": str(getattr(client, "model", "")), "endpoint": getattr(client, "base_url", None),
              "sampling": cfg.sampling(), "keep": cfg.keep, "check_trace": cfg.check_trace,
              "tasks": f"{len(tasks)}:{ids}"}
    owned = (DISTILLED, rejected_path(DISTILLED).name, "summary.json", "cache")
    with claim(out, params, what="distillation output", owned=owned, overwrite=overwrite):
        summary = distill(tasks, client, out / DISTILLED, cfg=cfg, executor=executor, progress=progress)
        lines = {p.name: sum(1 for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
                 for p in (out / DISTILLED, rejected_path(out / DISTILLED)) if p.is_file()}
        doc = {"out": str(out / DISTILLED), "teacher": params["teacher"], "tasks": summary.tasks,
               "chains": lines.get(DISTILLED, 0), "rejected_tasks": lines.get(rejected_path(DISTILLED).name, 0),
               "this_run": {"resumed_tasks": summary.skipped_done, "asked": summary.asked, "kept": summary.kept,
                            "verdicts": dict(summary.verdicts)}}
        write_atomic(out / "summary.json", json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return summary


def _trace_checks(tasks: Sequence[Task], texts: Sequence[str], verdicts: Sequence[Any], executor: Any) -> list[Any]:
    """`rationale.claims.check_claims` for each chain; each distinct program is traced once."""
    from codereasoner.rationale.claims import check_claims
    from codereasoner.rationale.from_trace import traced_runs

    if executor is None:
        from codereasoner.execution import default_executor

        executor = default_executor()
    need = {t.id: t for t, v in zip(tasks, verdicts) if v.correct and t.kind != "anchors"}
    runs = dict(zip(need, traced_runs(list(need.values()), executor))) if need else {}
    return [check_claims(t, c, runs.get(t.id), v) for t, c, v in zip(tasks, texts, verdicts)]


DISTILLED = "distilled.jsonl"  # the kept chains, in a `codereasoner data distill -o DIR` output


def distilled_file(path: str | Path) -> Path | None:
    """The kept-chains file of a `data distill` output (the directory, or the file itself); None otherwise."""
    p = Path(path)
    if p.is_dir():
        return p / DISTILLED if (p / DISTILLED).is_file() else None
    return p if p.is_file() and p.name.endswith(".jsonl") and not p.name.endswith(".rejected.jsonl") else None


def read_samples(path: str | Path) -> list[Sample]:
    """The kept teacher samples of a distillation output (file, or `data distill` directory)."""
    from codereasoner.jsonl import BadLine, read_records

    found = distilled_file(path)
    if found is None:
        raise FileNotFoundError(f"{path}: no {DISTILLED} (is it a `codereasoner data distill` output?)")
    out = []
    for rec in read_records(found, Sample):
        if isinstance(rec, BadLine):
            raise ValueError(rec.error)
        out.append(rec)
    return out
