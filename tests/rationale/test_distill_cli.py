"""`codereasoner data distill` end to end against a fake OpenAI-compatible server on 127.0.0.1: verified chains
kept with their provenance, trace-contradicting chains dropped with --check-trace, resume, and `train sft`
training on the output."""

from __future__ import annotations

import json

import pytest

from codereasoner.cli.main import main
from codereasoner.openai_client import LocalServer
from codereasoner.records import Task, to_json
from codereasoner.rationale.claims import check_claims, claims_in
from codereasoner.rationale.distill import read_samples

CODE = "def f(x):\n    y = x * 3\n    return y + 1"


def task(i: int) -> Task:
    return Task(f"p{i}/output/0", "output", CODE, f"f({i})", {"func": "f", "input": str(i)}, str(3 * i + 1),
                prompt=f"Fill in the missing assertion.\nassert f({i}) == ????",
                meta={"system": "You are a programming expert.", "style": "execverify", "program_id": f"p{i}"})


def chain(i: int, y: int, answer: int) -> str:
    return f"<reasoning>\ny = {y}, so f returns {answer}\n</reasoning>\n<answer>\nassert f({i}) == {answer}\n</answer>"


def responder(endpoint, body):
    # For task i: a chain with a wrong intermediate value but the right answer, then a fully right one.
    i = int(body["messages"][-1]["content"].rsplit("f(", 1)[1].split(")")[0])
    if i == 9:
        return [chain(i, 0, 0)] * body["n"]  # never right
    return [chain(i, 99, 3 * i + 1), chain(i, 3 * i, 3 * i + 1)][: body["n"]]


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    (d / "tasks").mkdir(parents=True)
    (d / "tasks" / "output-00000.jsonl").write_text("".join(json.dumps(to_json(task(i))) + "\n" for i in (1, 2, 9)))
    return d


def _distill(server, data, out, *extra):
    return main(["data", "distill", "--teacher", server.base_url, "--model", "teacher-7b", "--data", str(data),
                 "-o", str(out), "--n", "2", "--no-progress", *extra])


def test_distill_keeps_verified_chains_with_provenance_and_resumes(tmp_path, data, capsys):
    out = tmp_path / "distill"
    with LocalServer(responder) as server:
        assert _distill(server, data, out) == 0
        kept = read_samples(out)
        assert [s.task.id for s in kept] == ["p1/output/0", "p2/output/0"]
        meta = kept[0].meta
        assert meta["teacher"] == "teacher-7b" and meta["teacher_source"] == "openai"
        assert meta["prompt_style"] == "execverify" and meta["endpoint"] == server.base_url
        assert meta["sampling"] == {"n": 2, "temperature": 0.6, "top_p": 0.9, "max_tokens": 4096}
        assert meta["verdict"]["status"] == "correct" and meta["sample"] == 0
        assert json.loads((out / "distilled.rejected.jsonl").read_text())["task_id"] == "p9/output/0"
        summary = json.loads((out / "summary.json").read_text())
        assert summary["chains"] == 2 and summary["rejected_tasks"] == 1
        asked = len(server.requests)
        assert _distill(server, data, out) == 0  # resume: nothing asked again
        assert len(server.requests) == asked and len(read_samples(out)) == 2
        capsys.readouterr()
        assert _distill(server, data, out, "--temperature", "0.9") == 2  # other settings are refused
        assert "sampling.temperature" in capsys.readouterr().err


def test_check_trace_drops_chains_whose_steps_contradict_the_trace(tmp_path, data):
    out = tmp_path / "distill"
    with LocalServer(responder) as server:
        assert _distill(server, data, out, "--check-trace") == 0
    kept = read_samples(out)
    assert [s.completion for s in kept] == [chain(1, 3, 4), chain(2, 6, 7)]  # the y = 99 chains are gone
    assert kept[0].meta["sample"] == 1 and kept[0].meta["trace_claims"] == {"checked": 1, "contradicted": []}


def test_teacher_must_be_a_url_or_a_model_directory(tmp_path, data, capsys):
    assert main(["data", "distill", "--teacher", str(tmp_path / "no-such-model"), "--data", str(data),
                 "-o", str(tmp_path / "o")]) == 2
    assert "neither an http(s) URL nor a local model directory" in capsys.readouterr().err
    assert main(["data", "distill", "--teacher", "http://127.0.0.1:1/v1", "--data", str(data),
                 "-o", str(tmp_path / "o")]) == 2
    assert "--model" in capsys.readouterr().err


def test_claims_are_parsed_and_checked_against_the_trace(executor):
    from codereasoner.rationale.from_trace import traced_runs

    assert claims_in("x = 3, so y becomes [1, 2]. z = x + 1", {"x": 0, "y": 0, "z": 0}) == \
        [("x", 3, "x = 3"), ("y", [1, 2], "y = [1, 2]")]
    (run,) = traced_runs([task(2)], executor)
    assert check_claims(task(2), chain(2, 6, 7), run).ok
    bad = check_claims(task(2), chain(2, 5, 7), run)
    assert not bad.ok and bad.contradicted == ("y = 5",)


def test_train_sft_reads_the_distilled_chains(tmp_path, data, capsys):
    pytest.importorskip("trl")
    out = tmp_path / "distill"
    with LocalServer(responder) as server:
        assert _distill(server, data, out) == 0
    micro = ["tiny.hidden_size=32", "tiny.num_layers=1", "tiny.num_heads=2", "tiny.intermediate_size=64",
             "tiny.vocab_size=300", "sft.max_steps=1", "sft.batch_size=2", "logging_steps=1", "threads=1"]
    args = ["train", "sft", "--recipe", "tiny", "--data", str(out), "-o", str(tmp_path / "sft"), "--no-progress"]
    assert main(args + [x for m in micro for x in ("--set", f"train.{m}")]) == 0
    trained = [json.loads(line) for line in (tmp_path / "sft" / "samples.jsonl").read_text().splitlines()]
    assert [r["completion"] for r in trained] == [chain(1, 99, 4), chain(2, 99, 7)]  # the teacher's chains
    assert all(r["origin"] == "teacher" for r in trained)
    assert (tmp_path / "sft" / "final" / "config.json").is_file()


def test_a_local_model_directory_is_a_teacher(tmp_path, data):
    pytest.importorskip("transformers")
    from codereasoner.train.tiny import TinySpec, build_tiny

    model = build_tiny([task(i).prompt + chain(i, 3 * i, 3 * i + 1) for i in range(5)], tmp_path / "teacher",
                       TinySpec(vocab_size=300, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    out = tmp_path / "distill"
    assert main(["data", "distill", "--teacher", str(model), "--data", str(data), "-o", str(out),
                 "--max-tokens", "8", "--no-progress"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["teacher"] == str(model) and summary["tasks"] == 3
    assert summary["chains"] + summary["rejected_tasks"] == 3  # a random tiny model: every task answered, judged
