"""LiveCodeBench execution: official re-scoring of published runs on the 459 reconstructed rows.

Expected values: shared/benchmarks/livecodebench_execution/official_rescore_on_reconstructed.json (today's
lcb_runner scorer) and the runs' published per-sample lists (the pre-release rule the leaderboard used).
"""

from __future__ import annotations

import json

import pytest

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.scoring import load_generations


def _same_on(report, published) -> bool:
    return all(published["raw_scored_generations"][k] == v for k, v in report.meta["scored"].items())


@pytest.mark.parametrize("run", ["codellama-7b_temp0.2_output",
                                 pytest.param("gpt-4-0613+cot_temp0.2_output", marks=pytest.mark.slow)])
def test_published_runs_rescored(benchmark_file, executor, run):
    root = benchmark_file("livecodebench_execution/cruxeval-lcb").parent
    benchmark_file("livecodebench_execution/execution-v2.reconstructed.jsonl")
    bench = BENCHMARKS.get("lcb_exec")()
    tasks = bench.load(root, task="output")
    gens = load_generations(root / "cruxeval-lcb" / "model_generations" / run / "generations.json")
    published = json.loads((root / "cruxeval-lcb" / "evaluation_results" / f"{run}.json").read_text())
    pre = bench.score(tasks, gens, executor=executor, rule="prerelease")
    assert _same_on(pre, published)  # every published per-sample list (the 459 rows present here)
    expected = json.loads((root / "official_rescore_on_reconstructed.json").read_text())["runs"][run]
    assert pre.metrics["pass@1"] == expected["published_pass@1_restricted_to_459"]
    current = bench.score(tasks, gens, executor=executor)
    assert current.metrics["pass@1"] == expected["lcb_pass@1_on_459"]  # today's lcb_runner, to the digit
    changed = {k for k in current.meta["scored"] if current.meta["scored"][k] != pre.meta["scored"][k]}
    # today's rule differs from the pre-release one only where an answer repeats the input call (§2.5)
    assert all(any(t.call in a for a in g.completions) for t in tasks for g in gens
               if t.id == g.task_id and t.id in changed)
