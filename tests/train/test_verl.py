"""verl scale-out: the parquet export (the recipe's reward, a slim ground truth, the path on stdout), the
packed-reward Bi-Level estimator (last-token segments, unscorable rows, input-prediction targets, the KL guard,
lambda without touching verl's AlgoConfig), agreement of verl's compute_score with the TRL reward adapter, and
the launch scripts; with verl installed, its own registry and GRPO estimator."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from codereasoner.cli.main import main  # noqa: E402
from codereasoner.records import Task, to_json  # noqa: E402
from codereasoner.train.bilevel import bilevel_advantages  # noqa: E402
from codereasoner.train.bilevel import group_advantages  # noqa: E402
from codereasoner.train.verl import (  # noqa: E402
    LAST_BASE,
    STEP_MARK,
    PackedAnchor,
    bilevel_grpo_estimator,
    bilevel_lambda,
    compute_score,
    decode_packed,
    pack_rewards,
)


def _tasks() -> list[Task]:
    return [Task(id=f"t{i}", kind="output", code=f"def f(x):\n    return x * {i}", call="f(3)",
                 question={"func": "f", "input": "3"}, answer=str(3 * i), prompt=f"def f(x):\n    return x * {i}\n>>> f(3)\n",
                 recipe="codereasoner", meta={"style": "codereasoner", "program_id": f"p{i}", "system": "S" * 500})
            for i in range(4)]


@pytest.fixture
def data_dir(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "tasks-00000.jsonl").write_text("".join(json.dumps(to_json(t)) + "\n" for t in _tasks()))
    return tmp_path


def test_export_writes_verl_columns_and_prints_only_the_path(data_dir, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "train.parquet"
    assert main(["export", "verl", str(data_dir), "-o", str(out), "--reward", "output", "--all"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{out}\n"  # TRAIN=$(codereasoner export verl ...) captures a path
    assert "4 rows" in captured.err
    table = pq.read_table(out)
    assert table.column_names == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    row = table.slice(0, 1).to_pylist()[0]
    assert row["data_source"] == "codereasoner:output" and row["ability"] == "code"
    assert row["prompt"][-1] == {"role": "user", "content": _tasks()[0].prompt}
    truth = json.loads(row["reward_model"]["ground_truth"])
    assert truth["id"] == "t0" and not truth.get("prompt") and not truth.get("meta")  # only what the verifier needs
    assert row["extra_info"]["split"] == "train" and row["extra_info"]["index"] == 0
    assert row["extra_info"]["reward_config"]["name"] == "output"


def test_export_takes_the_recipes_reward_and_rl_slice(data_dir, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    from codereasoner.train.batch import program_fraction

    out = tmp_path / "x.parquet"
    # no config.json: the tasks all name the codereasoner recipe -> its reward (output) and RL slice
    assert main(["export", "verl", str(data_dir), "-o", str(out)]) == 0
    ids = [r["task_id"] for r in pq.read_table(out).column("extra_info").to_pylist()]
    assert ids == [f"t{i}" for i in range(4) if program_fraction(f"p{i}") >= 0.48]
    # --recipe wins: execverify trains on whitebox and carries its constants to verl
    assert main(["export", "verl", str(data_dir), "-o", str(out), "--recipe", "execverify", "--all",
                 "--kinds", "output"]) == 0
    extra = pq.read_table(out).column("extra_info").to_pylist()[0]
    assert extra["reward"] == "whitebox" and extra["reward_config"]["assertion"] == "equal"
    assert "reward whitebox (recipe execverify)" in capsys.readouterr().err


def test_export_without_a_recipe_asks_for_one(data_dir, tmp_path, capsys):
    lines = (data_dir / "tasks" / "tasks-00000.jsonl").read_text().replace('"codereasoner"', '"mine"')
    (data_dir / "tasks" / "tasks-00000.jsonl").write_text(lines)
    assert main(["export", "verl", str(data_dir), "-o", str(tmp_path / "x.parquet")]) == 2
    assert "--recipe" in capsys.readouterr().err


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
    anchors = [PackedAnchor(2, 1.0, 17), PackedAnchor(5, 0.0, 1023), PackedAnchor(None, 0.0, 4)]
    row = pack_rewards(10, anchors, 1.0)
    assert row[2] == pytest.approx(STEP_MARK + 1 + 17 / 2048) and row[5] == pytest.approx(STEP_MARK + 1023 / 2048)
    assert row[6] == pytest.approx(STEP_MARK + 0.5 + 4 / 2048)  # the missing anchor rides on a spare token
    assert row[9] == LAST_BASE * 2
    assert decode_packed(row, 10) == (anchors[:2] + [PackedAnchor(None, 0.0, 4)], 1.0)
    assert decode_packed(pack_rewards(4, [], None), 4) == ([], None)  # unscorable


def test_a_segment_ending_on_the_last_token_keeps_its_step_reward():
    row = pack_rewards(6, [PackedAnchor(1, 0.0), PackedAnchor(5, 1.0)], 0.0)
    anchors, final = decode_packed(row, 6)
    assert [(a.end, a.reward) for a in anchors] == [(1, 0.0), (5, 1.0)] and final == 0.0


def _packed(rows, length, pad=1):
    rewards = torch.tensor([pack_rewards(length, a, f) + [0.0] * pad for a, f in rows])
    mask = torch.tensor([[1] * length + [0] * pad] * len(rows), dtype=torch.float32)
    return rewards, mask


def test_estimator_matches_the_group_rules_on_each_token():
    # one group of 3 (uid "a"), two anchors ending at tokens 1 and 3, responses of length 6 (padded to 7)
    steps = [[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    finals = [1.0, 0.0, 0.0]
    rewards, mask = _packed([([PackedAnchor(1, s[0]), PackedAnchor(3, s[1])], f) for s, f in zip(steps, finals)], 6)
    adv, returns = bilevel_grpo_estimator(token_level_rewards=rewards, response_mask=mask, config=None,
                                          index=["a", "a", "a"])
    a_step, a_final = group_advantages(steps, finals, 0.3, targets=[["0", "0"]] * 3)
    for g in range(3):
        expect = [a_final[g] + a_step[g][0]] * 2 + [a_final[g] + a_step[g][1]] * 2 + [a_final[g]] * 2 + [0.0]
        assert torch.allclose(adv[g], torch.tensor(expect), atol=1e-5)
    assert torch.equal(adv, returns)


def test_estimator_leaves_unscorable_rows_out_and_keeps_last_token_segments():
    rows = [([PackedAnchor(2, 1.0), PackedAnchor(5, 1.0)], 1.0),   # second segment ends on the last token
            ([PackedAnchor(2, 1.0), PackedAnchor(5, 0.0)], 0.0),
            ([], None)]                                            # sandbox error
    rewards, mask = _packed(rows, 6)
    adv, _ = bilevel_grpo_estimator(token_level_rewards=rewards, response_mask=mask, index=["g"] * 3)
    assert torch.all(adv[2] == 0)
    # anchor 2 spread (1 vs 0) reaches tokens 3-5 of row 0, the last one included
    assert adv[0, 5] > adv[0, 2] and adv[0, 5] == pytest.approx(adv[0, 3].item())


def test_estimator_refuses_kl_in_reward_and_unpacked_values():
    import dataclasses

    rewards, mask = _packed([([PackedAnchor(1, 1.0)], 1.0), ([PackedAnchor(1, 0.0)], 0.0)], 4)

    @dataclasses.dataclass
    class AlgoConfig:  # verl's is a closed dataclass like this one: no bilevel_lambda field
        use_kl_in_reward: bool = False

    with pytest.raises(ValueError, match="use_kl_in_reward"):
        bilevel_grpo_estimator(token_level_rewards=rewards, response_mask=mask, config=AlgoConfig(True),
                               index=["a", "a"])
    with pytest.raises(ValueError, match="not a packed Bi-Level marker"):
        bilevel_grpo_estimator(token_level_rewards=rewards - 0.01 * mask, response_mask=mask, config=AlgoConfig(),
                               index=["a", "a"])


def test_lambda_comes_from_the_environment_when_verls_config_has_no_field(monkeypatch):
    import dataclasses

    @dataclasses.dataclass
    class AlgoConfig:
        use_kl_in_reward: bool = False

    monkeypatch.delenv("CODEREASONER_BILEVEL_LAMBDA", raising=False)
    assert bilevel_lambda(AlgoConfig()) == 0.3
    monkeypatch.setenv("CODEREASONER_BILEVEL_LAMBDA", "0.1")
    assert bilevel_lambda(AlgoConfig()) == 0.1 and bilevel_lambda({"bilevel_lambda": 0.5}) == 0.5
    monkeypatch.setenv("CODEREASONER_BILEVEL_LAMBDA", "x")
    with pytest.raises(ValueError, match="CODEREASONER_BILEVEL_LAMBDA"):
        bilevel_lambda(AlgoConfig())


# verl 0.9's AlgoConfig fields (verl/trainer/config/algorithm.py); the real class is used when verl is installed.
ALGO_FIELDS = {"gamma", "lam", "adv_estimator", "norm_adv_by_std_in_grpo", "use_kl_in_reward", "kl_penalty",
               "kl_ctrl", "use_pf_ppo", "pf_ppo", "filter_groups", "rollout_correction"}


def test_launch_scripts_only_set_algorithm_keys_verl_knows():
    import re
    import subprocess
    from pathlib import Path

    scripts = sorted((Path(__file__).parents[2] / "scripts" / "verl").glob("*.sh"))
    assert scripts
    fields = ALGO_FIELDS
    try:
        import dataclasses

        from verl.trainer.config import AlgoConfig

        fields = {f.name for f in dataclasses.fields(AlgoConfig)}
    except ImportError:
        pass
    for script in scripts:
        text = script.read_text()
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
        keys = re.findall(r"(?<![\w.])\+{0,2}algorithm\.(\w+)", text)
        assert set(keys) <= fields, (script.name, set(keys) - fields)
        assert "use_kl_in_reward=True" not in text


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
    rewards = torch.tensor([pack_rewards(4, [], f) for f in (1.0, 0.0, 1.0, 1.0)])
    mask = torch.ones(4, 4)
    import numpy as np

    adv, _ = fn(token_level_rewards=rewards, response_mask=mask, config=core_algos.AlgoConfig(),
                index=np.array(["a", "a", "b", "b"], dtype=object))
    # no anchors: terminal-only advantages; group b agrees -> 0; group a -> +-1 (population std)
    assert adv[:, 0].tolist() == pytest.approx([1.0, -1.0, 0.0, 0.0], abs=1e-5)
    # verl's GRPO on the same outcome differs only by its unbiased std: sign and zero groups agree
    outcome = torch.tensor([[0.0, 0.0, 0.0, f] for f in (1.0, 0.0, 1.0, 1.0)])
    ref, _ = core_algos.compute_grpo_outcome_advantage(outcome, mask, np.array(["a", "a", "b", "b"], dtype=object))
    assert torch.equal(torch.sign(ref[:, 0]), torch.sign(adv[:, 0]))
