"""The data stage: `build_data` — recipe → programs → engine checks → traced runs → tasks → sharded JSONL.

Reads nothing but the recipe (and the benchmark files used for decontamination); writes under DIR:
  tasks/<kind>-00000.jsonl … task records (docs/formats.md), one file per kind per `data.shard_size` programs
  programs.jsonl             the programs the tasks came from
  README.md                  the dataset card (counts by kind and difficulty, anchors, drops, examples)
  config.json                the resolved recipe and build parameters
  .build/                    per-shard stats; a shard is done when its stats file exists
Determinism: programs are drawn up front from per-(source, level) rngs derived from the seed, and each
program's questions use an rng derived from (seed, program id, kind), so the same arguments give the same
bytes whatever the worker count and however often the build was killed and resumed. Each shard's files are
written atomically, so a kill -9 loses at most the shard in progress, which the rerun redoes identically.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codereasoner.config import apply_overrides, to_dict
from codereasoner.jsonl import dumps, write_atomic
from codereasoner.outdir import claim
from codereasoner.records import Task
from codereasoner.recipe import Recipe, load_recipe
from codereasoner.tasks.config import DataConfig

__all__ = ["DataConfig", "DataSummary", "build_data"]

PARAMS_FILE = ".build/params.json"
OWNED = ("tasks", ".build", "programs.jsonl", "README.md", "config.json")  # what --overwrite deletes


@dataclass(frozen=True)
class DataSummary:
    """What a build made and dropped (also in DIR/README.md and DIR/.build/summary.json)."""

    out_dir: str
    recipe: str
    n: int
    seed: int
    programs: dict[str, Any]  # drawn, duplicates, contaminated, engine_* drops, kept; decontamination info
    tasks: dict[str, int]  # by kind
    drops: dict[str, int] = field(default_factory=dict)  # why questions/anchor tasks were not made
    seconds: float = 0.0
    resumed_shards: int = 0

    @property
    def total_tasks(self) -> int:
        return sum(self.tasks.values())


def build_data(recipe: Recipe | str, n: int, seed: int, out_dir: str | Path, workers: int | None = None,
               resume: bool = True, overwrite: bool = False, progress: bool = True,
               overrides: Sequence[str] = ()) -> DataSummary:
    """Build the recipe's tasks from `n` drawn programs (before dedup/decontamination/engine filters)."""
    from codereasoner import __version__
    from codereasoner.tasks.build import kinds_for

    start = time.perf_counter()
    if isinstance(recipe, str):
        recipe = load_recipe(recipe, overrides)
    elif overrides:
        recipe = apply_overrides(recipe, list(overrides))
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    data = recipe.data
    kinds = kinds_for(data)  # fails fast on unknown kinds or styles, before any work
    if data.hardness.enabled:
        from codereasoner.pipeline.hardness import check_backend

        check_backend(data.hardness)
    out = Path(out_dir)
    build = {"n": n, "seed": seed, "python": _python(), "codereasoner": __version__}
    # What the data depends on (the resume check); other recipe sections (train, reward, ...) do not matter.
    params = {"recipe": recipe.name, "data": to_dict(data), **build}
    with claim(out, params, what="data build", owned=OWNED, marker=PARAMS_FILE, resume=resume,
               overwrite=overwrite):
        return _build(recipe, n, seed, out, workers, progress, kinds, build, start)


def _build(recipe: Recipe, n: int, seed: int, out: Path, workers: int | None, progress: bool,
           kinds: dict[str, Any], build: dict[str, Any], start: float) -> DataSummary:
    from codereasoner.execution import ExecLimits, Executor
    from codereasoner.outdir import plain
    from codereasoner.programs import diversity_report
    from codereasoner.tasks import card, draw, realism
    from codereasoner.tasks.build import shard_tasks, task_line
    from codereasoner.tasks.dataset import task_file

    data = recipe.data
    params = plain({"recipe": recipe.name, "data": to_dict(data), **build})
    programs, program_counts = draw.draw_programs(data, n, seed)
    shards = [programs[i:i + data.shard_size] for i in range(0, len(programs), data.shard_size)] or [[]]
    limits = ExecLimits(timeout_s=data.timeout_s, max_steps=data.max_steps)
    bar = _progress(len(programs), progress)
    resumed = 0
    stats: list[dict[str, Any]] = []
    executor = None
    judge = None
    if data.hardness.enabled:
        from codereasoner.pipeline.hardness import Judge

        judge = Judge(data.hardness, out)  # the model loads on the first shard that needs it
    try:
        for k, shard in enumerate(shards):
            done = out / ".build" / f"shard-{k:05d}.json"
            if done.exists():
                stats.append(json.loads(done.read_text(encoding="utf-8")))
                resumed += 1
                bar.update(len(shard))
                continue
            if executor is None:
                executor = Executor(workers=workers, limits=limits)
            tasks, kept, shard_stats = shard_tasks(shard, kinds, data, recipe.name, seed, executor, limits,
                                                   on_progress=bar.update, generate=judge)
            by_kind: dict[str, list[str]] = {}  # one kind per file: the card's configs select kinds by file name
            for t in tasks:
                by_kind.setdefault(t.kind, []).append(task_line(t) + "\n")
            for kind, lines in by_kind.items():
                write_atomic(task_file(out, kind, k), "".join(lines))
            write_atomic(out / ".build" / f"programs-{k:05d}.jsonl", "".join(dumps(p) + "\n" for p in kept))
            write_atomic(done, json.dumps(shard_stats, sort_keys=True))  # last: marks the shard done
            stats.append(shard_stats)
    finally:
        bar.close()
        if executor is not None:
            executor.close()
        if judge is not None:
            judge.close()

    total = _merge(stats)
    program_counts = {**program_counts, **total["programs"]}
    kept_programs = "".join((out / ".build" / f"programs-{k:05d}.jsonl").read_text(encoding="utf-8")
                            for k in range(len(shards)))
    write_atomic(out / "programs.jsonl", kept_programs)
    summary = DataSummary(str(out), recipe.name, n, seed, program_counts, dict(total["tasks"]),
                          dict(total["drops"]), round(time.perf_counter() - start, 3), resumed)
    config = {"recipe": to_dict(recipe), **build}  # the resolved recipe, every section
    write_atomic(out / "config.json", json.dumps(config, indent=2, sort_keys=True) + "\n")
    kept = draw.read_programs(out / "programs.jsonl")
    card_text = card.render_card(recipe, params, program_counts, total, _examples(out, kinds),
                                 diversity_report(kept), realism.from_build(kept).to_dict())
    write_atomic(out / "README.md", card_text)
    return summary


def _python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _merge(stats: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum the per-shard counters (every value is a flat str → int mapping)."""
    total: dict[str, Counter] = {}
    for s in stats:
        for section, counts in s.items():
            total.setdefault(section, Counter()).update(counts)
    for section in ("programs", "tasks", "drops", "difficulty", "anchors", "hardness"):
        total.setdefault(section, Counter())
    return {k: dict(sorted(v.items())) for k, v in total.items()}


def _examples(out: Path, kinds: dict[str, Any], per_kind: int = 1) -> list[Task]:
    """The first task of each kind (for the card), read back from the shards."""
    from codereasoner.jsonl import read_records

    found: dict[str, list[Task]] = {}
    for path in sorted((out / "tasks").glob("*.jsonl")):
        for task in read_records(path, Task):
            if not isinstance(task, Task):
                continue
            if len(found.setdefault(task.kind, [])) >= per_kind:
                break  # one kind per file: the rest of this file adds nothing
            found[task.kind].append(task)
    return [t for k in kinds for t in found.get(k, [])]


class _NoBar:
    def update(self, k: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="programs", unit="prog", file=sys.stderr, dynamic_ncols=True)

