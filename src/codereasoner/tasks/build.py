"""Tasks stage (data build): one shard of programs → engine checks → traced runs → tasks, with counts.

For each program: a plain run (must end `ok` with a literal result), a traced run (must give the same
result: a cheap determinism check), the runs of any derived program a kind asks for (the anchor-instrumented
code), then every kind's questions. Nothing here reads or writes files; `pipeline.build_data` does.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from codereasoner.records import Program, Run, Task
from codereasoner.tasks import TASK_KINDS
from codereasoner.tasks.base import KindOptions, TaskKind
from codereasoner.tasks.config import DataConfig

BATCH = 200  # programs per executor call: big enough to keep the pool busy, small enough for a live bar


def kinds_for(data: DataConfig) -> dict[str, TaskKind]:
    """The recipe's task kinds, configured; ValueError for an unknown kind or a style a kind lacks."""
    options = KindOptions(style=data.style, limit=data.questions_per_program, selection=data.selection,
                          max_answer_chars=data.max_answer_chars, max_anchors=data.max_anchors,
                          anchor_modes=tuple(data.anchor_modes))
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
    runs: list[Run] = []
    for i in range(0, len(programs), BATCH):
        chunk = programs[i:i + BATCH]
        runs += executor.run(chunk, trace=trace, limits=limits)
        if on_progress is not None:
            on_progress(len(chunk))
    return runs


def shard_tasks(programs: Sequence[Program], kinds: dict[str, TaskKind], data: DataConfig, recipe: str,
                seed: int, executor: Any, limits: Any,
                on_progress: Callable[[int], Any] | None = None) -> tuple[list[Task], list[Program], dict]:
    """(tasks, programs that made it through the engine, counters) for one shard."""
    from codereasoner.programs import verify_programs

    counts: dict[str, Counter] = {s: Counter() for s in ("programs", "tasks", "drops", "difficulty", "anchors")}
    # The programs stage's gate: runs ok with a short literal result, twice the same, no hash-order sets.
    passed: list[Program] = []
    for i in range(0, len(programs), BATCH):
        checked: dict[str, int] = {}
        passed += verify_programs(list(programs[i:i + BATCH]), executor, max_repr=data.max_answer_chars,
                                  stats=checked)
        for reason, k in checked.items():
            if reason not in ("kept", "total"):
                counts["programs"][f"engine_{reason}"] += k
    traced = _run(executor, passed, limits, trace=True, on_progress=on_progress)
    if on_progress is not None:
        on_progress(len(programs) - len(passed))
    kept: list[tuple[Program, Run]] = []
    for program, run in zip(passed, traced):
        if not run.ok or run.result != program.meta.get("result") or run.trace is None:
            counts["programs"]["engine_nondeterministic"] += 1  # the traced run disagrees with the checked ones
        else:
            kept.append((program, run))
    counts["programs"]["kept"] = len(kept)

    derived = _derived_runs(kinds, [p for p, _ in kept], executor, limits)
    tasks: list[Task] = []
    seen: set[tuple[str, str, str]] = set()
    for kind in kinds.values():
        if hasattr(kind, "drops"):
            kind.drops.clear()
    for program, run in kept:
        for name, kind in kinds.items():
            rng = random.Random(f"{seed}:{program.id}:{name}")
            extra = derived.get((name, program.id))
            for task in kind.questions(program, run, rng, recipe=recipe, derived=extra):
                key = (task.kind, task.prompt, json.dumps(task.answer, sort_keys=True))
                if key in seen:
                    counts["drops"][f"{name}:duplicate_task"] += 1
                    continue
                seen.add(key)
                tasks.append(task)
                counts["tasks"][name] += 1
                counts["difficulty"][f"{name}/{task.difficulty}"] += 1
                if name == "anchors":
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
