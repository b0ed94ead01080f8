"""Evaluation: LiveCodeBench code execution (output prediction) and its derived input-prediction variant.

Reads `execution-v2` rows (`{code, input: "fn(a = 1)", output, function_name, id, ...}`; the official file
is the HF dataset livecodebench/execution-v2, 479 rows; the local copy is a validated 459-row
reconstruction, docs/scoring.md) and writes one `Task` per row. Official output scoring is today's
LCB scorer (lcb_runner @ 28fef95; rewards/official.py holds the rule): check `BASE_IMPORTS + code + assert
<output> == <answer>`, drop answers that contain the input call, and reset to all-False only when *every*
answer was dropped. LCB-I (the seed papers' column) has no official harness: we score it like CRUXEval-I
with the LCB prefix (the answer must be a whole call of the entry point).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.base import Benchmark, read_rows
from codereasoner.evaluation.benchmarks.cruxeval import (
    ROW_KEYS,
    dropped,
    official_list,
    render_with_kind,
    score_answers,
)
from codereasoner.records import Generation, Report, Task, Verdict

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike


def lcb_list(verdicts: Sequence[Verdict], n_answers: int) -> list[bool]:
    """Today's LCB counting: dropped answers shrink the list; all-False reset only if all were dropped."""
    kept = [v.correct for v in verdicts if not dropped(v)]
    return kept if kept else [False] * n_answers


def prerelease_list(verdicts: Sequence[Verdict], n_answers: int) -> list[bool]:
    """minimario/cruxeval-lcb (the published leaderboard runs): a dropped answer simply counts False."""
    return [v.correct for v in verdicts]


def call_args(call: str, name: str) -> str:
    """`fn(a = 1, b = 2)` → `a = 1, b = 2` (the row's input without the entry-point wrapper)."""
    call = call.strip()
    if not (call.startswith(name + "(") and call.endswith(")")):
        raise ValueError(f"LCB input {call!r} is not a call of {name}")
    return call[len(name) + 1 : -1]


def row_task(row: dict, kind: str, benchmark: str = "lcb_exec") -> Task:
    name = row.get("function_name") or row["input"].split("(", 1)[0].strip()
    # `func` + `input` (the arguments) are what the task kinds render ExecVerify's prompt from; `call` is
    # the row's whole input (LCB's own templates and drop rule use it).
    # `harness` selects LCB's official rule in rewards/official.py (prefix, drop rule, entry point's own name).
    question = {"func": name, "input": call_args(row["input"], name), "output": row["output"], "function_name": name,
                "harness": "lcb"}
    meta = {"benchmark": benchmark, "difficulty": row.get("difficulty")}
    answer = row["output"] if kind == "output" else call_args(row["input"], name)
    return Task(row["id"], kind, row["code"], row["input"], question, answer, meta=meta)


def load_rows(path: Path) -> list[dict]:
    if path.is_dir():
        candidates = sorted(path.glob("*.jsonl"))
        if not candidates:
            raise FileNotFoundError(f"{path}: no .jsonl file with LiveCodeBench execution rows")
        path = candidates[0]
    rows = read_rows(path, ROW_KEYS, "LCB")
    rows.sort(key=lambda r: int(str(r["id"]).split("_")[1]))  # the runner's order (scenario_router.py)
    return rows


@BENCHMARKS.register("lcb_exec")
class LCBExecution(Benchmark):
    name = "lcb_exec"
    # 2: np/pd answers get the verbatim prefix; `f(...)` answers no longer reach the entry point (latent cases)
    version = "2"  # rows: execution-v2 (local: 459-row reconstruction); scoring: lcb_runner @ 28fef95
    task_kinds = ("output", "input")
    styles = ("direct", "cot", "codereasoner", "execverify")
    default_path = "livecodebench_execution/execution-v2.reconstructed.jsonl"
    hub_name = "livecodebench/execution-v2"
    where_to_get = (
        "The official rows are the Hugging Face dataset livecodebench/execution-v2 (split test, 479 rows); "
        "save them as JSONL and pass --data FILE."
    )

    def load(self, path: str | Path | None = None, *, task: str | None = None) -> list[Task]:
        kind = self.check_kind(task)
        return [row_task(r, kind, self.name) for r in self.rows(path, load_rows)]

    def render(self, task: Task, style: str) -> str | list[dict[str, str]]:
        style = self.check_style(style)
        if task.kind == "output" and style in ("direct", "cot"):
            from codereasoner.tasks import prompts

            template = prompts.LCB_OUTPUT_DIRECT if style == "direct" else prompts.LCB_OUTPUT_COT
            return prompts.fill(template, code=task.code, input=task.call)
        return render_with_kind(task, style)  # LCB-I direct/cot: CRUXEval-I's templates with the entry point

    def extract(self, completion: str, task: Task, style: str) -> str:
        from codereasoner.evaluation.benchmarks.extraction import extract_answer

        return extract_answer(completion, task, style, harness="lcb")

    def score(
        self,
        tasks: Sequence[Task],
        generations: Sequence[Generation],
        *,
        mode: str = "official",
        executor: ExecutorLike | None = None,
        rule: str = "current",
    ) -> Report:
        """`rule="prerelease"` reproduces the published leaderboard runs (docs/scoring.md)."""
        count = {"current": lcb_list, "prerelease": prerelease_list}[rule]
        if tasks and tasks[0].kind == "input":
            count = official_list  # CRUXEval-I counting for the derived input variant
        report = score_answers(self.name, self.version, tasks, generations, mode=mode, executor=executor, count=count)
        return Report(report.benchmark, report.version, report.mode, report.metrics, report.verdicts,
                      {**report.meta, "rule": rule})
