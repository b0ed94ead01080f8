"""Program sources through the whole data build, run as users do: the standard library as a corpus (with its
licence in the card) and an LLM behind an OpenAI-compatible server (every level in a small build; unparsable
answers counted in the card)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from codereasoner.cli.main import main
from codereasoner.jsonl import read_records
from codereasoner.openai_client import LocalServer
from codereasoner.records import Program, Task
from codereasoner.tasks import load_tasks

STDLIB = "stdlib:colorsys,calendar,quopri,heapq,string,difflib,operator,email.utils,_pydecimal"


def test_standard_library_corpus_build(tmp_path, capsys, executor):
    out = tmp_path / "stdlib"
    argv = ["data", "build", "--recipe", "codereasoner", "--n", "120", "--seed", "0", "-o", str(out), "--no-progress",
            "--set", "data.sources=[corpus]", "--set", f"data.source_config={{corpus: {{paths: ['{STDLIB}']}}}}"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["programs"]["sources"]["corpus"]["licence"] == "psf-2.0"
    card = (out / "README.md").read_text()
    assert "\nlicense: psf-2.0\n" in card and "Python Software Foundation License 2.0" in card
    assert re.search(r"\| corpus \| \d+ \| psf-2.0 \| .*no parameters: \d+", card)
    programs = [p for p in read_records(out / "programs.jsonl", Program) if isinstance(p, Program)]
    assert len(programs) >= 20 and all(p.meta["origin"].startswith("stdlib/") for p in programs)
    assert len({p.meta["name"] for p in programs}) >= 10
    # Ground truth is the engine's: rerun every output task's call and compare.
    tasks = load_tasks(out, kinds=["output"])
    runs = executor.run([Program(t.id, t.code, t.call) for t in tasks])
    wrong = [(t.call, t.answer, r.status, r.result) for t, r in zip(tasks, runs) if r.ok and r.result != t.answer]
    assert tasks and not wrong
    assert sum(r.ok for r in runs) >= 0.9 * len(tasks)  # the rest: timeouts on a loaded machine


GOOD = "```python\ndef f{i}(s, n):\n    out = []\n    for ch in s[:n]:\n        out.append(ch.upper() * {i})\n" \
       "    return '-'.join(out)\n\nprint(f{i}('abcdef', 3))\n```"


def test_llm_build_covers_every_level_and_counts_unparsable_answers(tmp_path, capsys):
    asked: list[str] = []

    def respond(endpoint, body):
        prompt = body["messages"][-1]["content"]
        if "Modify the arguments" in prompt:
            return ["no code here"]
        asked.append(prompt)
        if "tests the `not in` method" in prompt:  # the third str seed: unparsable at every level
            return ["Sorry, I cannot."]
        return [GOOD.format(i=len(asked) + 1)]

    with LocalServer(respond) as server:
        out = tmp_path / "llm"
        argv = ["data", "build", "--recipe", "codereasoner", "--n", "12", "-o", str(out), "--no-progress",
                "--set", "data.sources=[llm]", "--set",
                f"data.source_config={{llm: {{base_url: '{server.base_url}', batch: 18, types: [str]}}}}",
                "--set", "data.decontaminate=false", "--set", "data.levels=[1,2,3,4,5,6]"]
        assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    stats = summary["programs"]["sources"]["llm"]["stats"]
    assert stats["prompts"] == 18 and stats["unparsable"] == 6 and stats["parsed"] == 12
    card = (out / "README.md").read_text()
    assert "unparsable: 6" in card and "| llm | 12 |" in card
    levels = {p.difficulty for p in read_records(out / "programs.jsonl", Program) if isinstance(p, Program)}
    drawn_levels = {t.difficulty for t in load_tasks(out)}
    assert levels == drawn_levels == {1, 2, 3, 4, 5, 6}  # 12 programs, six levels: interleaved
    assert all(isinstance(t, Task) for t in load_tasks(out))
    assert "licence" not in summary["programs"]["sources"]["llm"]
    assert "\nlicense: other\n" in card
    assert Path(out / "config.json").is_file()
