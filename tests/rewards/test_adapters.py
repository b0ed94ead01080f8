"""The TRL and verl adapters give exactly the pure reward of verify's verdict (contract test)."""

from __future__ import annotations

import asyncio
import inspect
import json

import pytest

from codereasoner.rewards import REWARDS, RewardConfig
from codereasoner.rewards.adapters import task_columns, task_from_column, trl_reward, verl_columns, verl_compute_score
from codereasoner.rewards.official import cruxeval_task
from codereasoner.rewards.verify import verify_batch

OUT = cruxeval_task("o", "output", "def f(x):\n    return [x, x]", "1", "[1, 1]")
INP = cruxeval_task("i", "input", "def f(x):\n    return [x, x]", "1", "[1, 1]")
GOOD = "<reasoning>\nx twice\n</reasoning>\n<answer>\nassert f(1) == [1, 1]\n</answer>"
ROWS = [(OUT, GOOD), (OUT, "[1, 2]"), (OUT, "garbage"), (INP, "f(1)"), (INP, "f(2)"),
        (INP, [{"role": "assistant", "content": "<answer>\nf(1)\n</answer>"}])]


def test_task_column_round_trips():
    assert task_from_column(task_columns(OUT)["task"]) == OUT
    assert task_from_column(json.loads(task_columns(INP)["task"])) == INP


@pytest.mark.parametrize("name", ["output", "whitebox", "anchors"])
def test_trl_reward_agrees_with_the_pure_reward(executor, name):
    tasks = [t for t, _ in ROWS]
    comps = [c for _, c in ROWS]
    fn = trl_reward(name, executor)
    got = fn(prompts=["p"] * len(ROWS), completions=comps, completion_ids=None,
             task=[task_columns(t)["task"] for t in tasks], trainer_state=None, other=[1] * len(ROWS))
    verdicts = verify_batch(tasks, comps, executor=executor)
    assert got == [REWARDS.get(name)(t, v, RewardConfig(name=name)) for t, v in zip(tasks, verdicts)]
    assert fn.__name__ == f"{name}_reward"


def test_trl_reward_values_and_async_variant(executor):
    comps = [c for _, c in ROWS]
    cols = {"task": [task_columns(t)["task"] for t, _ in ROWS]}
    sync = trl_reward("output", executor)(["p"] * len(ROWS), comps, **cols)
    assert sync == [1.0, 0.0, 0.0, 1.0, 0.0, 1.0]
    afn = trl_reward("output", executor, asynchronous=True)
    assert inspect.iscoroutinefunction(afn)  # TRL runs these concurrently
    assert asyncio.run(afn(["p"] * len(ROWS), comps, **cols)) == sync
    fmt = trl_reward("output", executor, cfg=RewardConfig(format_weight=0.5))(["p"] * len(ROWS), comps, **cols)
    assert fmt[0] == 1.5


def test_trl_reward_needs_the_task_column():
    with pytest.raises(KeyError, match="'task' dataset column"):
        trl_reward("output")(["p"], ["1"], prompt_id=[0])


def test_trl_reward_returns_none_for_sandbox_failures():
    class Broken:
        def run(self, programs, **kw):
            raise RuntimeError("down")

    assert trl_reward("output", Broken())(["p"], ["f(1)"], task=[task_columns(INP)["task"]]) == [None]


@pytest.mark.parametrize("name", ["output", "whitebox", "anchors"])
def test_verl_compute_score_agrees_with_the_pure_reward(executor, name, monkeypatch):
    import codereasoner.rewards.verify as verify_mod

    monkeypatch.setattr("codereasoner.execution.default_executor", lambda: executor, raising=False)
    for task, comp in ROWS[:5]:
        row = verl_columns(task, [{"role": "user", "content": "q"}], reward=name)
        got = verl_compute_score(row["data_source"], comp, row["reward_model"]["ground_truth"], row["extra_info"])
        verdict = verify_mod.verify(task, comp, executor=executor)
        assert got["score"] == REWARDS.get(name)(task, verdict, RewardConfig(name=name))
        assert got["correct"] == float(verdict.correct)


def test_verl_compute_score_reads_the_reward_name_from_data_source(executor, monkeypatch):
    monkeypatch.setattr("codereasoner.execution.default_executor", lambda: executor, raising=False)
    gt = task_columns(OUT)["task"]
    assert verl_compute_score("codereasoner:whitebox", GOOD, gt)["score"] == 2.0
    assert verl_compute_score("codereasoner", GOOD, gt)["score"] == 1.0


def test_verl_sandbox_failure_is_flagged_not_silent():
    class Broken:
        def run(self, programs, **kw):
            raise RuntimeError("down")

    got = verl_compute_score("codereasoner:output", "f(1)", task_columns(INP)["task"], executor=Broken())
    assert got == {"score": 0.0, "correct": 0.0, "no_reward": 1.0}


