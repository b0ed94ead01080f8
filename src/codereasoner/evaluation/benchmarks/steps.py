"""Evaluation: StepCodeReasoner's protocol on CRUXEval — instrumented code with print anchors, scored on the
final answer, with step accuracy reported beside it (StepCodeReasoner Table 6; docs/scoring.md).

Reads CRUXEval output/input `Task`s, writes `anchors` Tasks: the program instrumented by the same AST rules
as the training data (execution/anchors.py, no teacher model), its printed lines as step targets. Items
the paper's filter drops (more than 10 printed lines, §4.1) or that cannot be instrumented are left out
and counted. Final answers are scored by the benchmark's own (official or strict) rule on the original
task; step accuracy = anchor prints right / anchor prints asked, through `verify_batch` (strict).
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

from codereasoner.records import Generation, Program, Report, Task

MAX_ANCHORS = 10  # §4.1: samples whose trace prints more than 10 lines are filtered from the benchmarks too


def anchor_tasks(tasks: Sequence[Task], executor: Any) -> tuple[list[Task], dict[str, int]]:
    """One `anchors` Task per instrumentable item (same id as the item), and why the others were dropped."""
    from codereasoner.tasks import TASK_KINDS
    from codereasoner.tasks.base import KindOptions

    kinds = {mode: TASK_KINDS.get("anchors")(KindOptions(max_anchors=MAX_ANCHORS, anchor_modes=(mode,),
                                                         max_answer_chars=100_000))
             for mode in ("output", "input")}
    originals, derived, slots = [], [], []
    for t in tasks:
        program = Program(t.id, t.code, t.call)
        d = kinds[t.kind].derive(program)
        if d is not None:
            originals.append(program)
            derived.append(d)
            slots.append(t)
    runs = executor.run(originals + derived)
    out, dropped = [], Counter({"not_instrumentable": len(tasks) - len(slots)})
    for t, p, d, run, drun in zip(slots, originals, derived, runs[: len(slots)], runs[len(slots):]):
        made = list(kinds[t.kind].questions(p, run, random.Random(0), recipe="eval", derived=(d, drun)))
        if made:
            out.append(dataclasses.replace(made[0], id=t.id, meta={**made[0].meta, **t.meta}))
    for kind in kinds.values():
        dropped.update(kind.drops)
    return out, {k: v for k, v in dropped.items() if v}


def score_steps(bench: Any, tasks: Sequence[Task], anchors: Sequence[Task], raw: Sequence[Generation], *,
                mode: str, executor: Any) -> Report:
    """Final-answer score on the kept items (the benchmark's rule) plus step accuracy (strict)."""
    from codereasoner.rewards.verify import verify_batch

    kept = {a.id for a in anchors}
    originals = [t for t in tasks if t.id in kept]
    by_id = {g.task_id: g for g in raw}
    answers = [Generation(t.id, tuple(bench.extract(c, t, "stepcodereasoner") for c in by_id[t.id].completions))
               for t in originals]
    report = bench.score(originals, answers, mode=mode, executor=executor)
    flat_tasks = [a for a in anchors for _ in by_id[a.id].completions]
    flat = [c for a in anchors for c in by_id[a.id].completions]
    verdicts = verify_batch(flat_tasks, flat, mode="strict", executor=executor)
    right = sum(sum(v.parts.values()) for v in verdicts)
    asked = sum(len(v.parts) for v in verdicts)
    metrics = {**report.metrics, "step_accuracy": 100 * right / asked if asked else 0.0}
    meta = {**report.meta, "kept_items": len(originals), "steps_asked": asked}
    return Report(report.benchmark, report.version, report.mode, metrics, report.verdicts, meta)
