"""ExecVerify's difficulty filter in a data build, through the openai backend against a local fake model:
the programs it solves >= t of k times are gone, the card counts them, and a rerun asks nothing again."""

from __future__ import annotations

import json
import re

import pytest

from codereasoner.cli.main import main
from codereasoner.jsonl import read_records
from codereasoner.openai_client import LocalServer
from codereasoner.pipeline import build_data
from codereasoner.records import Program

ARGS = ["--recipe", "codereasoner", "--n", "60", "--seed", "2", "--no-progress", "--set", "data.decontaminate=false"]


def programs(root) -> list[Program]:
    return [p for p in read_records(root / "programs.jsonl", Program) if isinstance(p, Program)]


def test_hardness_filter_with_a_fake_model(tmp_path, capsys):
    base = programs_before = None
    base = tmp_path / "plain"
    assert main(["data", "build", *ARGS, "-o", str(base)]) == 0
    programs_before = programs(base)
    easy = {(p.code, p.call): p.meta["result"] for i, p in enumerate(programs_before) if i % 2 == 0}
    asked = []

    def respond(endpoint, body):
        prompt = body["messages"][-1]["content"]
        asked.append(body)
        for (code, call), result in easy.items():
            if code.rstrip() in prompt and f"assert {call} == ????" in prompt:
                right = f"<answer>\n```python\nassert {call} == {result}\n```\n</answer>"
                return [right] * 7 + ["<answer>\n```python\nassert f() == 12345\n```\n</answer>"] * 3
        return ["I think it returns 12345."] * body.get("n", 1)

    capsys.readouterr()
    with LocalServer(respond) as server:
        hard = ["--set", f"data.hardness={{backend: openai, model: coder-7b, base_url: '{server.base_url}'}}"]
        out = tmp_path / "hard"
        assert main(["data", "build", *ARGS, *hard, "-o", str(out)]) == 0
        summary = json.loads(capsys.readouterr().out)
        first = len(asked)
        assert first == len(programs_before)  # one request (k answers) per program that passed every other gate
        assert {b["n"] for b in asked} == {10} and {b["temperature"] for b in asked} == {1.0}
        assert {b["top_p"] for b in asked} == {0.9}
        assert main(["data", "build", *ARGS, *hard, "-o", str(out)]) == 0  # finished: resumes every shard
        capsys.readouterr()
        assert len(asked) == first
    kept = programs(out)
    assert {(p.code, p.call) for p in kept} == {(p.code, p.call) for p in programs_before} - set(easy)
    assert summary["programs"]["too_easy"] == len(easy) > 0
    card = (out / "README.md").read_text()
    assert re.search(rf"\| hardness \| .* \| {len(easy)} \|", card)
    assert (out / ".build" / "hardness.jsonl").is_file()


def test_unknown_backend_fails_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="data.hardness.backend: no generation backend 'vlm'.*did you mean 'vllm'"):
        build_data("tiny", 10, 0, tmp_path / "x", progress=False,
                   overrides=["data.hardness={backend: vlm, model: m}"])
    assert not (tmp_path / "x" / "tasks").exists()
