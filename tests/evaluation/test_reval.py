"""REval from our own tracer: ground truth traced in the sandbox agrees with the derived file (REval's own
tracer, the test oracle); official mode follows REval's parsing and equality (constructor spellings
execute, in the sandbox), strict is the literal-only variant; a perfect model scores what REval allows.

The default tests use a few programs (conftest.REVAL_SUBSET: HumanEval and ClassEval, deque, bytearray, numpy
states); the whole benchmark runs in the slow tests.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.reval import consistency
from codereasoner.execution.values import decode
from codereasoner.records import Generation
from codereasoner.tasks.answers import literal_source



@pytest.fixture
def subset(reval_dir):
    return reval_dir


def perfect(task, mode: str) -> str:
    """What a model that knows the truth answers, spelled as REval's rules read it."""
    kind = task.kind.removeprefix("reval_")
    if kind == "coverage":
        return "YES" if task.answer else "NO"
    if kind == "path":
        line = task.answer[0]
        return "-1" if line == -1 else task.code.split("\n")[line - 1].strip()
    if kind == "output":
        return task.answer
    if task.answer is None:
        return "Nil"
    gold = task.answer[0]
    value = decode(gold["value"])
    if gold["type"] == "type":
        return gold["repr"].split("'")[1] + ";type"  # REval evaluates the name
    if gold["type"] == "bytearray" and mode == "strict":
        return f"{bytes(value)!r};bytearray"
    if gold["type"] == "datetime.datetime" and mode == "official":
        return f"{value};datetime.datetime"  # REval parses it with dateutil
    try:
        return f"{literal_source(value)};{gold['type']}"
    except ValueError:
        return f"{gold['repr']};{gold['type']}"


_NUMPY_REPR = re.compile(r"np\.(?:float|int)\d+\(([^()]*)\)")


def _agreement(truth_dir: Path, derived_file: Path) -> dict[str, int]:
    """Atoms compared with the derived file; numpy 2 prints `np.float64(1.0)` where numpy 1 printed `1.0`."""
    from codereasoner.evaluation.benchmarks.reval import load_dir

    tasks, skipped = load_dir(truth_dir)
    derived = {}
    for line in derived_file.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for pair in row["pairs"]:
            for j, atom in enumerate(pair["atoms"]):
                derived[f"{row['task_id']}/{pair['input_idx']}/{j}"] = atom
    counts = {"atoms": 0, "coverage": 0, "next_lines": 0, "state": 0, "numpy_repr_only": 0}
    for t in tasks:
        if t.kind == "reval_output":
            continue
        d = derived[t.id]
        assert (t.question["lineno"], t.question["var"]) == (d["lineno"], d["var"])
        if t.kind == "reval_coverage":
            counts["atoms"] += 1
            counts["coverage"] += t.answer == d["coverage"]
        elif t.kind == "reval_path":
            counts["next_lines"] += t.answer == d["next_lines"]
        else:
            ours = None if t.answer is None else [(v["repr"], v["type"]) for v in t.answer]
            theirs = None if d["state"] is None else [(v["repr"], v["type"]) for v in d["state"]]
            if ours == theirs:
                counts["state"] += 1
            elif ours is not None and theirs is not None and [(_NUMPY_REPR.sub(r"\1", r), ty) for r, ty in ours] == theirs:
                counts["numpy_repr_only"] += 1
    counts["skipped_pairs"] = len(skipped)
    return counts


def test_traced_truth_agrees_with_reval_own_tracer(subset, benchmark_file):
    counts = _agreement(subset, benchmark_file("reval/reval_ground_truth.derived.jsonl"))
    n = counts["atoms"]
    assert n > 100 and counts["skipped_pairs"] == 0
    assert counts["coverage"] == counts["next_lines"] == n
    assert counts["state"] + counts["numpy_repr_only"] == n and counts["numpy_repr_only"] <= 5


@pytest.mark.slow
def test_whole_benchmark_truth_agrees(benchmark_file):
    derived = benchmark_file("reval/reval_ground_truth.derived.jsonl")
    counts = _agreement(derived.parent, derived)
    # DREval/122 (3 pairs, 18 atoms) needs numpy < 2 (`np.mat`): skipped with that reason where numpy >= 2
    assert counts["atoms"] + 18 * (counts["skipped_pairs"] == 3) == 3152
    assert counts["coverage"] == counts["next_lines"] == counts["atoms"]
    assert counts["state"] + counts["numpy_repr_only"] == counts["atoms"]


def _score(bench, tasks, answers, mode, executor):
    if len({t.id for t in tasks}) < len(tasks):  # one question asked several times: one id per asking
        tasks = [dataclasses.replace(t, id=f"{t.id}#{k}") for k, t in enumerate(tasks)]
    return bench.score(tasks, [Generation(t.id, (a,)) for t, a in zip(tasks, answers)], mode=mode, executor=executor)


@pytest.mark.parametrize("mode", ["official", "strict"])
def test_a_perfect_model(subset, executor, mode):
    bench = BENCHMARKS.get("reval")()
    reports = []
    for kind in ("coverage", "state", "path", "output"):
        tasks = bench.load(subset, task=kind)
        report = _score(bench, tasks, [perfect(t, mode) for t in tasks], mode, executor)
        reports.append(report)
        wrong = [(v.id, v.detail) for v in report.verdicts if not v.correct]
        if kind == "output" and mode == "strict":
            # ClassEval questions whose gold slot is an expression (`deque([...])`, a call, a name): the
            # literal-only variant accepts only literals there; every other output answer passes
            assert all("is not a literal" in d for _, d in wrong) and len(wrong) < len(tasks) / 4
            assert all(not t.question["humaneval"] for t in tasks if t.id in dict(wrong))
            continue
        assert report.metrics["accuracy"] == 1.0, (kind, wrong[:3])
    if mode == "official":
        assert consistency(reports) == 100.0


def _one(bench, path, kind, tid):
    return next(t for t in bench.load(path, task=kind) if t.id == tid)


def test_official_accepts_reval_constructor_spellings_strict_only_literals(subset, executor):
    bench = BENCHMARKS.get("reval")()
    deque_task = _one(bench, subset, "state", "DREval/112/0/0")  # op_stack: deque([',', '+'])
    numpy_task = _one(bench, subset, "state", "DREval/126/0/9")  # mr: np.float64(1.0)
    tasks = [deque_task] * 4 + [numpy_task] * 4
    answers = ["[',', '+'];collections.deque", "deque([',', '+']);collections.deque", "[',', '+'];deque",
               "[',', '+'];list", "1.0;numpy.float64", "np.float64(1.0);numpy.float64", "1.0;float", "1;numpy.float64"]
    official = [v.correct for v in _score(bench, tasks, answers, "official", executor).verdicts]
    strict = [v.correct for v in _score(bench, tasks, answers, "strict", executor).verdicts]
    # REval: `deque` is not in scope where it evaluates, so `collections.deque("deque([...])")` is a deque of
    # characters; `deque` alone is no locatable type; np.float64(1) == 1.0 holds
    assert official == [True, False, False, False, True, True, False, True]
    assert strict == [True, False, False, False, True, False, False, True]  # a call is no literal


def test_strict_never_runs_model_text_official_does_in_the_sandbox(subset, executor):
    bench = BENCHMARKS.get("reval")()
    out = _one(bench, subset, "output", "DREval/0/0")
    call = out.question["output_pred"].split(" == ")[0].removeprefix("assert ")
    copied = f"assert {call} == {call}"  # passes REval's own check: the answer calls the function itself
    gold = out.answer
    official = _score(bench, [out, out], [gold, copied], "official", executor)
    strict = _score(bench, [out, out], [gold, copied], "strict", executor)
    assert [v.correct for v in official.verdicts] == [True, True]
    assert [v.correct for v in strict.verdicts] == [True, False]
    assert "not a literal" in strict.verdicts[1].detail
    state = _one(bench, subset, "state", "DREval/0/0/0")
    hostile = "__import__('os').getpid();int"
    assert not _score(bench, [state], [hostile], "strict", executor).verdicts[0].correct


def test_an_answer_that_kills_its_sandbox_costs_only_its_own_verdict(subset, executor, monkeypatch):
    from codereasoner.evaluation.benchmarks import reval_truth

    monkeypatch.setattr(reval_truth, "CHECK_TIMEOUT_S", 5.0)
    bench = BENCHMARKS.get("reval")()
    tasks = [t for t in bench.load(subset, task="state") if t.id.startswith("DREval/1/0/")][:3]
    good = [perfect(t, "official") for t in tasks]
    answers = [good[0], "__import__('os')._exit(0);int", good[2]]
    verdicts = _score(bench, tasks, answers, "official", executor).verdicts
    assert [v.correct for v in verdicts] == [True, False, True]
    out = _one(bench, subset, "output", "DREval/1/0")
    endless = out.answer + "\nwhile True: pass"
    verdict = _score(bench, [out], [endless], "official", executor).verdicts[0]
    assert not verdict.correct and "timeout" in verdict.detail


def test_a_program_needing_a_missing_package_is_skipped_with_the_reason(subset, tmp_path, executor,
                                                                        make_reval_subset):
    data = tmp_path / "reval"
    make_reval_subset(subset, data, keep=(0, 1))
    rows = [json.loads(x) for x in (data / "DREval_data.jsonl").read_text().splitlines()]
    rows[1]["code"] = "import surely_not_installed_pkg\n" + rows[1]["code"]
    (data / "DREval_data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    bench = BENCHMARKS.get("reval")()
    tasks = bench.load(data, task="coverage")
    assert tasks and all(t.id.startswith("DREval/0/") for t in tasks)
    assert set(bench.skipped) == {f"DREval/1/{i}" for i in range(len(json.loads(
        (data / "DREval_tasks.jsonl").read_text().splitlines()[1])["tasks"]))}
    assert "needs the 'surely_not_installed_pkg' package" in next(iter(bench.skipped.values()))
    report = _score(bench, tasks, ["YES"] * len(tasks), "official", executor)
    assert report.meta["skipped"] == bench.skipped


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["official", "strict"])
def test_a_perfect_model_on_the_whole_benchmark(benchmarks_dir, executor, mode):
    """Numbers recorded in docs/scoring.md; what REval's rules cannot accept is named there."""
    bench = BENCHMARKS.get("reval")()
    got = {}
    for kind in ("coverage", "state", "path", "output"):
        tasks = bench.load(benchmarks_dir / "reval", task=kind)
        got[kind] = _score(bench, tasks, [perfect(t, mode) for t in tasks], mode, executor).metrics["accuracy"]
    assert got["coverage"] == got["path"] == 1.0
    # bs4 NavigableString/ResultSet states (15): REval lower-cases type names, so pydoc.locate never finds them
    assert got["state"] >= 0.99
    assert got["output"] == 1.0 if mode == "official" else got["output"] >= 0.9


def test_journaled_scoring_combines_to_the_same_report(subset, executor, tmp_path):
    from codereasoner.evaluation.scoring import JOURNAL_CHUNK, score_resumable

    bench = BENCHMARKS.get("reval")()
    tasks = bench.load(subset, task="coverage")
    assert len(tasks) > 2 * JOURNAL_CHUNK
    gens = [Generation(t.id, ("YES" if i % 3 else "NO",)) for i, t in enumerate(tasks)]
    whole = bench.score(tasks, gens, mode="official", executor=executor)
    chunked = score_resumable(bench, tasks, gens, mode="official", executor=executor, journal=tmp_path / "j.jsonl")
    assert chunked.metrics == whole.metrics and [v.correct for v in chunked.verdicts] == [v.correct for v in whole.verdicts]


def test_eval_score_cli_scores_reval_in_both_modes(subset, tmp_path):
    import subprocess
    import sys

    bench = BENCHMARKS.get("reval")()
    tasks = bench.load(subset, task="state")
    for mode in ("official", "strict"):
        gen = tmp_path / f"state-{mode}.json"
        gen.write_text(json.dumps({t.id: [perfect(t, mode)] for t in tasks}), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "codereasoner", "eval", "score", "--benchmark", "reval",
                               "--task", "state", "--data", str(subset), "--generations", str(gen), "--mode", mode],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        doc = json.loads(done.stdout)
        assert doc["mode"] == mode and doc["task"] == "state" and doc["skipped"] == {}
        assert doc["accuracy"] == 100.0, [v for v in doc["verdicts"] if not v["correct"]][:2]
