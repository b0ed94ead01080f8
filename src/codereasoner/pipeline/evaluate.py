"""The evaluate stage: greedy accuracy of one model on held-out tasks, with its 95 % interval.

Generation is the same for every model (batched greedy `generate`, `train.heldout`), and correctness is the
one strict verifier. The result goes to a JSON file with the parameters it was computed under (the model,
with the parameters of the stage that made it, the tasks, the token budget), the per-task verdicts and each
task's skeleton (its cluster), so arms can be compared task by task (clustered, paired intervals). A rerun
with the same parameters reads the file; with different ones (a retrained model, other tasks) it evaluates
again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.jsonl import write_atomic
from codereasoner.outdir import plain
from codereasoner.pipeline.common import digest, model_ref
from codereasoner.pipeline.stats import bootstrap
from codereasoner.records import Task

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike
    from codereasoner.train.config import TrainConfig


@dataclass(frozen=True)
class Evaluation:
    """Held-out accuracy of one model: `correct[i]` is 1 when task i's greedy answer was right; `clusters[i]`
    names task i's program skeleton (empty: every task is its own cluster)."""

    accuracy: float
    n: int
    ci95: tuple[float, float]
    correct: tuple[int, ...]
    clusters: tuple[str, ...] = ()

    @classmethod
    def of(cls, correct: Sequence[int], clusters: Sequence[str] = ()) -> Evaluation:
        """The accuracy of `correct` with its clustered bootstrap interval."""
        lo, hi = bootstrap([list(correct)], clusters=list(clusters) or None)
        return cls(sum(correct) / len(correct), len(correct), (lo, hi), tuple(correct), tuple(clusters))

    def to_json(self) -> dict[str, Any]:
        return {"accuracy": self.accuracy, "ci95": list(self.ci95), "n": self.n}


def evaluate_stage(model: str | Path, tasks: Sequence[Task], cfg: TrainConfig, path: str | Path, *,
                   executor: ExecutorLike | None = None, max_new_tokens: int | None = None) -> Evaluation:
    """Greedy accuracy of `model` on `tasks` (strict verifier), cached in `path` under its parameters."""
    if not tasks:
        raise ValueError("no held-out tasks to evaluate")
    budget = max_new_tokens or cfg.eval_max_new_tokens
    params = plain({"model": model_ref(model), "tasks": digest(tasks), "max_new_tokens": budget,
                    "decoding": "greedy", "verifier": "strict"})
    file = Path(path)
    if file.is_file():
        saved = json.loads(file.read_text(encoding="utf-8"))
        if saved.get("params") == params:
            return Evaluation(saved["accuracy"], saved["n"], tuple(saved["ci95"]), tuple(saved["correct"]),
                              tuple(saved.get("clusters", ())))
    from codereasoner.programs import skeleton_key
    from codereasoner.train import runner
    from codereasoner.train.heldout import accuracy

    net, tok = runner.load(model, cfg)
    _, verdicts = accuracy(net, tok, tasks, executor=executor, max_new_tokens=budget)
    keys: dict[str, str] = {}
    clusters = [keys.get(t.code) or keys.setdefault(t.code, skeleton_key(t.code)[:12]) for t in tasks]
    result = Evaluation.of([int(v.correct) for v in verdicts], clusters)
    write_atomic(file, json.dumps({"params": params, **result.to_json(), "correct": list(result.correct),
                                   "task_ids": [t.id for t in tasks], "clusters": clusters}) + "\n")
    return result
