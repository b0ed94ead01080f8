"""Evaluation: CRUXEval-O and CRUXEval-I (facebookresearch/cruxeval @ 190faf1; docs/scoring.md).

Reads `cruxeval.jsonl` (800 items `{code, input, output, id}`), writes one `Task` per item: kind
`output` (gold = the output literal) or `input` (gold = the argument source; `question.output` = the
expected value). Scoring goes through `rewards.verify.verify_batch`; in `official` mode the per-sample
boolean lists then follow the harness's own counting (kept quirk by quirk below), so the
published CodeLlama-7B scores come out to the last digit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.base import Benchmark, by_id, pass_at_k_metrics, per_item, read_rows
from codereasoner.records import Generation, Report, Task, Verdict, VerdictStatus

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

ROW_KEYS = {"code", "input", "output", "id"}  # what a CRUXEval-format row must have (LCB's too)


def load_items(path: Path) -> list[dict]:
    """CRUXEval rows from a .jsonl file (or a directory holding cruxeval.jsonl)."""
    if path.is_dir():
        path = path / "cruxeval.jsonl"
    return read_rows(path, ROW_KEYS, "CRUXEval")


def item_task(row: dict, kind: str, *, benchmark: str = "cruxeval", call_name: str = "f") -> Task:
    """One CRUXEval-format row as a Task of `kind` ("output" or "input")."""
    call = f"{call_name}({row['input']})"
    meta = {"benchmark": benchmark}
    # `func`/`input`/`output` are what the output/input task kinds render from; `input`/`output` are also
    # the original source strings the official rule reads (rewards/official.py).
    question = {"func": call_name, "input": row["input"], "output": row["output"]}
    answer = row["output"] if kind == "output" else row["input"]
    return Task(row["id"], kind, row["code"], call, question, answer, meta=meta)


def dropped(verdict: Verdict) -> bool:
    """The official rule dropped this answer (rewards/official.py marks it `meta["dropped"]`)."""
    return verdict.status is VerdictStatus.UNPARSABLE and bool(verdict.meta.get("dropped"))


def official_list(verdicts: Sequence[Verdict], n_answers: int) -> list[bool]:
    """CRUXEval's per-sample list (evaluate_score @ 190faf1): skipped answers are dropped, so n shrinks;
    but when nothing passed the list becomes [False] * len(all answers)."""
    kept = [v.correct for v in verdicts if not dropped(v)]
    if True not in kept:
        kept = [False] * n_answers
    return kept


def score_answers(
    benchmark: str,
    version: str,
    tasks: Sequence[Task],
    generations: Sequence[Generation],
    *,
    mode: str,
    executor: ExecutorLike | None,
    count: Callable[[Sequence[Verdict], int], list[bool]] = official_list,
) -> Report:
    """Verify every answer of every task in one batch, then pass@k per the harness's counting."""
    from codereasoner.rewards.verify import verify_batch

    if mode not in ("official", "strict"):
        raise ValueError(f"mode must be 'official' or 'strict', got {mode!r}")
    answers = by_id(tasks, generations, benchmark)
    flat_tasks = [t for t, gs in zip(tasks, answers) for _ in gs]
    flat_answers = [g for gs in answers for g in gs]
    verdicts = verify_batch(flat_tasks, flat_answers, mode=mode, executor=executor)
    lists: dict[str, list[bool]] = {}
    out: list[Verdict] = []
    for task, gs, mine in per_item(tasks, answers, verdicts):
        # strict: an item without answers is 0, never the estimator's 1.0 for an empty list (official
        # keeps the harness's own arithmetic, which scores it 1.0)
        lists[task.id] = count(mine, len(gs)) if mode == "official" else [v.correct for v in mine] or [False]
        out.extend(
            Verdict(f"{task.id}#{j}", v.correct, v.status, v.detail, v.parts, {**v.meta, "answer": g})
            for j, (v, g) in enumerate(zip(mine, gs))
        )
    metrics = pass_at_k_metrics(list(lists.values()), max((len(gs) for gs in answers), default=0))
    kind = tasks[0].kind if tasks else ""
    meta = {"task": kind, "num_items": len(tasks), "num_answers": len(flat_answers), "scored": lists}
    return Report(benchmark, version, mode, metrics, tuple(out), meta)


@BENCHMARKS.register("cruxeval")
class CruxEval(Benchmark):
    name = "cruxeval"
    version = "1"  # data @ 190faf1, scoring rule after PR #2 (drop skipped answers, reset when none pass)
    task_kinds = ("output", "input")
    # minimal: the quickstart's tiny model; stepcodereasoner: instrumented prompts (steps.py, via the harness)
    styles = ("direct", "cot", "codereasoner", "execverify", "stepcodereasoner", "minimal")
    default_path = "cruxeval/cruxeval.jsonl"
    hub_name = "cruxeval-org/cruxeval"
    where_to_get = (
        "Get data/cruxeval.jsonl from github.com/facebookresearch/cruxeval (MIT) or the Hugging Face "
        "dataset cruxeval-org/cruxeval (split test)."
    )

    def load(self, path: str | Path | None = None, *, task: str | None = None) -> list[Task]:
        kind = self.check_kind(task)
        return [item_task(row, kind, benchmark=self.name) for row in self.rows(path, load_items)]

    def render(self, task: Task, style: str) -> str | list[dict[str, str]]:
        return render_with_kind(task, self.check_style(style))

    def extract(self, completion: str, task: Task, style: str) -> str:
        from codereasoner.evaluation.benchmarks.extraction import extract_answer

        return extract_answer(completion, task, style)

    def score(
        self,
        tasks: Sequence[Task],
        generations: Sequence[Generation],
        *,
        mode: str = "official",
        executor: ExecutorLike | None = None,
    ) -> Report:
        return score_answers(self.name, self.version, tasks, generations, mode=mode, executor=executor)


def render_with_kind(task: Task, style: str) -> str | list[dict[str, str]]:
    """The task kind's prompt: raw text (completion models, the official way) or, when the style has a
    system prompt, chat messages."""
    from codereasoner.tasks import TASK_KINDS

    kind = TASK_KINDS.get(task.kind)()
    user = kind.render(task, style)
    system = kind.system(task, style)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}] if system else user


__all__ = ["CruxEval", "item_task", "load_items", "official_list", "score_answers"]
