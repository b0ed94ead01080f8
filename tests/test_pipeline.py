"""`codereasoner data build` end to end: every recipe builds offline and fast, the same seed gives the same
bytes, a build killed with SIGKILL resumes to the same bytes with nothing lost or duplicated, bad input fails fast."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codereasoner.cli.main import main
from codereasoner.pipeline import build_data


def files(root: Path) -> dict[str, bytes]:
    """Every output file except the build's own bookkeeping."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".build" not in p.parts}


def task_rows(root: Path) -> list[dict]:
    return [json.loads(line) for p in sorted((root / "tasks").glob("*.jsonl")) for line in p.open()]


@pytest.mark.parametrize("recipe, kinds", [
    ("codereasoner", {"output", "input"}),
    ("execverify", {"output", "input", "next_line", "state", "whitebox"}),
    ("stepcodereasoner", {"anchors"}),
    ("tiny", {"output"}),
])
def test_each_recipe_builds_150_programs_quickly(tmp_path, recipe, kinds):
    start = time.perf_counter()
    summary = build_data(recipe, 150, 0, tmp_path / recipe, progress=False)
    assert time.perf_counter() - start < 30  # "well under a minute" on the shared 2-core machine
    assert set(summary.tasks) == kinds and all(summary.tasks[k] > 0 for k in kinds)
    rows = task_rows(tmp_path / recipe)
    assert len(rows) == summary.total_tasks and len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert {"id", "kind", "code", "call", "question", "answer", "prompt", "difficulty", "recipe"} <= set(row)
        assert row["recipe"] == recipe and row["difficulty"] >= 0 and row["python"]
    card = (tmp_path / recipe / "README.md").read_text()
    assert "Tasks by kind and difficulty" in card and "Decontamination" in card and "Examples" in card
    assert json.loads((tmp_path / recipe / "config.json").read_text())["recipe"]["name"] == recipe
    if recipe == "stepcodereasoner":
        assert "Anchors per task" in card
        assert all(len(json.loads(r["answer"])["prints"]) <= 10 for r in rows)  # answer: JSON text on disk


def test_same_seed_same_bytes_whatever_the_workers(tmp_path):
    build_data("execverify", 60, 7, tmp_path / "a", workers=1, progress=False)
    build_data("execverify", 60, 7, tmp_path / "b", workers=2, progress=False)
    build_data("execverify", 60, 8, tmp_path / "c", workers=2, progress=False)
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a")["tasks/output-00000.jsonl"] != files(tmp_path / "c")["tasks/output-00000.jsonl"]


def test_shards_load_with_datasets(tmp_path):
    datasets = pytest.importorskip("datasets")
    build_data("codereasoner", 40, 0, tmp_path, progress=False, overrides=["data.shard_size=15"])
    assert len(list((tmp_path / "tasks").glob("output-*.jsonl"))) >= 3
    ds = datasets.load_dataset("json", data_files=str(tmp_path / "tasks" / "*.jsonl"), split="train",
                               cache_dir=str(tmp_path / "hf"))
    assert len(ds) == len(task_rows(tmp_path)) and "prompt" in ds.column_names


def test_resume_after_kill_9_gives_the_same_bytes(tmp_path):
    args = ["--recipe", "codereasoner", "--n", "200", "--seed", "3", "--set", "data.shard_size=25",
            "--no-progress"]
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "codereasoner", "data", "build", *args, "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not (out / ".build" / "shard-00001.json").exists() and time.time() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "README.md").exists(), "the build finished before it could be killed"
    done_before = len(list((out / ".build").glob("shard-*.json")))
    assert main(["data", "build", *args, "-o", str(out)]) == 0  # resumes
    assert main(["data", "build", *args, "-o", str(tmp_path / "clean")]) == 0
    assert files(out) == files(tmp_path / "clean")
    rows = task_rows(out)
    assert len({r["id"] for r in rows}) == len(rows) and done_before >= 2


def test_rerunning_a_finished_build_resumes_every_shard(tmp_path):
    first = build_data("tiny", 30, 0, tmp_path, progress=False, overrides=["data.shard_size=10"])
    before = files(tmp_path)
    again = build_data("tiny", 30, 0, tmp_path, progress=False, overrides=["data.shard_size=10"])
    assert again.resumed_shards == 3 and again.tasks == first.tasks and files(tmp_path) == before
    # Sections the data does not depend on may change without invalidating the build.
    other = build_data("tiny", 30, 0, tmp_path, progress=False, overrides=["data.shard_size=10", "description=x"])
    assert other.resumed_shards == 3
    with pytest.raises(ValueError, match="different data"):
        build_data("tiny", 30, 0, tmp_path, progress=False, overrides=["data.shard_size=10", "data.ngram=8"])


@pytest.mark.parametrize("argv, message", [
    (["--recipe", "execverfy"], "did you mean 'execverify'"),
    (["--recipe", "tiny", "--set", "data.kind=output"], "did you mean 'kinds'"),
    (["--recipe", "tiny", "--set", "data.kinds=output,nxt_line"], "did you mean 'next_line'"),
    (["--recipe", "tiny", "--set", "data.style=fancy"], "data.style"),
    (["--recipe", "codereasoner", "--set", "data.kinds=anchors"], "no prompt style"),
    (["--recipe", "tiny", "--set", "data.levels=9"], "data.levels"),
    (["--recipe", "tiny", "--set", "data.benchmark_files=/no/such.jsonl"], "does not exist"),
    (["--recipe", "/no/such/recipe.yaml"], "does not exist"),
    (["--recipe", "tiny", "--n", "0"], "n must be at least 1"),
])
def test_bad_input_fails_fast_with_exit_2(tmp_path, capsys, argv, message):
    argv = ["data", "build", "--n", "5", "-o", str(tmp_path / "out"), *argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out" / "tasks").exists()


def test_output_dir_of_another_build_or_not_a_build_is_refused(tmp_path, capsys):
    build_data("tiny", 10, 0, tmp_path / "d", progress=False)
    with pytest.raises(ValueError, match="different n"):
        build_data("tiny", 11, 0, tmp_path / "d", progress=False)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a data build"):
        build_data("tiny", 10, 0, tmp_path / "other", progress=False)
    build_data("tiny", 11, 0, tmp_path / "d", progress=False, overwrite=True)
    assert main(["data", "inspect", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "Tasks by kind and difficulty" in out and "Examples" not in out


def test_help_shows_a_working_example(capsys):
    with pytest.raises(SystemExit):
        main(["data", "build", "--help"])
    text = capsys.readouterr().out
    assert "codereasoner data build --recipe" in text and "number of programs" in text
