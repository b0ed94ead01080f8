"""verl scale-out: the parquet export, the packed-reward Bi-Level estimator, and agreement of verl's
compute_score with the TRL reward adapter; with verl installed, its own registry and GRPO estimator."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from codereasoner.cli.main import main  # noqa: E402
from codereasoner.records import Task, to_json  # noqa: E402
from codereasoner.train.bilevel import bilevel_advantages  # noqa: E402
from codereasoner.train.verl import (  # noqa: E402
    STEP_MARK,
    bilevel_grpo_estimator,
    compute_score,
    decode_packed,
    pack_rewards,
)


def _tasks() -> list[Task]:
    return [Task(id=f"t{i}", kind="output", code=f"def f(x):\n    return x * {i}", call="f(3)",
                 question={"func": "f", "input": "3"}, answer=str(3 * i), prompt=f"def f(x):\n    return x * {i}\n>>> f(3)\n")
            for i in range(4)]


@pytest.fixture
def data_dir(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "tasks-00000.jsonl").write_text("".join(json.dumps(to_json(t)) + "\n" for t in _tasks()))
    return tmp_path


def test_export_writes_verl_columns(data_dir, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "train.parquet"
    assert main(["export", "verl", str(data_dir), "-o", str(out), "--reward", "output"]) == 0
    table = pq.read_table(out)
    assert table.column_names == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    row = table.slice(0, 1).to_pylist()[0]
    assert row["data_source"] == "codereasoner:output" and row["ability"] == "code"
    assert row["prompt"] == [{"role": "user", "content": _tasks()[0].prompt}]
    assert row["reward_model"]["style"] == "rule" and json.loads(row["reward_model"]["ground_truth"])["id"] == "t0"
    assert row["extra_info"]["split"] == "train" and row["extra_info"]["index"] == 0
    assert "4 rows" in capsys.readouterr().out


def test_export_rejects_unknown_reward(data_dir, tmp_path):
    assert main(["export", "verl", str(data_dir), "-o", str(tmp_path / "x.parquet"), "--reward", "nope"]) == 2


def test_compute_score_agrees_with_the_trl_adapter(executor):
    from codereasoner.rewards.adapters import task_columns, trl_reward

    tasks = _tasks()
    completions = ["0", "3", "7", "<answer>\n9\n</answer>"]
    trl = trl_reward("output", executor)(prompts=[t.prompt for t in tasks], completions=completions,
                                         task=[task_columns(t)["task"] for t in tasks])
    verl = [compute_score("codereasoner:output", c, task_columns(t)["task"], {"split": "train"}, executor=executor)["score"]
            for t, c in zip(tasks, completions)]
    assert trl == verl == [1.0, 1.0, 0.0, 1.0]


def test_packed_rewards_round_trip():
    row = pack_rewards(10, [2, 5], [1.0, 0.0], 1.0)
    assert row[2] == STEP_MARK + 1 and row[5] == STEP_MARK and row[9] == 1.0 and sum(row) == 6.0
    assert decode_packed(row, 10) == ([2, 5], [1.0, 0.0], 1.0)


def test_estimator_matches_the_pure_function_on_each_token():
    # one group of 3 (uid "a"), two anchors ending at tokens 1 and 3, responses of length 6 (padded to 7)
    steps = [[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    finals = [1.0, 0.0, 0.0]
    rewards = torch.tensor([pack_rewards(6, [1, 3], s, f) + [0.0] for s, f in zip(steps, finals)])
    mask = torch.tensor([[1] * 6 + [0]] * 3, dtype=torch.float32)
    adv, returns = bilevel_grpo_estimator(token_level_rewards=rewards, response_mask=mask, config=None,
                                          index=["a", "a", "a"])
    a_step, a_final = bilevel_advantages(torch.tensor(steps), torch.tensor(finals), lam=0.3)
    for g in range(3):
        expect = [a_final[g] + a_step[g, 0]] * 2 + [a_final[g] + a_step[g, 1]] * 2 + [a_final[g]] * 2 + [0.0]
        assert torch.allclose(adv[g], torch.tensor(expect), atol=1e-5)
    assert torch.equal(adv, returns)


@pytest.mark.slow  # importing verl (Ray, tensordict) takes > 10 s on the 2-core CI machine
def test_registered_in_verls_own_registry():
    """verl 0.9.1's estimator registry and call convention (needs the [verl] extra; CPU is enough)."""
    pytest.importorskip("verl")
    from verl.trainer.ppo import core_algos

    from codereasoner.train.verl import ESTIMATOR, register_verl

    register_verl()
    register_verl()  # idempotent
    fn = core_algos.get_adv_estimator_fn(ESTIMATOR)
    assert fn is bilevel_grpo_estimator
    rewards = torch.tensor([pack_rewards(4, [], [], f) for f in (1.0, 0.0, 1.0, 1.0)])
    mask = torch.ones(4, 4)
    import numpy as np

    adv, _ = fn(token_level_rewards=rewards, response_mask=mask, config=core_algos.AlgoConfig(),
                index=np.array(["a", "a", "b", "b"], dtype=object))
    # no anchors: terminal-only advantages; group b agrees -> 0; group a -> +-1 (population std)
    assert adv[:, 0].tolist() == pytest.approx([1.0, -1.0, 0.0, 0.0], abs=1e-5)
    # verl's GRPO on the same outcome differs only by its unbiased std: sign and zero groups agree
    ref, _ = core_algos.compute_grpo_outcome_advantage(rewards, mask, np.array(["a", "a", "b", "b"], dtype=object))
    assert torch.equal(torch.sign(ref[:, 0]), torch.sign(adv[:, 0]))
