"""Evaluation: generate with a model, extract answers the benchmark's way, score, and write the report.

`evaluate(model_or_backend, benchmarks, ...)` is the one function behind `codereasoner eval run` and the
quickstart: it takes benchmark names (loaded from their data) or in-memory `Task` lists, a backend (or a
model path / in-memory model for the transformers backend), and returns one `Report` per benchmark and
task kind. Raw completions are cached per item under `out_dir/generations/`, so a rerun resumes.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codereasoner.evaluation.backends.base import GenerationCache, Sampling
from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.scoring import limits_of
from codereasoner.records import Generation, Report, Task

# The official generators stop at `[/ANSWER]` (CRUXEval inference, REval inference.py); tag styles end
# at `</answer>`. Cutting there is what the stop word would have done.
STOP = {"direct": ("[/ANSWER]",), "cot": ("[/ANSWER]",)}


def as_backend(model_or_backend: Any, **kwargs: Any) -> Any:
    """A backend as is; a path/name or an in-memory model → the transformers backend."""
    if hasattr(model_or_backend, "generate") and not _is_hf_model(model_or_backend):
        return model_or_backend
    from codereasoner.evaluation.backends import BACKENDS

    return BACKENDS.get("hf")(model_or_backend, **kwargs)


def _is_hf_model(obj: Any) -> bool:
    return type(obj).__module__.startswith("transformers")


def _prompts(bench: Any, tasks: Sequence[Task], style: str) -> list[Any]:
    """The prompt for each task: its `prompt` field when already rendered, else the benchmark's render."""
    return [t.prompt if t.prompt else bench.render(t, style) for t in tasks]


def evaluate(
    model_or_backend: Any,
    benchmarks: Sequence[str] | Mapping[str, Sequence[Task]],
    *,
    task_kinds: Sequence[str] | None = None,
    style: str | None = None,
    sampling: Sampling = Sampling(),
    mode: str = "official",
    data: str | Path | None = None,
    limit: int | None = None,
    out_dir: str | Path | None = None,
    executor: Any = None,
    tokenizer: Any = None,
) -> list[Report]:
    """Generate, extract, score; `benchmarks` is names (`["cruxeval"]`) or `{name: tasks}` in memory."""
    if mode not in ("official", "strict"):
        raise ValueError(f"mode must be 'official' or 'strict', got {mode!r}")
    work: list[tuple[Any, str, list[Task], int]] = []  # (benchmark, kind, tasks to run, items in the benchmark)
    if isinstance(benchmarks, Mapping):
        for name, tasks in benchmarks.items():
            bench = BENCHMARKS.get(name)()
            kinds = sorted({t.kind for t in tasks})
            for kind in kinds:
                of_kind = [t for t in tasks if t.kind == kind]
                work.append((bench, kind, of_kind[:limit], len(of_kind)))
    else:
        for name in benchmarks:  # resolve names and data first: fail before loading a model
            bench = BENCHMARKS.get(name)()
            for kind in task_kinds or bench.task_kinds[:1]:
                if kind not in bench.task_kinds:
                    continue
                loaded = bench.load(data, task=kind)
                work.append((bench, kind, loaded[:limit], len(loaded)))
    for bench, _, _, _ in work:
        bench.check_style(style)  # a style a benchmark lacks fails now, not after generating the others
    backend = as_backend(model_or_backend, **({"tokenizer": tokenizer} if tokenizer is not None else {}))
    reports = []
    for bench, kind, tasks, total in work:
        st = bench.check_style(style)
        sampled = Sampling(**{**asdict(sampling), "stop": tuple(sampling.stop) + STOP.get(st, ())})
        render = None
        if st == "stepcodereasoner":  # instrumented prompts (steps.py): the anchor tasks are what is asked
            from codereasoner.evaluation.benchmarks.cruxeval import render_with_kind
            from codereasoner.evaluation.benchmarks.steps import anchor_tasks

            asked, _ = anchor_tasks(tasks, _executor(executor))
            render = lambda t: render_with_kind(t, st)  # noqa: E731
        else:
            asked = tasks
        gens = _generate(backend, bench, asked, st, sampled, out_dir, kind, render=render)
        journal = Path(out_dir) / "verdicts" / f"{bench.name}-{kind}-{st}-{mode}.jsonl" if out_dir else None
        report = score_completions(bench, tasks, gens, st, mode=mode, executor=executor, journal=journal)
        meta = {**report.meta, "style": st, "sampling": asdict(sampled), "task": kind, "limits": limits_of(report),
                "items": len(tasks), "benchmark_items": total}  # a --limit run says it scored a subset
        reports.append(Report(report.benchmark, report.version, report.mode, report.metrics, report.verdicts, meta))
    reval = [r for r in reports if r.benchmark == "reval"]
    if {r.meta.get("task") for r in reval} >= {"coverage", "state", "path", "output"}:
        from codereasoner.evaluation.benchmarks.reval import consistency

        ic = {"ic": consistency(reval)}  # REval's incremental consistency, 0-100
        reports.append(Report("reval", reval[0].version, reval[0].mode, ic, (), {"task": "consistency"}))
    return reports


def _executor(executor: Any) -> Any:
    from codereasoner.execution import default_executor

    return executor or default_executor()


def score_completions(bench: Any, tasks: Sequence[Task], generations: Sequence[Generation], style: str | None, *,
                      mode: str, executor: Any = None, journal: str | Path | None = None) -> Report:
    """Score per-item completions: raw model text of prompt `style` is extracted the benchmark's way first
    (`style=None`: already extracted answers). `stepcodereasoner` completions answer the instrumented
    prompts, so they are scored on the final answer plus step accuracy (steps.py). One completion whose
    extraction fails becomes an empty answer (wrong), never a failed run."""
    if style == "stepcodereasoner":
        from codereasoner.evaluation.benchmarks.steps import anchor_tasks, score_steps

        ex = _executor(executor)
        anchors, dropped = anchor_tasks(tasks, ex)
        report = score_steps(bench, tasks, anchors, generations, mode=mode, executor=ex)
        return Report(report.benchmark, report.version, report.mode, report.metrics, report.verdicts,
                      {**report.meta, "dropped_items": dropped})
    if style is not None:
        by = {t.id: t for t in tasks}
        generations = [Generation(g.task_id, tuple(_extract(bench, c, by[g.task_id], style) for c in g.completions),
                                  {"raw": list(g.completions)}) if g.task_id in by else g for g in generations]
    from codereasoner.evaluation.scoring import score_resumable

    return score_resumable(bench, tasks, generations, mode=mode, executor=executor, journal=journal)


def _extract(bench: Any, completion: str, task: Task, style: str) -> str:
    try:
        return bench.extract(completion, task, style)
    except Exception:  # noqa: BLE001 — one odd completion is that answer's problem, not the run's
        return ""


def _check_settings(path: Path, settings: dict[str, Any]) -> None:
    """Resume only with the settings that made the cached generations (nothing implicit changes a score)."""
    import json

    from codereasoner.jsonl import write_atomic

    settings = json.loads(json.dumps(settings))  # tuples → lists, as they read back
    if path.exists():
        before = json.loads(path.read_text(encoding="utf-8"))
        if before != settings:
            raise ValueError(f"{path.parent}: cached generations were made with {before}, not {settings}; "
                             "use a new output directory (or delete the generations folder)")
        return
    write_atomic(path, json.dumps(settings, indent=1) + "\n")


def _generate(backend: Any, bench: Any, tasks: Sequence[Task], style: str, sampling: Sampling,
              out_dir: str | Path | None, kind: str, render: Any = None) -> list[Generation]:
    """Completions for every task, reusing (and extending) the on-disk cache when `out_dir` is set."""
    cache = None
    if out_dir is not None:
        path = Path(out_dir) / "generations" / f"{bench.name}-{kind}-{style}.jsonl"
        _check_settings(path.with_suffix(".settings.json"), {"sampling": asdict(sampling),
                                                             "backend": type(backend).__name__})
        cache = GenerationCache(path)
    done: dict[str, Generation] = dict(cache.items) if cache else {}
    todo = [t for t in tasks if t.id not in done]
    chunk = 16  # write-through granularity: at most this many items are redone after a kill
    try:
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            prompts = [render(t) for t in part] if render else _prompts(bench, part, style)
            outs = backend.generate(prompts, sampling)
            for t, completions in zip(part, outs):
                gen = Generation(t.id, tuple(completions))
                done[t.id] = gen
                if cache:
                    cache.add(gen)
            print(f"{bench.name}/{kind}: {min(start + chunk, len(todo))}/{len(todo)} generated", file=sys.stderr)
    finally:
        if cache:
            cache.close()
    return [done[t.id] for t in tasks]
