"""`codereasoner eval score` reads every generations format a researcher has, as users run it (a subprocess),
fails loudly on a file it cannot read, and journals its work so a killed run resumes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codereasoner.evaluation.generations import read_generations
from codereasoner.evaluation.scoring import JOURNAL_CHUNK, score_resumable
from codereasoner.records import Generation


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "codereasoner", "eval", "score", *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def crux(tmp_path, benchmarks_dir):
    """The first 40 CRUXEval items as a data file (the real rows: scoring is the official rule)."""
    lines = (benchmarks_dir / "cruxeval" / "cruxeval.jsonl").read_text(encoding="utf-8").splitlines()[:40]
    path = tmp_path / "crux.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [json.loads(x) for x in lines]


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_every_format_scores_the_same(tmp_path, crux):
    data, rows = crux
    wrong = {r["id"]: "None" for r in rows[::4]}  # a quarter wrong on purpose: 75 % everywhere
    answers = {r["id"]: wrong.get(r["id"], r["output"]) for r in rows}
    official = tmp_path / "gen.json"
    official.write_text(json.dumps({k: [v] for k, v in answers.items()}), encoding="utf-8")
    samples = _write_jsonl(tmp_path / "samples.jsonl", [{"task_id": k, "completion": v} for k, v in answers.items()])
    evalplus = _write_jsonl(tmp_path / "evalplus.jsonl", [{"task_id": k, "solution": v} for k, v in answers.items()])
    rdir = tmp_path / "run" / "generations"
    rdir.mkdir(parents=True)
    raw = _write_jsonl(rdir / "cruxeval-output-direct.jsonl", [  # raw model text, as eval run caches it
        {"task_id": r["id"], "completions": [f"assert f({r['input']}) == {answers[r['id']]}\n[/ANSWER]\nmore"]}
        for r in rows])
    for gen in (official, samples, evalplus, raw):
        out = tmp_path / f"{gen.name}.scores.json"
        done = _cli("--benchmark", "cruxeval", "--data", str(data), "--generations", str(gen), "-o", str(out))
        assert done.returncode == 0, done.stderr
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert doc["pass@1"] == 75.0, gen.name
        assert doc["task"] == "output" and doc["mode"] == "official"
    assert not list(tmp_path.glob(".*.progress.jsonl"))  # journal removed once the scores are written


def test_eval_run_file_gives_task_and_style_and_a_mismatch_is_an_error(tmp_path, crux):
    data, rows = crux
    raw = _write_jsonl(tmp_path / "cruxeval-input-direct.jsonl",
                       [{"task_id": r["id"], "completions": [f"assert f({r['input']}) == {r['output']}"]} for r in rows])
    read = read_generations(raw)
    assert (read.format, read.raw, read.task, read.style) == ("eval-run", True, "input", "direct")
    done = _cli("--benchmark", "cruxeval", "--data", str(data), "--generations", str(raw))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pass@1"] == 100.0  # input task read from the file name, not the default
    wrong = _cli("--benchmark", "cruxeval", "--task", "output", "--data", str(data), "--generations", str(raw))
    assert wrong.returncode == 2 and "for task 'input', not 'output'" in wrong.stderr


def test_several_samples_per_task_are_several_answers(tmp_path, crux):
    data, rows = crux
    lines = [{"task_id": r["id"], "completion": ans} for r in rows for ans in (r["output"], "None")]
    gen = _write_jsonl(tmp_path / "samples.jsonl", lines)
    assert all(len(g.completions) == 2 for g in read_generations(gen).generations)
    done = _cli("--benchmark", "cruxeval", "--data", str(data), "--generations", str(gen), "--mode", "strict")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pass@1"] == 50.0


@pytest.mark.parametrize(("content", "message"), [
    ('{"task_id": "sample_0", "completion": "1"}\n{"task_id": "sample_1", "completion": 2}\n',
     "bad.jsonl:2: 'completion' must be a string"),
    ('{"task_id": "sample_0", "completion": "1"}\n\n{"task_id": "sample_1", "completion": "2"\n',
     "bad.jsonl:3: not valid JSON"),
    ('{"task_id": "sample_0", "output": "1"}\n', "bad.jsonl:1: record has none of 'completion'"),
    ('{"task_id": "sample_0", "completion": "1"}\n{"task_id": "sample_0", "completions": ["1"]}\n',
     "bad.jsonl:2: a eval-run record in a file of samples records"),
    ('{"HumanEval/0": ["x"]}', "ids are not items of cruxeval/output"),
    ("[[1], [2]]", "item 0: expected a JSON object"),
    ("", "empty file"),
    ('{"sample_0": "1"}', "'sample_0' must map to a list of answer strings"),
])
def test_a_file_it_cannot_read_is_an_error_naming_file_and_line(tmp_path, crux, content, message):
    data, _ = crux
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    done = _cli("--benchmark", "cruxeval", "--data", str(data), "--generations", str(bad), "-o", str(tmp_path / "s"))
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "s").exists()  # never a silent 0 %


def test_a_lone_surrogate_answer_is_that_answers_verdict_and_the_scores_are_written(tmp_path, crux):
    data, rows = crux
    gen = tmp_path / "gen.json"
    gen.write_text(json.dumps({r["id"]: [r["output"], "'\ud800'"] for r in rows}), encoding="utf-8")
    out = tmp_path / "scores.json"
    done = _cli("--benchmark", "cruxeval", "--data", str(data), "--generations", str(gen), "-o", str(out))
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["pass@1"] == 50.0
    bad = [v for v in doc["verdicts"] if v["answer"] == "'\ud800'"]
    assert len(bad) == len(rows) and not any(v["correct"] for v in bad)


class _Counting:
    """A pass@k benchmark whose `score` counts the items it scored (and can die on one, like kill -9)."""

    name, version = "fake", "1"

    def __init__(self, die_at: str | None = None) -> None:
        from codereasoner.evaluation.benchmarks.cruxeval import CruxEval

        self.inner, self.die_at, self.scored = CruxEval(), die_at, 0

    def score(self, tasks, gens, *, mode, executor=None):
        if self.die_at in {t.id for t in tasks}:
            raise KeyboardInterrupt  # the process dies here
        self.scored += len(tasks)
        return self.inner.score(tasks, gens, mode=mode, executor=executor)

    def combine(self, tasks, gens, reports):
        return self.inner.combine(tasks, gens, reports)


def test_a_killed_scoring_run_resumes_without_losing_or_repeating_work(tmp_path, benchmarks_dir, executor):
    from codereasoner.evaluation.benchmarks.cruxeval import CruxEval

    tasks = CruxEval().load(benchmarks_dir / "cruxeval", task="output")[: 3 * JOURNAL_CHUNK]
    gens = [Generation(t.id, (t.answer, "0")) for t in tasks]
    journal = tmp_path / "j.jsonl"
    first = _Counting(die_at=tasks[2 * JOURNAL_CHUNK + 5].id)
    with pytest.raises(KeyboardInterrupt):
        score_resumable(first, tasks, gens, mode="official", executor=executor, journal=journal)
    assert first.scored == 2 * JOURNAL_CHUNK
    with journal.open("a", encoding="utf-8") as f:
        f.write('{"key": "torn')  # a write cut by the kill
    again = _Counting()
    report = score_resumable(again, tasks, gens, mode="official", executor=executor, journal=journal)
    assert again.scored == JOURNAL_CHUNK  # only the chunk that had not finished
    whole = CruxEval().score(tasks, gens, mode="official", executor=executor)
    assert report.metrics == whole.metrics and report.meta["scored"] == whole.meta["scored"]
    assert [v.id for v in report.verdicts] == [v.id for v in whole.verdicts]
    changed = [Generation(g.task_id, ("0", "0")) for g in gens]  # other answers: nothing is reused
    third = _Counting()
    score_resumable(third, tasks, changed, mode="official", executor=executor, journal=journal)
    assert third.scored == len(tasks)


def test_strict_mode_never_scores_an_item_without_answers_above_0(benchmarks_dir, executor):
    from codereasoner.evaluation.benchmarks.cruxeval import CruxEval

    tasks = CruxEval().load(benchmarks_dir / "cruxeval", task="output")[:3]
    report = CruxEval().score(tasks, [Generation(t.id, ()) for t in tasks], mode="strict", executor=executor)
    assert report.metrics["pass@1"] == 0.0
