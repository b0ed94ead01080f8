"""The training stages on a micro model: parameters files (resume, refuse naming the key, start over),
the RL reward resolved once from the recipe, samples honestly labelled, and the quickstart report contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("trl")

from codereasoner.pipeline.evaluate import Evaluation  # noqa: E402
from codereasoner.pipeline.split import Split  # noqa: E402
from codereasoner.recipe import load_recipe  # noqa: E402
from codereasoner.records import Task  # noqa: E402

MICRO = ["tiny.hidden_size=32", "tiny.num_layers=1", "tiny.num_heads=2", "tiny.intermediate_size=64",
         "tiny.vocab_size=300", "sft.max_steps=2", "sft.batch_size=4", "grpo.max_steps=1", "grpo.num_generations=2",
         "grpo.update_prompts=2", "grpo.rollout_prompts=2", "grpo.max_completion_length=4",
         "logging_steps=1", "save_steps=1", "threads=1",
         "grpo.select_samples=0", "eval_every=1", "eval_max_new_tokens=4"]


def recipe(*extra: str):
    return load_recipe("tiny", [f"train.{m}" for m in MICRO] + list(extra))


def tasks(n: int = 12, start: int = 0) -> list[Task]:
    return [Task(id=f"t{i:02d}", kind="output", code=f"def f(x):\n    return x + {i % 4}", call=f"f({i})",
                 question={"func": "f", "input": str(i)}, answer=str(i + i % 4),
                 prompt=f"def f(x):\n    return x + {i % 4}\n>>> f({i})\n", difficulty=1,
                 meta={"style": "minimal"}) for i in range(start, start + n)]


def test_sft_stage_resumes_refuses_changed_settings_and_starts_over(tmp_path, executor):
    from codereasoner.pipeline.sft import sft_stage

    final = sft_stage(tasks(), recipe(), tmp_path / "sft", executor=executor, validation=tasks(3, 50),
                      progress=False)
    assert (final / "config.json").is_file()
    rows = [json.loads(x) for x in (tmp_path / "sft" / "validation.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]  # validation curve, never the test set
    samples = [json.loads(x) for x in (tmp_path / "sft" / "samples.jsonl").read_text().splitlines()]
    assert {(s["origin"], s["verified"]) for s in samples} == {("answer", True)}  # bare answers, not "trace"
    from codereasoner.pipeline.evaluate import evaluate_stage

    held = tasks(6, 60)
    ev = evaluate_stage(final, held, recipe().train, tmp_path / "sft" / "test.json", executor=executor)
    saved = json.loads((tmp_path / "sft" / "test.json").read_text())
    assert ev.n == 6 and len(set(ev.clusters)) == 1 == len(set(saved["clusters"]))  # one skeleton: one cluster
    assert ev.ci95[0] <= ev.accuracy <= ev.ci95[1] and saved["task_ids"] == [t.id for t in held]
    assert evaluate_stage(final, held, recipe().train, tmp_path / "sft" / "test.json", executor=executor) == ev
    mtime = (final / "config.json").stat().st_mtime
    assert sft_stage(tasks(), recipe(), tmp_path / "sft", executor=executor, validation=tasks(3, 50),
                     progress=False) == final
    assert (final / "config.json").stat().st_mtime == mtime  # resumed: nothing retrained
    with pytest.raises(ValueError, match=r"holds a training run \(SFT\) with different sft\.learning_rate;"):
        sft_stage(tasks(), recipe("train.sft.learning_rate=0.01"), tmp_path / "sft", executor=executor,
                  validation=tasks(3, 50), progress=False)
    with pytest.raises(ValueError, match=r"different tasks"):
        sft_stage(tasks(11), recipe(), tmp_path / "sft", executor=executor, validation=tasks(3, 50), progress=False)
    sft_stage(tasks(), recipe("train.sft.learning_rate=0.01"), tmp_path / "sft", executor=executor,
              validation=tasks(3, 50), progress=False, overwrite=True)
    params = json.loads((tmp_path / "sft" / "params.json").read_text())
    assert params["sft"]["learning_rate"] == 0.01
    assert (final / "config.json").stat().st_mtime != mtime


def test_grpo_trains_on_the_recipes_reward_and_a_new_start_model_changes_its_parameters(tmp_path, executor,
                                                                                         monkeypatch):
    from codereasoner.pipeline import grpo as grpo_module
    from codereasoner.pipeline.sft import sft_stage
    from codereasoner.train import runner

    rec = recipe("reward.name=whitebox")  # only the reward section names it
    start = sft_stage(tasks(), rec, tmp_path / "sft", executor=executor, progress=False)
    seen = {}

    def fake_run_grpo(start, tasks, cfg, out, *, reward, **kw):
        seen["reward"] = reward
        return Path(out) / "final"

    monkeypatch.setattr(runner, "run_grpo", fake_run_grpo)
    grpo_module.grpo_stage(start, tasks(), rec, tmp_path / "grpo", executor=executor, progress=False)
    assert seen["reward"].name == "whitebox" and seen["reward"] == rec.reward
    assert json.loads((tmp_path / "grpo" / "params.json").read_text())["reward"]["name"] == "whitebox"
    # the start model is named with the parameters that made it: a retrained SFT is not silently reused
    sft_stage(tasks(), recipe("reward.name=whitebox", "train.sft.learning_rate=0.01"), tmp_path / "sft",
              executor=executor, progress=False, overwrite=True)
    with pytest.raises(ValueError, match=r"different start\.made_by"):
        grpo_module.grpo_stage(start, tasks(), rec, tmp_path / "grpo", executor=executor, progress=False)


def test_stage_two_trains_on_the_code_generation_reward():
    rec = load_recipe("execverify", ["train.grpo.stage=codegen"])
    assert rec.rl_reward().name == "codegen" and load_recipe("execverify").rl_reward().name == "whitebox"


def test_quickstart_report_has_the_documented_contract(tmp_path):
    from codereasoner.pipeline.report import write_quickstart_report

    n = 40
    evals = {"sft": [1] * 10 + [0] * 30, "sft_matched": [1] * 14 + [0] * 26, "grpo": [1] * 15 + [0] * 25}
    evals = {k: Evaluation(sum(v) / n, n, (0.1, 0.5), tuple(v)) for k, v in evals.items()}
    for arm in evals:
        (tmp_path / arm).mkdir()
        (tmp_path / arm / "validation.jsonl").write_text('{"step": 1, "validation_accuracy": 0.2}\n')
    (tmp_path / "grpo" / "log.jsonl").write_text('{"step": 1, "reward": 0.4}\n{"step": 1, "reward": 0.5}\n')
    split = Split(tasks(4), tasks(4, 10), tasks(3, 20), tasks(n, 100))
    report = write_quickstart_report(tmp_path, load_recipe("tiny"), evals, {k: tmp_path / k for k in evals},
                                     {"sft": 150, "grpo": 350, "sft_matched": 350}, split, {}, {}, parameters=7)
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved == json.loads(json.dumps(report))
    for arm in ("sft", "sft_matched", "grpo"):
        assert 0 <= saved[arm]["accuracy"] <= 1 and len(saved[arm]["ci95"]) == 2
    assert saved["heldout_tasks"] == n and saved["sft_matched"]["steps"] == saved["grpo"]["steps"]
    gain = saved["differences"]["grpo_minus_sft_matched"]
    assert gain["points"] == 2.5 and gain["ci95"][0] <= 2.5 <= gain["ci95"][1] and saved["goal"]["met"]
    for png in saved["plots"]:
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"
    assert "compute-matched" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize(("threads", "per_arm"), [(1, 1), (2, 1), (4, 2)])
def test_quickstart_arms_beside_each_other_share_the_threads(threads, per_arm):
    from codereasoner.pipeline.quickstart import arm_recipe

    rec = load_recipe("tiny", [f"train.threads={threads}"])
    assert arm_recipe(rec, threads).train.threads == per_arm and rec.train.threads == threads


@pytest.mark.slow
def test_quickstart_end_to_end_resumes_and_refuses_changed_settings(tmp_path):
    """The README's main job at a micro size: every artefact is written and the report is consistent."""
    from codereasoner.cli.main import main

    out = tmp_path / "qs"
    args = ["quickstart", "-o", str(out), "--threads", "2",  # 2: the control trains in a second process
            "--programs", "1500", "--heldout", "60",
            "--validation", "30", "--no-progress", *[x for m in MICRO for x in ("--set", f"train.{m}")]]
    assert main(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["heldout_tasks"] == 60 and report["validation_tasks"] == 30
    assert report["sft_matched"]["steps"] == report["sft"]["steps"] + 1 == report["grpo"]["steps"]
    assert all((out / p).is_file() for p in report["plots"]) and (out / "report.md").is_file()
    assert main(args) == 0  # resumes: every stage already done
    assert main([*args, "--set", "train.grpo.max_steps=2"]) == 2  # refused, naming the key
    assert main([*args, "--set", "train.grpo.max_steps=2", "--overwrite"]) == 0
    assert json.loads((out / "report.json").read_text())["grpo"]["steps"] == report["sft"]["steps"] + 2
