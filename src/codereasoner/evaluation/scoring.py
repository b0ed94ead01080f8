"""Evaluation: score an existing generations file without a model (`codereasoner eval score`).

Reads any generations format `evaluation/generations.py` knows (the official `{"<item id>": [answer,
...]}` JSON, human-eval/evalplus `samples.jsonl`, `eval run`'s own generations files) and the benchmark's
data; returns the SCORES.json document: the metrics at top level (`"pass@1"`, `"pass@5"` in percent, as
the official harness computes them), `benchmark`, `task`, `version`, `mode`, `limits`, the per-item
boolean lists and every verdict.

Scoring is journaled: `score_resumable` scores consecutive chunks of items and appends each chunk's
report to a JSONL journal as soon as it exists, so a run killed with -9 resumes with exactly the chunks
it had not finished (keyed by a hash of everything that decides their verdicts: nothing is reused across
changed answers, modes, limits or benchmark versions).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.generations import load_generations, read_generations
from codereasoner.evaluation.report import in_percent
from codereasoner.records import JSON, Generation, Report, Task, from_json, to_json

__all__ = ["load_generations", "limits_of", "report_doc", "score_file", "score_resumable"]

JOURNAL_CHUNK = 64  # items per journal record: at most this many items are rescored after a kill


def limits_of(report: Report) -> dict[str, JSON]:
    """The limits that decided the verdicts (written into every output: nothing implicit changes a score)."""
    if report.meta.get("timeout_s"):
        return {"timeout_s": report.meta["timeout_s"]}
    if report.mode == "official" and report.benchmark in ("cruxeval", "lcb_exec"):
        from codereasoner.rewards.official import OFFICIAL_TIMEOUT_S

        return {"timeout_s": OFFICIAL_TIMEOUT_S, "memory": "executor default"}
    from codereasoner.execution import ExecLimits

    return to_json(ExecLimits())


def report_doc(report: Report) -> dict[str, Any]:
    """SCORES.json: metrics at top level (percent, as every report: `"unit": "percent"`), then identity, limits,
    per-item lists and every verdict."""
    report = in_percent(report)
    meta = dict(report.meta)
    doc: dict[str, Any] = {**report.metrics}
    doc.update(unit=meta.pop("unit"), benchmark=report.benchmark, task=meta.pop("task", ""), version=report.version,
               mode=report.mode, limits=limits_of(report))
    doc.update(meta)
    doc["verdicts"] = [to_json(v) for v in report.verdicts]
    return doc


def _chunk_key(bench: Any, mode: str, executor: Any, tasks: Sequence[Task], gens: Sequence[Generation]) -> str:
    limits = getattr(executor, "limits", None)
    ident = [bench.name, bench.version, mode, repr(limits), [[t.id, t.kind, list(g.completions)]
                                                             for t, g in zip(tasks, gens)]]
    text = json.dumps(ident, ensure_ascii=True)  # ASCII: lone surrogates in answers hash like anything else
    return hashlib.sha256(text.encode()).hexdigest()


def score_resumable(bench: Any, tasks: Sequence[Task], generations: Sequence[Generation], *, mode: str,
                    executor: Any = None, journal: str | Path | None = None) -> Report:
    """`bench.score(tasks, generations)`, journaled chunk by chunk when `journal` is a path."""
    if journal is None or len(tasks) <= JOURNAL_CHUNK:
        return bench.score(tasks, generations, mode=mode, executor=executor)
    from codereasoner.evaluation.benchmarks.base import by_id
    from codereasoner.jsonl import BadLine, ResumableWriter, read_jsonl

    answers = by_id(tasks, generations, bench.name)  # every item has answers: fail before any work
    gens = [Generation(t.id, a) for t, a in zip(tasks, answers)]
    journal = Path(journal)
    writer = ResumableWriter(journal, key="key")  # cuts a torn last line (killed mid-write)
    done: dict[str, JSON] = {}
    for where, rec in read_jsonl(journal):
        if not isinstance(rec, BadLine) and isinstance(rec, dict) and "key" in rec:
            done[str(rec["key"])] = (where, rec.get("report"))
    reports = []
    try:
        for start in range(0, len(tasks), JOURNAL_CHUNK):
            part_t, part_g = tasks[start : start + JOURNAL_CHUNK], gens[start : start + JOURNAL_CHUNK]
            key = _chunk_key(bench, mode, executor, part_t, part_g)
            report = None
            if key in done:
                try:
                    report = from_json(Report, done[key][1], done[key][0])
                except ValueError:
                    report = None  # an unreadable journal line: score the chunk again
            if report is None:
                report = bench.score(part_t, part_g, mode=mode, executor=executor)
                writer.write({"key": key, "report": to_json(report)})
            reports.append(report)
    finally:
        writer.close()
    return bench.combine(tasks, gens, reports)


def score_file(
    benchmark: str,
    generations: str | Path,
    *,
    task: str | None = None,
    data: str | Path | None = None,
    mode: str = "official",
    workers: int | None = None,
    style: str | None = None,
    journal: str | Path | None = None,
) -> dict[str, Any]:
    """Score a generations file for `benchmark`/`task` and return the SCORES.json document."""
    if mode not in ("official", "strict"):
        raise ValueError(f"--mode must be official or strict, got {mode!r}")
    bench = BENCHMARKS.get(benchmark)()
    read = read_generations(generations)  # fail fast on a bad file, before loading data or starting workers
    if read.benchmark is not None and read.benchmark != bench.name:
        raise ValueError(f"{generations}: eval run wrote this file for benchmark {read.benchmark!r}, "
                         f"not {bench.name!r}")
    if read.task is not None and task is not None and read.task != task:
        raise ValueError(f"{generations}: eval run wrote this file for task {read.task!r}, not {task!r}")
    kind = bench.check_kind(task or read.task)
    if read.raw:
        style = bench.check_style(style or read.style)  # a style this benchmark lacks fails here
        if read.style is None and style is None:
            raise ValueError(f"{generations}: raw model text; pass --style (the prompt style it answered)")
    tasks = bench.load(data, task=kind)
    _check_ids(generations, bench.name, kind, tasks, read.generations)
    from codereasoner.evaluation.harness import score_completions

    if benchmark == "codegen":  # it sizes its own executor's time limit per variant (codegen.TIMEOUT_S)
        report = score_completions(bench, tasks, read.generations, style if read.raw else None, mode=mode,
                                   executor=None, journal=journal)
        return report_doc(report)
    from codereasoner.execution import Executor

    with Executor(workers=workers) as executor:
        report = score_completions(bench, tasks, read.generations, style if read.raw else None, mode=mode,
                                   executor=executor, journal=journal)
    return report_doc(report)


def _check_ids(path: str | Path, name: str, kind: str, tasks: Sequence[Task], gens: Sequence[Generation]) -> None:
    """Every generation names an item of this benchmark/task (a wrong --benchmark or --task is no 0 %)."""
    known = {t.id for t in tasks}
    unknown = [g.task_id for g in gens if g.task_id not in known]
    if unknown:
        sample = ", ".join(sorted(known)[:3])
        raise ValueError(f"{path}: {len(unknown)} of {len(gens)} ids are not items of {name}/{kind} "
                         f"(first: {unknown[0]!r}; items look like {sample}); wrong --benchmark or --task?")
    if not gens:
        raise ValueError(f"{path}: no generations in it")
