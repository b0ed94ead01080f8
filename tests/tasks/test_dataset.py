"""A data build is a dataset the ecosystem reads as it is: one type per column, the card's configs, the loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codereasoner.jsonl import dumps
from codereasoner.records import Sample, Task, from_json, to_json
from codereasoner.tasks.dataset import front_matter, licence, load_tasks, task_from_row

STATE = Task("t1", "state", "def f(x):\n    y = x\n    return y", "f(1)", {"line": 2, "occurrence": 1, "var": "y"},
             {"repr": "1", "type": "int"}, prompt="p", difficulty=2, recipe="execverify", meta={"source": "synth"})
OUTPUT = Task("t2", "output", "def f(x):\n    return [x]", "f(1)", {}, "[1]", prompt="p")
COVERAGE = Task("t3", "coverage", "def f(x):\n    return x", "f(0)", {"line": 2}, True)


@pytest.mark.parametrize("task", [STATE, OUTPUT, COVERAGE])
def test_question_and_answer_are_json_text_on_disk_and_round_trip(task):
    row = json.loads(dumps(task))
    assert isinstance(row["question"], str) and isinstance(row["answer"], str)
    assert json.loads(row["question"]) == task.question and json.loads(row["answer"]) == task.answer
    assert from_json(Task, row) == task


def test_old_form_with_plain_json_values_still_reads():
    old = {"id": "t", "kind": "output", "code": "def f(): return 'a'", "call": "f()", "question": {},
           "answer": "'a'"}  # an old-form answer that is itself a string must not be JSON-decoded
    assert from_json(Task, old).answer == "'a'"
    old_state = {**to_json(STATE), "question": dict(STATE.question), "answer": dict(STATE.answer)}
    assert from_json(Task, old_state) == STATE


def test_a_nested_task_round_trips_in_a_sample():
    sample = Sample(STATE, "<answer>1</answer>", "trace", True)
    row = json.loads(dumps(sample))
    assert isinstance(row["task"]["answer"], str)
    assert from_json(Sample, row) == sample


def test_bad_json_text_names_place_and_field():
    row = {**json.loads(dumps(OUTPUT)), "answer": "[1,"}
    with pytest.raises(ValueError, match=r"tasks.jsonl:7: field 'answer': not valid JSON text"):
        from_json(Task, row, "tasks.jsonl:7")
    row = {**json.loads(dumps(OUTPUT)), "answer": 3}
    with pytest.raises(ValueError, match="field 'answer': expected JSON text"):
        from_json(Task, row, "tasks.jsonl:7")


def test_front_matter_is_yaml_with_a_config_per_kind_and_a_licence():
    yaml = pytest.importorskip("yaml")
    text = front_matter(["output", "next_line"], ["synth"], "codereasoner demo")
    assert text.startswith("---\n") and text.endswith("---\n")
    meta = yaml.safe_load(text.strip().strip("-"))
    assert meta["license"] == "apache-2.0"
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert list(configs) == ["all", "output", "next_line", "programs"] and configs["all"]["default"] is True
    assert configs["next_line"]["data_files"] == [{"split": "train", "path": "tasks/next_line-*.jsonl"}]
    assert configs["programs"]["data_files"][0]["path"] == "programs.jsonl"


def test_no_licence_is_claimed_for_programs_the_framework_did_not_write():
    spdx, text = licence(["synth", "corpus"])
    assert spdx == "other" and "corpus" in text


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    from codereasoner.pipeline import build_data

    out = tmp_path_factory.mktemp("data") / "execverify"
    build_data("execverify", 40, 0, out, progress=False, overrides=["data.shard_size=20"])
    return out


def test_every_task_file_is_one_kind_and_reads_with_pyarrow(build):
    pa_json = pytest.importorskip("pyarrow.json")
    files = sorted((build / "tasks").glob("*.jsonl"))
    assert {p.name.rsplit("-", 1)[0] for p in files} == {"output", "input", "next_line", "state", "whitebox"}
    for path in [*files, build / "programs.jsonl"]:
        table = pa_json.read_json(path)  # fails when a column changes type between rows
        if path.name != "programs.jsonl":
            assert str(table.schema.field("answer").type) == "string"
            assert set(table.column("kind").to_pylist()) == {path.name.rsplit("-", 1)[0]}


def test_load_tasks_gives_typed_records_and_filters_kinds(build):
    tasks = load_tasks(build)
    assert tasks and all(isinstance(t, Task) for t in tasks)
    state = load_tasks(build, kinds=["state"])
    assert state and all(t.kind == "state" and isinstance(t.question, dict) for t in state)
    assert all(isinstance(t.answer, dict) and {"repr", "type"} <= set(t.answer) for t in state)


def test_load_tasks_names_file_and_line_of_a_bad_record(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "output-00000.jsonl").write_text(dumps(OUTPUT) + "\n{not json\n")
    with pytest.raises(ValueError, match=r"output-00000.jsonl:2"):
        load_tasks(tmp_path)
    with pytest.raises(FileNotFoundError, match="data build"):
        load_tasks(tmp_path / "missing")


def test_datasets_reads_the_files_the_dir_and_each_config(build, tmp_path):
    datasets = pytest.importorskip("datasets")
    cache = str(tmp_path / "hf")
    n = len(load_tasks(build))
    by_glob = datasets.load_dataset("json", data_files=str(build / "tasks" / "*.jsonl"), split="train",
                                    cache_dir=cache)
    assert len(by_glob) == n and by_glob.features["answer"].dtype == "string"
    whole = datasets.load_dataset(str(build), cache_dir=cache)  # the card's default config: every task
    assert len(whole["train"]) == n
    for kind in ("output", "state"):
        part = datasets.load_dataset(str(build), kind, split="train", cache_dir=cache)
        assert len(part) == len(load_tasks(build, kinds=[kind])) and set(part["kind"]) == {kind}
    programs = datasets.load_dataset(str(build), "programs", split="train", cache_dir=cache)
    assert len(programs) == sum(1 for line in (build / "programs.jsonl").open() if line.strip())
    row = whole["train"][0]
    assert task_from_row(row) == load_tasks(build)[0]
