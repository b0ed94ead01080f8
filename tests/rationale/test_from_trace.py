"""Trace-guided chains: written from the trace, in each recipe's format, and every one passes the verifier."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from codereasoner.records import Task, VerdictStatus
from codereasoner.rationale.from_trace import chain, completion_from_trace, traced_runs
from codereasoner.rationale.sft import build_sft_dataset, samples_from_trace, to_chat, to_prompt_completion
from codereasoner.rewards.formats import format_ok
from codereasoner.rewards.verify import verify_batch

CODE = """def helper(v):
    return v * 2

def f(nums, k):
    out = []
    for x in nums:
        if x % k == 0:
            out.append(helper(x))
        else:
            out.insert(0, x)
    i = 0
    while i < 2:
        i += 1
    return out"""
CALL = "f([3, 4, 6, 7], 3)"
TASKS = [
    Task("o", "output", CODE, CALL, {"func": "f", "input": "[3, 4, 6, 7], 3"}, "[7, 4, 6, 12]",
         meta={"style": "codereasoner"}),
    Task("i", "input", CODE, CALL, {"func": "f", "output": "[7, 4, 6, 12]"}, "[3, 4, 6, 7], 3",
         meta={"style": "codereasoner"}),
    Task("s", "state", CODE, CALL, {"line": 8, "occurrence": 2, "var": "out"}, {"repr": "[4, 6, 12]", "type": "list"},
         meta={"style": "execverify"}),
    Task("n", "next_line", CODE, CALL, {"line": 7, "occurrence": 2}, 10, meta={"style": "execverify"}),
    Task("m", "output", CODE, CALL, {"func": "f", "input": "[3, 4, 6, 7], 3"}, "[7, 4, 6, 12]",
         meta={"style": "minimal"}),
]


@pytest.fixture(scope="module")
def runs(executor):
    return traced_runs(TASKS, executor)


@pytest.mark.parametrize("concise", [False, True])
def test_hand_written_tasks_get_verified_chains_in_the_answer_format(executor, runs, concise):
    comps = [completion_from_trace(t, r, concise=concise) for t, r in zip(TASKS, runs)]
    verdicts = verify_batch(TASKS, comps, executor=executor)
    assert [v.status for v in verdicts] == [VerdictStatus.CORRECT] * len(TASKS), [v.detail for v in verdicts]
    assert all(format_ok(c, "answer") for c in comps)


def test_full_chain_says_how_values_change_and_why_branches_go(runs):
    text = chain(TASKS[0], runs[0])
    assert "Line 6: the loop takes x = 3." in text
    assert "Line 7: `x % k == 0` is True, so line 8 runs next." in text
    assert "Line 7: `x % k == 0` is False, so line 10 runs next." in text
    assert "Line 10: `out.insert(0, x)` gives out = [7, 4, 6, 12]." in text
    assert "Line 12: `i < 2` is False, so line 14 runs next." in text
    assert text.endswith("So the call returns [7, 4, 6, 12].")


def test_concise_chain_is_short_and_regular(runs):
    text = chain(TASKS[0], runs[0], concise=True)
    lines = text.split("\n")
    assert len(lines) <= 13 and "..." in lines  # capped: first events, "...", last events, conclusion
    assert lines[:3] == ["out = []", "x = 3", "x % k == 0 -> True"]
    assert lines[-2:] == ["return [7, 4, 6, 12]", "output: [7, 4, 6, 12]"]


def test_state_and_next_line_chains_stop_at_the_asked_moment(runs):
    state = chain(TASKS[2], runs[2], concise=True).split("\n")
    assert state[-1] == "out = [4, 6, 12]; list" and "i = 0" not in state
    nxt = chain(TASKS[3], runs[3], concise=True).split("\n")
    assert nxt[-1] == "next: line 10" and nxt[-2] == "x % k == 0 -> False"


def test_chains_are_deterministic(executor, runs):
    again = traced_runs(TASKS, executor)
    assert [completion_from_trace(t, r) for t, r in zip(TASKS, again)] == \
        [completion_from_trace(t, r) for t, r in zip(TASKS, runs)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Small task sets from the data build for each recipe (decontamination off: no benchmark files needed;
    48 programs: the default filters keep about 40 %)."""
    from codereasoner.pipeline import build_data

    out = {}
    for recipe in ("tiny", "codereasoner", "execverify", "stepcodereasoner", "reval"):
        d = tmp_path_factory.mktemp(recipe)
        extra = ["data.kinds=[coverage, path]"] if recipe == "reval" else []
        build_data("codereasoner" if recipe == "reval" else recipe, 48, 7, d, workers=1, progress=False,
                   overrides=["data.decontaminate=false", *extra])
        out[recipe] = d
    return out


@pytest.mark.parametrize("recipe", ["tiny", "codereasoner", "execverify", "stepcodereasoner", "reval"])
@pytest.mark.parametrize("concise", [False, True])
def test_every_chain_of_every_recipe_verifies(executor, built, recipe, concise):
    from codereasoner.rationale.sft import read_tasks

    tasks = list(read_tasks(built[recipe]))
    samples = samples_from_trace(tasks, executor=executor, concise=concise)
    assert len(samples) == len(tasks) > 0
    bad = [(s.task.id, s.meta) for s in samples if not s.verified]
    assert not bad
    style = "anchors" if recipe == "stepcodereasoner" else "answer"
    assert all(format_ok(s.completion, style) for s in samples), samples[0].completion


def test_anchor_chains_fill_one_reasoning_block_per_print(executor, built):
    from codereasoner.rationale.sft import read_tasks

    tasks = [t for t in read_tasks(built["stepcodereasoner"]) if t.question.get("mode") == "output"]
    s = samples_from_trace(tasks[:1], executor=executor)[0]
    n = len(s.task.answer["prints"])
    assert s.completion.count("<print>") == n and s.completion.count("<reasoning>") == n + 1
    assert "<reasoning>\n</reasoning>" not in s.completion  # every block has text


def test_build_sft_dataset_writes_trl_conversational_rows(executor, built, tmp_path):
    out = tmp_path / "sft.jsonl"
    summary = build_sft_dataset(built["execverify"], out, "execverify", executor=executor)
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert summary.written == len(rows) == summary.tasks and not summary.dropped
    r = rows[0]
    assert set(r) == {"id", "prompt", "completion"}
    assert [m["role"] for m in r["prompt"]] == ["system", "user"] and r["completion"][0]["role"] == "assistant"
    tiny = tmp_path / "tiny.jsonl"
    build_sft_dataset(built["tiny"], tiny, "tiny", executor=executor, fmt="messages", limit=5)
    rows = [json.loads(x) for x in tiny.read_text().splitlines()]
    assert len(rows) == 5 and [m["role"] for m in rows[0]["messages"]] == ["user", "assistant"]
    assert len(rows[0]["messages"][1]["content"].split("\n")) <= 20  # concise by default for tiny


def test_chat_rows(executor, runs):
    from codereasoner.records import Sample

    s = Sample(TASKS[0], "c", "trace", True)
    assert to_chat(s)["messages"][-1] == {"role": "assistant", "content": "c"}
    assert to_prompt_completion(s)["completion"] == [{"role": "assistant", "content": "c"}]
    assert Counter(m["role"] for m in to_chat(s)["messages"]) == {"user": 1, "assistant": 1}
