"""Evaluation: score an existing generations file without a model (`codereasoner eval score`).

Reads the official generations format `{"<item id>": [answer, ...]}` (CRUXEval's `generations.json`;
the same shape for every benchmark here) and the benchmark's data; returns the SCORES.json document:
the metrics at top level (`"pass@1"`, `"pass@5"` in percent, as the official harness computes them),
`benchmark`, `task`, `version`, `mode`, `limits`, the per-item boolean lists and every verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.records import JSON, Generation, Report, to_json


def load_generations(path: str | Path) -> list[Generation]:
    """`{"id": [answers...]}` → Generations; anything else is an error naming the file and the key."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(doc, dict):
        raise ValueError(f'{path}: expected an object {{"<item id>": [answer, ...]}}, got {type(doc).__name__}')
    out = []
    for key, answers in doc.items():
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise ValueError(f"{path}: {key!r} must map to a list of answer strings")
        out.append(Generation(str(key), tuple(answers)))
    return out


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
    """SCORES.json: metrics at top level, then identity, limits, per-item lists and every verdict."""
    meta = dict(report.meta)
    doc: dict[str, Any] = {**report.metrics}
    doc.update(benchmark=report.benchmark, task=meta.pop("task", ""), version=report.version, mode=report.mode,
               limits=limits_of(report))
    doc.update(meta)
    doc["verdicts"] = [to_json(v) for v in report.verdicts]
    return doc


def score_file(
    benchmark: str,
    generations: str | Path,
    *,
    task: str | None = None,
    data: str | Path | None = None,
    mode: str = "official",
    workers: int | None = None,
) -> dict[str, Any]:
    """Score GEN.json for `benchmark`/`task` and return the SCORES.json document."""
    if mode not in ("official", "strict"):
        raise ValueError(f"--mode must be official or strict, got {mode!r}")
    bench = BENCHMARKS.get(benchmark)()
    gens = load_generations(generations)  # fail fast on a bad file, before loading data or starting workers
    tasks = bench.load(data, task=task)
    if benchmark == "codegen":  # it sizes its own executor's time limit per variant (codegen.TIMEOUT_S)
        return report_doc(bench.score(tasks, gens, mode=mode))
    from codereasoner.execution import Executor

    with Executor(workers=workers) as executor:
        report = bench.score(tasks, gens, mode=mode, executor=executor)
    return report_doc(report)
