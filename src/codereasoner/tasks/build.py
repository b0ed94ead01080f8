"""Tasks stage (data build): one shard of programs → filters and engine checks → tasks, with counts.

For each program (`checked_programs`, docs/data.md): the static checks, one traced run at hash seed 0 (the
ground truth: ok, a short literal result, no prints) and a plain rerun under hash seed 1 (the same result),
runs on more inputs until the output changes (input dependence), the output caps, and the model-based
difficulty filter when a model is configured. Then the runs of any derived program a kind asks for (the
anchor-instrumented code), and every kind's questions: white-box kinds only for programs that pass
ExecVerify's structural filter, trivial questions capped. Nothing here reads or writes files;
`pipeline.build_data` does.
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from codereasoner.records import Program, Run, Task
from codereasoner.tasks import TASK_KINDS
from codereasoner.tasks.base import KindOptions, TaskKind
from codereasoner.tasks.config import DataConfig
from codereasoner.tasks.hardness import Generate

BATCH = 200  # programs per executor call: big enough to keep the pool busy, small enough for a live bar


def kinds_for(data: DataConfig) -> dict[str, TaskKind]:
    """The recipe's task kinds, configured; ValueError for an unknown kind or a style a kind lacks."""
    options = KindOptions(style=data.style, limit=data.questions_per_program, selection=data.selection,
                          max_answer_chars=data.max_answer_chars, max_anchors=data.max_anchors,
                          anchor_modes=tuple(data.anchor_modes), min_questions=data.whitebox_min_questions)
    kinds = {}
    for name in data.kinds:
        try:
            cls = TASK_KINDS.get(name)
        except KeyError as e:
            raise ValueError(f"data.kinds: {e.args[0]}") from None
        if data.style not in cls.styles:
            raise ValueError(f"data.kinds: task kind {name!r} has no prompt style {data.style!r} (data.style); "
                             f"its styles: {', '.join(cls.styles)}")
        kinds[name] = cls(options)
    return kinds


def _run(executor: Any, programs: Sequence[Program], limits: Any, trace: bool,
         on_progress: Callable[[int], Any] | None = None) -> list[Run]:
    from codereasoner.programs.checks import run_programs

    runs: list[Run] = []
    for i in range(0, len(programs), BATCH):
        chunk = programs[i:i + BATCH]
        runs += run_programs(executor, chunk, trace=trace, limits=limits)
        if on_progress is not None:
            on_progress(len(chunk))
    return runs


def checked_programs(programs: Sequence[Program], data: DataConfig, executor: Any, limits: Any,
                     counts: Counter[str], generate: Generate | None = None, solved_hist: Counter[str] | None = None,
                     on_progress: Callable[[int], Any] | None = None) -> list[tuple[Program, Run]]:
    """The programs stage's gates, in order, each drop counted in `counts` by reason (docs/data.md):
    static checks → one traced run (ground truth) + a hash-seed rerun → input dependence → output caps →
    the model-based difficulty filter when `generate` is given."""
    from codereasoner.programs import filters
    from codereasoner.programs.checks import verify_runs

    flt = data.filters
    candidates = filters.static_filter(programs, flt, counts)
    if on_progress is not None:
        on_progress(len(programs) - len(candidates))
    verified: list[tuple[Program, Run]] = []
    for i in range(0, len(candidates), BATCH):
        chunk = candidates[i:i + BATCH]
        checked: dict[str, int] = {}
        verified += verify_runs(chunk, executor, max_repr=data.max_answer_chars, stats=checked, limits=limits)
        for reason, k in checked.items():
            if reason not in ("kept", "total"):
                counts[f"engine_{reason}"] += k
        if on_progress is not None:
            on_progress(len(chunk))
    results = {p.id: p.meta["result"] for p, _ in verified}
    if flt.independence_inputs:
        verdict = filters.input_dependence([p for p, _ in verified], results,
                                           lambda jobs: _run(executor, jobs, limits, trace=False),
                                           min_inputs=flt.independence_inputs, candidates=flt.independence_candidates)
        counts["input_independent"] += sum(verdict[p.code] == "constant" for p, _ in verified)
        counts["independence_unmeasured"] += sum(verdict[p.code] == "unmeasured" for p, _ in verified)
        verified = [(p, r) for p, r in verified if verdict[p.code] != "constant"]
    runs = {p.id: r for p, r in verified}
    capped = filters.cap_outputs([p for p, _ in verified], results, flt, counts)
    kept = [(p, runs[p.id]) for p in capped]
    if generate is not None and data.hardness.enabled:
        from codereasoner.tasks.hardness import hardness_filter

        kept = hardness_filter(kept, generate, data.hardness, counts, solved_hist if solved_hist is not None
                               else Counter(), data.max_answer_chars)
    return kept


def shard_tasks(programs: Sequence[Program], kinds: dict[str, TaskKind], data: DataConfig, recipe: str,
                seed: int, executor: Any, limits: Any,
                on_progress: Callable[[int], Any] | None = None,
                generate: Generate | None = None) -> tuple[list[Task], list[Program], dict]:
    """(tasks, programs that passed every gate, counters) for one shard."""
    from codereasoner.tasks.selection import cap_trivial, structural_ok

    sections = ("programs", "tasks", "drops", "difficulty", "anchors", "hardness")
    counts: dict[str, Counter] = {s: Counter() for s in sections}
    kept = checked_programs(programs, data, executor, limits, counts["programs"], generate, counts["hardness"],
                            on_progress)
    counts["programs"]["kept"] = len(kept)
    # The trace's length goes with each kept program (the card's steps per level, without rerunning).
    kept = [(dataclasses.replace(p, meta={**p.meta, "steps": sum(s.event == "line" for s in r.trace.steps)}), r)
            if r.trace is not None else (p, r) for p, r in kept]

    derived = _derived_runs(kinds, [p for p, _ in kept], executor, limits)
    tasks: list[Task] = []
    seen: set[tuple[str, str, str]] = set()
    for kind in kinds.values():
        if hasattr(kind, "drops"):
            kind.drops.clear()
    for program, run in kept:
        white_box_ok = not data.structural_filter or structural_ok(program)
        for name, kind in kinds.items():
            if kind.white_box and not white_box_ok:
                counts["drops"][f"{name}:structural_filter"] += 1
                continue
            rng = random.Random(f"{seed}:{program.id}:{name}")
            extra = derived.get((name, program.id))
            for task in kind.questions(program, run, rng, recipe=recipe, derived=extra):
                key = (task.kind, task.prompt, json.dumps(task.answer, sort_keys=True))
                if key in seen:
                    counts["drops"][f"{name}:duplicate_task"] += 1
                    continue
                seen.add(key)
                tasks.append(task)
    tasks = cap_trivial(tasks, data.max_trivial_share, counts["drops"])
    for task in tasks:
        counts["tasks"][task.kind] += 1
        counts["difficulty"][f"{task.kind}/{task.difficulty}"] += 1
        if task.kind == "anchors":
            counts["anchors"][str(len(task.answer["prints"]))] += 1
    for name, kind in kinds.items():
        for reason, k in getattr(kind, "drops", {}).items():
            counts["drops"][f"{name}:{reason}"] += k
    stats = {section: dict(sorted(c.items())) for section, c in counts.items()}
    return tasks, [p for p, _ in kept], stats


def _derived_runs(kinds: dict[str, TaskKind], programs: Sequence[Program], executor: Any,
                  limits: Any) -> dict[tuple[str, str], tuple[Program, Run]]:
    """Run each kind's derived programs (plain runs; stdout is what anchors need)."""
    wanted: list[tuple[str, str, Program]] = []
    for name, kind in kinds.items():
        for program in programs:
            derived = kind.derive(program)
            if derived is not None:
                wanted.append((name, program.id, derived))
    runs = _run(executor, [d for _, _, d in wanted], limits, trace=False)
    return {(name, pid): (d, r) for (name, pid, d), r in zip(wanted, runs)}


def task_line(task: Task) -> str:
    """`jsonl.dumps(task)`, built directly: the generic codec's recursion was a third of a build's time.

    Same keys, order and text (meta merged at top level without overriding a field); a test checks it.
    """
    obj: dict[str, Any] = {"id": task.id, "kind": task.kind, "code": task.code, "call": task.call,
                           "question": json.dumps(task.question, ensure_ascii=False),  # JSON text, as the codec
                           "answer": json.dumps(task.answer, ensure_ascii=False), "prompt": task.prompt,
                           "difficulty": task.difficulty, "recipe": task.recipe}
    for key, value in task.meta.items():
        obj.setdefault(key, value)
    return json.dumps(obj, ensure_ascii=False)
