"""Stages end to end on a micro model: SFT then GRPO through `runner`, resumable, and the CLIs."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("trl")

from codereasoner.config import apply_overrides  # noqa: E402
from codereasoner.recipe import load_recipe  # noqa: E402
from codereasoner.records import Sample, Task, to_json  # noqa: E402
from codereasoner.rewards.config import RewardConfig  # noqa: E402

MICRO = ["tiny.hidden_size=32", "tiny.num_layers=1", "tiny.num_heads=2", "tiny.intermediate_size=64",
         "tiny.vocab_size=300", "sft.max_steps=2", "sft.batch_size=4", "grpo.max_steps=1", "grpo.num_generations=2",
         "grpo.update_prompts=2", "grpo.rollout_prompts=2", "grpo.max_completion_length=4",
         "logging_steps=1", "save_steps=1", "threads=1",
         "grpo.select_samples=0"]


def _tasks(n: int = 12) -> list[Task]:
    return [Task(id=f"t{i:02d}", kind="output", code=f"def f(x):\n    return x + {i % 4}", call=f"f({i})",
                 question={"func": "f", "input": str(i)}, answer=str(i + i % 4),
                 prompt=f"def f(x):\n    return x + {i % 4}\n>>> f({i})\n", difficulty=1) for i in range(n)]


def test_sft_then_grpo_then_resume(tmp_path, executor):
    from codereasoner.train import runner
    from codereasoner.train.heldout import accuracy

    cfg = apply_overrides(load_recipe("tiny").train, MICRO)
    tasks = _tasks()
    samples = [Sample(task=t, completion=str(t.answer), origin="trace", verified=True) for t in tasks]
    start = runner.init_model(cfg, [s.task.prompt + s.completion for s in samples], tmp_path / "m0")
    sft = runner.run_sft(start, samples, cfg, tmp_path / "sft", progress=False)
    assert (sft / "config.json").is_file()
    assert any("loss" in row for row in runner.read_log(tmp_path / "sft" / "log.jsonl"))
    grpo = runner.run_grpo(sft, tasks, cfg, tmp_path / "grpo", reward=RewardConfig(), executor=executor,
                           progress=False)
    assert (grpo / "tokenizer.json").is_file()
    # a finished stage is skipped: same path back, nothing retrained
    mtime = (grpo / "config.json").stat().st_mtime
    again = runner.run_grpo(sft, tasks, cfg, tmp_path / "grpo", reward=RewardConfig(), executor=executor,
                            progress=False)
    assert again == grpo
    assert (grpo / "config.json").stat().st_mtime == mtime
    model, tok = runner.load(grpo, cfg)
    acc, verdicts = accuracy(model, tok, tasks[:4], executor=executor, max_new_tokens=4)
    assert 0.0 <= acc <= 1.0 and len(verdicts) == 4


def test_rl_task_selection_by_pass_rate(tmp_path, executor):
    from codereasoner.train import runner

    cfg = apply_overrides(load_recipe("tiny").train, [*MICRO, "grpo.select_samples=2", "grpo.select_min=0",
                                                      "grpo.select_max=1", "grpo.select_pool=0"])
    tasks = _tasks(6)
    start = runner.init_model(cfg, [t.prompt for t in tasks], tmp_path / "m0")
    model, tok = runner.load(start, cfg)
    (tmp_path / "g").mkdir()
    kept = runner.select_tasks(model, tok, tasks, cfg, tmp_path / "g", executor)
    assert kept == tasks  # [0, 1] keeps everything
    cached = json.loads((tmp_path / "g" / "selection.json").read_text())
    assert cached["pool"] == 6 and 0.0 <= cached["mean_pass_rate"] <= 1.0


def test_rl_task_selection_is_seeded(tmp_path, executor, monkeypatch):
    """Two arms that start from one model with one seed select from identical samples (a paired comparison
    of rewards or algorithms must not differ in its RL tasks by sampling noise)."""
    import torch

    from codereasoner.train import heldout, runner

    cfg = apply_overrides(load_recipe("tiny").train, [*MICRO, "grpo.select_samples=2", "grpo.select_min=0",
                                                      "grpo.select_max=1", "grpo.select_pool=0"])
    draws: list[float] = []

    def sampled_rates(model, tok, tasks, k, **kw):
        draws.append(float(torch.rand(1)))  # what the sampler would draw first
        return [0.5] * len(tasks)

    monkeypatch.setattr(heldout, "pass_rates", sampled_rates)
    for arm in ("a", "b"):
        (tmp_path / arm).mkdir()
        torch.rand(3)  # whatever else ran before this arm's selection
        runner.select_tasks(None, None, _tasks(4), cfg, tmp_path / arm, executor)
    assert len(draws) == 2 and draws[0] == draws[1]


def test_train_cli_sft(tmp_path, capsys):
    from codereasoner.cli.main import main

    (tmp_path / "data" / "tasks").mkdir(parents=True)
    (tmp_path / "data" / "tasks" / "tasks-00000.jsonl").write_text(
        "".join(json.dumps(to_json(t)) + "\n" for t in _tasks()))
    args = ["train", "sft", "--recipe", "tiny", "--data", str(tmp_path / "data"), "-o", str(tmp_path / "run"),
            "--no-progress", "--set", "train.sft.chains=false"] + [x for m in MICRO for x in ("--set", f"train.{m}")]
    assert main(args) == 0
    assert capsys.readouterr().out.strip().endswith("final")
    assert main(["train", "grpo", "--recipe", "tiny", "--data", str(tmp_path / "data"), "-o", str(tmp_path / "g")]) == 2



def _data(tmp_path, n=12):
    (tmp_path / "data" / "tasks").mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / "tasks" / "tasks-00000.jsonl").write_text(
        "".join(json.dumps(to_json(t)) + "\n" for t in _tasks(n)))
    return str(tmp_path / "data")


def _sets(*extra):
    return [x for m in [*MICRO, *extra] for x in ("--set", f"train.{m}")]


def test_grpo_with_fewer_tasks_than_one_rollout_fails_clearly(tmp_path, capsys):
    from codereasoner.cli.main import main
    from codereasoner.train import runner

    cfg = apply_overrides(load_recipe("tiny").train, MICRO)
    start = runner.init_model(cfg, [t.prompt for t in _tasks()], tmp_path / "m0")
    args = ["train", "grpo", "--data", _data(tmp_path, 3), "--model", str(start), "-o", str(tmp_path / "g"),
            "--no-progress", *_sets("grpo.update_prompts=4", "grpo.rollout_prompts=4")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "only 3 RL task(s) remain" in err and "train.grpo.rollout_prompts=4" in err
    assert not (tmp_path / "g" / "final").exists()


@pytest.mark.parametrize("target", ["wandb", "mlflow", "comet"])
def test_report_to_is_checked_before_any_work(tmp_path, capsys, target):
    import importlib.util

    from codereasoner.cli.main import main

    if importlib.util.find_spec(target) is not None:
        pytest.skip(f"{target} is installed here")
    args = ["train", "sft", "--data", _data(tmp_path), "-o", str(tmp_path / "s"), "--no-progress",
            "--set", f"train.report_to={target}"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "train.report_to" in err
    assert not (tmp_path / "s").exists()


def test_missing_model_directory_is_a_clear_error(tmp_path, capsys):
    from codereasoner.cli.main import main

    for stage in ("sft", "grpo"):
        assert main(["train", stage, "--data", _data(tmp_path), "--model", str(tmp_path / "no" / "such"),
                     "-o", str(tmp_path / stage)]) == 2
        assert "not a local Hugging Face checkpoint" in capsys.readouterr().err


def test_model_card_names_the_start_recipe_and_reward(tmp_path, executor):
    from codereasoner.pipeline.grpo import grpo_stage
    from codereasoner.pipeline.sft import sft_stage

    rec = load_recipe("tiny", [f"train.{m}" for m in MICRO] + ["train.sft.chains=false"])
    sft = sft_stage(_tasks(), rec, tmp_path / "sft", executor=executor, progress=False)
    card = (sft / "README.md").read_text()
    assert "[None]" not in card and "recipe `tiny`" in card and "embedded tiny model" in card
    assert "no reasoning chains" in card  # train.sft.chains=false: bare answers, and the card says so
    assert (tmp_path / "sft" / "README.md").read_text() == card
    grpo = grpo_stage(sft, _tasks(), rec, tmp_path / "grpo", executor=executor, progress=False)
    card = (grpo / "README.md").read_text()
    assert "[None]" not in card and f"`{sft}`" in card and "reward: `output`" in card and "| learning_rate |" in card
    assert f"- start model: `{sft}`" in card
