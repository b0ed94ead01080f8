"""Every benchmark loads its official files into Tasks, and gold answers score 100% (official and strict).

Data that cannot be obtained here (the 479-row LCB file) is exercised through a small file in the official
schema; missing data fails with a message that says where to get it.
"""

from __future__ import annotations

import json

import pytest

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.records import Generation


def _gold(tasks, answer=lambda t: t.answer):
    return [Generation(t.id, (answer(t),)) for t in tasks]


def test_registry_lists_every_benchmark():
    assert BENCHMARKS.names() == ["codegen", "cruxeval", "lcb_exec", "reval"]
    with pytest.raises(KeyError, match="did you mean 'cruxeval'"):
        BENCHMARKS.get("cruxevl")


@pytest.mark.parametrize("kind", ["output", "input"])
@pytest.mark.parametrize("mode", ["official", "strict"])
def test_cruxeval_gold_scores_100(benchmarks_dir, executor, kind, mode):
    bench = BENCHMARKS.get("cruxeval")()
    tasks = bench.load(benchmarks_dir / "cruxeval", task=kind)
    assert len(tasks) == 800 and tasks[0].id == "sample_0" and tasks[0].call.startswith("f(")
    tasks = tasks[:60]
    answer = (lambda t: t.answer) if kind == "output" else (lambda t: f"f({t.answer})")
    report = bench.score(tasks, _gold(tasks, answer), mode=mode, executor=executor)
    assert report.metrics["pass@1"] == 100.0, [v.detail for v in report.verdicts if not v.correct][:3]
    assert report.mode == mode and report.version


@pytest.mark.parametrize("kind", ["output", "input"])
def test_lcb_gold_scores_100(benchmark_file, executor, kind):
    bench = BENCHMARKS.get("lcb_exec")()
    tasks = bench.load(benchmark_file("livecodebench_execution/execution-v2.reconstructed.jsonl").parent, task=kind)
    assert len(tasks) == 459 and tasks[0].question["function_name"] == "distinctDifferenceArray"
    tasks = tasks[:80]
    answer = (lambda t: t.answer) if kind == "output" else (lambda t: t.call)
    report = bench.score(tasks, _gold(tasks, answer), mode="official", executor=executor)
    assert report.metrics["pass@1"] == 100.0, [v.detail for v in report.verdicts if not v.correct][:3]


def test_lcb_output_answer_repeating_the_call_is_dropped_not_run(benchmark_file, executor):
    bench = BENCHMARKS.get("lcb_exec")()
    task = bench.load(benchmark_file("livecodebench_execution/execution-v2.reconstructed.jsonl").parent, task="output")[0]
    gens = [Generation(task.id, (f"{task.call}", task.answer, "0"))]
    report = bench.score([task], gens, mode="official", executor=executor)
    assert report.meta["scored"][task.id] == [True, False]  # today's rule: the copied call is dropped
    pre = bench.score([task], gens, mode="official", executor=executor, rule="prerelease")
    assert pre.meta["scored"][task.id] == [False, True, False]  # leaderboard rule: it counts False


def test_lcb_loader_reads_a_file_in_the_official_schema(tmp_path, executor):
    row = {"question_id": "1", "contest_id": "c", "contest_date": "2023-05-07T00:00:00", "difficulty": "Easy",
           "function_name": "addTwo", "code": "def addTwo(x: int) -> int:\n    return x + 2",
           "input": "addTwo(x = 3)", "output": "5", "id": "sample_0", "problem_id": "p", "numsteps": 3}
    path = tmp_path / "execution-v2.jsonl"
    path.write_text(json.dumps(row) + "\n")
    bench = BENCHMARKS.get("lcb_exec")()
    (task,) = bench.load(path, task="input")
    assert task.answer == "x = 3" and task.question["output"] == "5"
    report = bench.score([task], [Generation(task.id, ("addTwo(x = 3)", "addTwo(4)", "5"))], executor=executor)
    assert report.meta["scored"][task.id] == [True, False]  # "5" has no call: dropped


def test_missing_data_says_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEREASONER_BENCHMARKS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="r-eval/REval"):
        BENCHMARKS.get("reval")().load(task="coverage")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        BENCHMARKS.get("cruxeval")().load(tmp_path / "nope.jsonl")


def test_reval_scoring_rules():
    from codereasoner.evaluation.benchmarks.reval_rules import coverage_pred, path_pred, state_correct, state_pred

    assert coverage_pred("YES, it runs") is True and coverage_pred("NO") is False
    assert coverage_pred("yes") is True and coverage_pred("maybe") is False  # neither → NO
    assert path_pred("return ans\nmore", "def f():\n    return ans") == [2]
    assert path_pred("", "x") == [-2] and path_pred("-1", "x") == [-1]
    gold = [{"repr": "1", "type": "int", "value": 1}, {"repr": "2", "type": "int", "value": 2}]
    assert state_correct(state_pred("2; int"), gold)
    assert not state_correct(state_pred("2; float"), gold)
    assert not state_correct(state_pred("True; bool"), gold)  # bool is not int (REval compares types)
    assert state_correct(state_pred("1.0000001; float"), [{"repr": "1.0", "type": "float", "value": 1.0}])
    assert state_correct(state_pred("Nil"), None) and not state_correct(state_pred("1; int"), None)
    assert state_pred("__import__('os').system('x'); int") is None  # not a literal: unreadable, never evaluated


def test_reval_incremental_consistency_weights():
    from codereasoner.evaluation.benchmarks.reval import consistency
    from codereasoner.records import Report, Verdict, VerdictStatus

    def rep(kind, items):
        return Report("reval", "1", "official", {}, tuple(
            Verdict(i, ok, VerdictStatus.CORRECT if ok else VerdictStatus.WRONG) for i, ok in items), {"task": kind})

    atoms = ["p/0/0", "p/0/1", "p/0/2", "p/0/3", "p/0/4"]
    cov = rep("coverage", zip(atoms, [1, 1, 1, 1, 0]))
    state = rep("state", zip(atoms, [1, 1, 1, 0, 1]))
    path = rep("path", zip(atoms, [1, 1, 0, 0, 1]))
    out = rep("output", [("p/0", False)])
    # C S P ¬O → .5, C S P ¬O → .5, C S ¬P ¬O → .25, C ¬S ¬P ¬O → .125, ¬C … → 0
    assert consistency([cov, state, path, out]) == pytest.approx(100 * 1.375 / 5)
