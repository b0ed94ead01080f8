"""Evaluation: the `Benchmark` extension point — load items as `Task` records, render prompts, score.

A benchmark reads its official files (a local path, or for online users a hub dataset name), turns each
item into one `Task` per task kind, renders prompts per style, pulls the answer out of raw model text
the way its official harness does, and scores through `rewards.verify` (one definition of correct).
Data that is not shipped with the package is found by `resolve_data`, which names where to get it.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from codereasoner.config import BENCHMARKS_ENV, benchmarks_root
from codereasoner.evaluation.passk import mean_pass_at_k
from codereasoner.records import Generation, Report, Task, Verdict

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

ENV_VAR = BENCHMARKS_ENV


class Benchmark(ABC):
    """One benchmark. Subclasses set the class attributes and implement load/render/extract/score."""

    name: ClassVar[str]
    version: ClassVar[str]  # bump when data, prompts, extraction or scoring change; written into every Report
    task_kinds: ClassVar[tuple[str, ...]]  # e.g. ("output", "input"); the first is the default
    styles: ClassVar[tuple[str, ...]]  # prompt styles; the first is the default
    default_path: ClassVar[str]  # relative to benchmarks_root()
    hub_name: ClassVar[str | None] = None  # `datasets.load_dataset` name for online users
    where_to_get: ClassVar[str]  # one line telling users where the official data is

    def resolve_data(self, path: str | Path | None) -> Path | None:
        """The local file or directory to load; None means "use the hub" (only when no local copy exists)."""
        if path is not None:
            p = Path(path)
            if not p.exists():
                raise FileNotFoundError(f"{self.name}: --data {p} does not exist. {self.where_to_get}")
            return p
        default = benchmarks_root() / self.default_path
        if default.exists():
            return default
        if self.hub_name is not None:
            return None
        raise FileNotFoundError(
            f"{self.name}: no data at {default}; run `codereasoner benchmarks fetch {self.name}`, pass --data PATH "
            f"or set ${ENV_VAR}. {self.where_to_get}"
        )

    def rows(self, path: str | Path | None, read: Callable[[Path], list[dict]]) -> list[dict]:
        """The benchmark's rows: `read` of the local data `resolve_data` finds, else the hub dataset's."""
        local = self.resolve_data(path)
        return read(local) if local is not None else hub_rows(self.hub_name or "")

    def check_kind(self, task: str | None) -> str:
        kind = task or self.task_kinds[0]
        if kind not in self.task_kinds:
            raise ValueError(f"{self.name}: --task must be one of {', '.join(self.task_kinds)}, got {kind!r}")
        return kind

    def check_style(self, style: str | None) -> str:
        style = style or self.styles[0]
        if style not in self.styles:
            raise ValueError(f"{self.name}: --style must be one of {', '.join(self.styles)}, got {style!r}")
        return style

    @abstractmethod
    def load(self, path: str | Path | None = None, *, task: str | None = None) -> list[Task]:
        """The benchmark's items of one task kind as `Task` records (gold answer in `answer`)."""

    @abstractmethod
    def render(self, task: Task, style: str) -> str | list[dict[str, str]]:
        """The prompt: raw text for completion models, or chat messages."""

    @abstractmethod
    def extract(self, completion: str, task: Task, style: str) -> str:
        """The answer string the official harness would score, taken from raw model text."""

    @abstractmethod
    def score(
        self,
        tasks: Sequence[Task],
        generations: Sequence[Generation],
        *,
        mode: str = "official",
        executor: ExecutorLike | None = None,
    ) -> Report:
        """Score extracted answers (`Generation.completions`, one list per task id)."""

    def combine(self, tasks: Sequence[Task], generations: Sequence[Generation], reports: Sequence[Report]) -> Report:
        """The report `score` would give for all of `tasks`, from the reports of its consecutive chunks
        (journaled scoring, evaluation/scoring.py). This default serves pass@k benchmarks: it merges the
        per-item lists in `meta["scored"]` in task order and recomputes pass@k from them (the same float
        operations in the same order as one `score` call)."""
        first = reports[0]
        scored: dict[str, list[bool]] = {}
        for r in reports:
            scored.update(r.meta["scored"])
        n_max = max((len(g.completions) for g in generations), default=0)
        meta = {**first.meta, "num_items": sum(int(r.meta.get("num_items", 0)) for r in reports), "scored": scored}
        if "num_answers" in first.meta:
            meta["num_answers"] = sum(int(r.meta["num_answers"]) for r in reports)
        verdicts = tuple(v for r in reports for v in r.verdicts)
        return Report(first.benchmark, first.version, first.mode, pass_at_k_metrics(list(scored.values()), n_max),
                      verdicts, meta)


def by_id(tasks: Sequence[Task], generations: Sequence[Generation], benchmark: str) -> list[tuple[str, ...]]:
    """Answers aligned with `tasks`; a task without generations is an error that names it (fail fast)."""
    got = {g.task_id: g.completions for g in generations}
    missing = [t.id for t in tasks if t.id not in got]
    if missing:
        raise ValueError(
            f"{benchmark}: no generations for {len(missing)} of {len(tasks)} items (first: {missing[0]}); "
            "generations must hold one list of answers per item id"
        )
    return [got[t.id] for t in tasks]


def per_item(tasks: Sequence[Task], answers: Sequence[Sequence[str]],
             verdicts: Sequence[Verdict]) -> Iterator[tuple[Task, Sequence[str], Sequence[Verdict]]]:
    """Each task with its answers and their verdicts, from verdicts flat in task-then-answer order."""
    at = 0
    for task, gs in zip(tasks, answers):
        yield task, gs, verdicts[at : at + len(gs)]
        at += len(gs)


def pass_at_k_metrics(lists: Sequence[Sequence[bool]], n_max: int) -> dict[str, float]:
    """pass@1, and pass@5 / pass@10 where some item had that many answers (`n_max`: the most any had)."""
    return {f"pass@{k}": mean_pass_at_k(lists, k) for k in (1, 5, 10) if k == 1 or k <= n_max}


def read_rows(path: Path, required: set[str], what: str) -> list[dict]:
    """The JSON rows of a .jsonl file, blank lines skipped; a row lacking a `required` key is an error naming
    file:line (`what` says whose row, e.g. "CRUXEval")."""
    rows = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = required - set(row)
            if missing:
                raise ValueError(f"{path}:{number}: {what} row lacks {', '.join(sorted(missing))}")
            rows.append(row)
    return rows


def hub_rows(name: str) -> list[dict]:
    """Rows from the Hugging Face hub, for online users who pass no --data (never used by the tests)."""
    try:
        import datasets  # lazy: heavy, and only for online users
    except ImportError:
        raise FileNotFoundError(f"no local data and the `datasets` package is not installed to fetch {name}") from None
    return [dict(r) for r in datasets.load_dataset(name, split="test")]
