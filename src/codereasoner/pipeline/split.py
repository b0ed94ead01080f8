"""The split stage: SFT / RL / validation / test tasks, with validation and test programs unseen by skeleton.

"Unseen program" means unseen *shape*: tasks are grouped by `programs.skeleton_key` (identifiers and literal
values abstracted), and each skeleton lands wholly in one of test, validation or training. A test program
therefore differs from every training program in more than names and constants. Validation is for tuning
(curves during training, choosing settings); the test set is scored once per model at the end. The rest is
split between SFT and RL by program (code), alternately in a seeded order. Stable: the same tasks, sizes and
seed give the same split, whatever order the tasks come in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from codereasoner.jsonl import write_atomic
from codereasoner.records import Task


@dataclass(frozen=True)
class Split:
    """Four disjoint task lists; no validation or test skeleton occurs in `sft` or `rl`."""

    sft: list[Task]
    rl: list[Task]
    validation: list[Task]
    test: list[Task]

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in ("sft", "rl", "validation", "test")}

    def ids(self) -> dict[str, list[str]]:
        return {name: [t.id for t in getattr(self, name)] for name in ("sft", "rl", "validation", "test")}


def _order(keys: Sequence[str], seed: int, salt: str) -> list[str]:
    return sorted(keys, key=lambda k: hashlib.sha256(f"{seed}:{salt}:{k}".encode()).hexdigest())


def split_tasks(tasks: Sequence[Task], *, test: int, validation: int, seed: int) -> Split:
    """Take whole skeletons (in a seeded order) for the test set until it holds `test` tasks, then for
    validation; the last skeleton taken is cut to size and its other tasks are left out of training."""
    from codereasoner.programs import skeleton_key

    if test < 1 or validation < 0:
        raise ValueError(f"need test >= 1 and validation >= 0, got test={test}, validation={validation}")
    tasks = sorted(tasks, key=lambda t: t.id)
    skeletons: dict[str, list[Task]] = {}
    keys: dict[str, str] = {}
    for t in tasks:
        key = keys.get(t.code) or keys.setdefault(t.code, skeleton_key(t.code))
        skeletons.setdefault(key, []).append(t)
    order = _order(list(skeletons), seed, "skeleton")
    held: dict[str, list[Task]] = {"test": [], "validation": []}
    rest: list[str] = []
    for key in order:
        name = "test" if len(held["test"]) < test else "validation" if len(held["validation"]) < validation else ""
        if name:
            held[name] += skeletons[key]
        else:
            rest.append(key)
    if len(held["test"]) < test or len(held["validation"]) < validation:
        raise ValueError(f"only {len(tasks)} tasks in {len(skeletons)} skeletons: not enough for {test} test and "
                         f"{validation} validation tasks from unseen skeletons plus training; draw more programs")
    by_code: dict[str, list[Task]] = {}
    for key in rest:
        for t in skeletons[key]:
            by_code.setdefault(t.code, []).append(t)
    sft: list[Task] = []
    rl: list[Task] = []
    for i, code in enumerate(_order(list(by_code), seed, "program")):
        (rl if i % 2 else sft).extend(by_code[code])
    if not sft or not rl:
        raise ValueError(f"no tasks left for training after {test} test and {validation} validation tasks; "
                         "draw more programs")
    return Split(sft, rl, held["validation"][:validation], held["test"][:test])


def write_split(split: Split, path: str | Path) -> None:
    """The task ids of each part (JSON), so a reader knows exactly what was held out."""
    write_atomic(path, json.dumps({"counts": split.counts(), "by": "skeleton", **split.ids()}) + "\n")
