"""`codereasoner experiment`: every claim resolves to a valid recipe and buildable data, the arms differ only in
what the claim credits, the summary reads intervals honestly, and (slow) a micro run writes every artefact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codereasoner.pipeline.evaluate import Evaluation
from codereasoner.pipeline.experiment import CLAIMS, claim_recipe
from codereasoner.pipeline.summary import reading, summarise, write_results


@pytest.mark.parametrize("name", list(CLAIMS))
def test_each_claims_recipe_resolves_and_its_arms_change_only_the_credited_setting(name):
    from codereasoner.config import apply_overrides, to_dict

    claim = CLAIMS[name]
    rec = claim_recipe(claim, [], threads=1)
    control = to_dict(apply_overrides(rec, list(claim.control.overrides)))
    treated = to_dict(apply_overrides(rec, list(claim.treatment.overrides)))
    changed = {(section, key) for section in control for key in (control[section] if isinstance(control[section],
               dict) else {}) if control[section][key] != treated[section][key]}
    credited = {"rl_vs_sft": set(), "whitebox_vs_output": {("reward", "name")},
                "bilevel_vs_grpo": {("train", "grpo")}, "chains_vs_answers": {("train", "sft")}}[name]
    assert changed == credited
    if name == "rl_vs_sft":
        assert claim.control.matched and claim.treatment.after_sft


@pytest.mark.parametrize("name", ["whitebox_vs_output", "bilevel_vs_grpo"])
def test_the_miniature_task_kinds_build_in_the_tiny_register(tmp_path, name):
    from codereasoner.pipeline.data import build_data

    rec = claim_recipe(CLAIMS[name], [], threads=1)
    summary = build_data(rec, 300, 0, tmp_path, progress=False)  # the default filters keep a minority
    assert summary.total_tasks > 0
    row = json.loads(next((tmp_path / "tasks").glob("*.jsonl")).read_text().splitlines()[0])
    assert row["prompt"].split("\n")[0] and "Question1" not in row["prompt"]  # the short "minimal" prompt


def test_readings_follow_the_interval():
    assert reading(0.5, 3.0) == "holds" and reading(-2.0, -0.1) == "reversed" and reading(-1.0, 2.0) == "not shown"


def test_summary_table_and_plot(tmp_path):
    claim = CLAIMS["rl_vs_sft"]
    n = 100
    runs = {"sft": [30, 32], "sft_matched": [40, 41], "grpo": [50, 52]}
    results = {arm: [Evaluation(k / n, n, (0.0, 1.0), tuple([1] * k + [0] * (n - k))) for k in ks]
               for arm, ks in runs.items()}
    (tmp_path / "rl_vs_sft" / "seed-0" / "grpo").mkdir(parents=True)
    (tmp_path / "rl_vs_sft" / "seed-0" / "grpo" / "timing.json").write_text('{"seconds": 9.0, "cpu_seconds": 5.0}')
    summary = summarise(claim, results, tmp_path / "rl_vs_sft", [0, 1])
    assert summary["difference"]["points"] == 10.5 and summary["reading"] == "holds"
    assert summary["arms"]["grpo"]["per_seed"] == [0.5, 0.52] and summary["arms"]["grpo"]["cpu_seconds"] == 5.0
    assert (tmp_path / "rl_vs_sft.png").read_bytes()[:4] == b"\x89PNG"
    written = write_results(tmp_path, {"rl_vs_sft": summary}, [0, 1], [])
    table = (tmp_path / "results.md").read_text()
    assert "| rl_vs_sft | RL after SFT" in table and "+10.5" in table and "load average" in table
    assert json.loads((tmp_path / "results.json").read_text()) == json.loads(json.dumps(written))


@pytest.mark.slow
def test_a_micro_experiment_runs_every_claim_and_resumes(tmp_path):
    pytest.importorskip("trl")
    from codereasoner.cli.main import main

    micro = ["tiny.hidden_size=32", "tiny.num_layers=1", "tiny.num_heads=2", "tiny.intermediate_size=64",
             "tiny.vocab_size=300", "sft.max_steps=2", "sft.batch_size=8", "grpo.max_steps=1",
             "grpo.num_generations=2", "grpo.rollout_prompts=2", "grpo.update_prompts=2", "grpo.max_completion_length=8",
             "eval_max_new_tokens=8", "grpo.select_samples=0", "save_steps=2"]
    args = ["experiment", "-o", str(tmp_path), "--seeds", "0", "1", "--programs", "1500", "--test", "30",
            "--validation", "10", "--no-progress", *[x for m in micro for x in ("--set", f"train.{m}")]]
    assert main(args) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["claims"]) == set(CLAIMS)
    for claim in results["claims"].values():
        assert all(len(arm["per_seed"]) == 2 for arm in claim["arms"].values())
        assert (tmp_path / claim["plot"]).is_file()
    assert main(args) == 0  # resumes: nothing retrained


def test_a_stage_started_from_a_stage_made_model_resumes_when_the_output_directory_is_moved(tmp_path, monkeypatch):
    """The compute-matched control starts from OUT/<claim>/seed-k/sft/model0: its parameters name that model by
    the parameters that made it, not by its path, so `-o DIR` spelled another way (relative, absolute) or a
    moved DIR resumes instead of being refused for a different `start.path`."""
    import shutil

    from codereasoner.pipeline.sft import sft_params
    from codereasoner.records import Task

    rec = claim_recipe(CLAIMS["rl_vs_sft"], [], threads=1)
    tasks = [Task(id="t0", kind="output", code="def f(x):\n    return x", call="f(1)",
                  question={"func": "f", "input": "1"}, answer="1", prompt="p", difficulty=1)]
    shared = tmp_path / "a" / "seed-0" / "sft"
    (shared / "model0").mkdir(parents=True)
    (shared / "params.json").write_text(json.dumps({"stage": "sft", "seed": 0}) + "\n")
    made = sft_params(rec, tasks, shared / "model0", [])
    monkeypatch.chdir(tmp_path)
    assert sft_params(rec, tasks, Path("a/seed-0/sft/model0"), []) == made  # relative spelling
    shutil.move(tmp_path / "a", tmp_path / "b")
    assert sft_params(rec, tasks, tmp_path / "b" / "seed-0" / "sft" / "model0", []) == made  # moved
    (tmp_path / "b" / "seed-0" / "sft" / "params.json").write_text(json.dumps({"stage": "sft", "seed": 1}) + "\n")
    assert sft_params(rec, tasks, tmp_path / "b" / "seed-0" / "sft" / "model0", [])["start"] != made["start"]
