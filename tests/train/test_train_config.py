"""The `train:` recipe section: the papers' hyperparameters stated explicitly, bad values rejected."""

from __future__ import annotations

import sys

import pytest

from codereasoner.recipe import load_recipe
from codereasoner.train.config import GRPOConfigSection, TrainConfig


def test_config_module_does_not_import_torch():
    import subprocess

    code = "import codereasoner.train.config, sys; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_execverify_stage_one_hyperparameters():
    rec = load_recipe("execverify")
    g = rec.train.grpo
    assert (g.num_generations, g.learning_rate, g.beta, g.epsilon) == (8, 1e-6, 0.0, 0.2)
    assert (g.rollout_prompts, g.update_prompts, g.micro_batch_per_device) == (128, 64, 1)
    assert (g.max_prompt_length, g.max_completion_length, g.epochs, g.algorithm) == (2048, 4096, 4.0, "grpo")
    assert rec.rl_reward().name == "whitebox" and rec.rl_reward().assertion == "equal"
    s = rec.train.sft
    assert (s.learning_rate, s.epochs, s.batch_size * s.gradient_accumulation_steps) == (1e-5, 2.0, 16)
    # SFT on I->O and O->I chains, RL on io_mixed + O->I, on disjoint slices of the programs
    assert s.kinds == ("output", "input") and g.kinds == ("whitebox", "input")
    assert s.data_range[1] <= g.data_range[0]
    assert rec.evaluation.max_new_tokens == 12288


def test_stepcodereasoner_is_bilevel_with_the_papers_values():
    rec = load_recipe("stepcodereasoner")
    g = rec.train.grpo
    assert (g.algorithm, g.num_generations, g.learning_rate, g.lam, g.epochs) == ("bilevel", 5, 1e-6, 0.3, 2.0)
    assert g.beta > 0  # Eq. 15's KL term
    assert rec.rl_reward().name == "anchors"
    assert rec.train.sft.data_range[1] <= g.data_range[0]


@pytest.mark.parametrize("name", ["codereasoner", "execverify", "stepcodereasoner"])
def test_paper_recipes_keep_the_loss_normaliser_and_use_vllm(name):
    g = load_recipe(name).train.grpo
    assert g.drop_zero_spread is False and g.vllm == "colocate"
    assert g.max_completion_length == 4096 and g.rollout_prompts == 128 and g.update_prompts == 64


def test_tiny_recipe_sets_cpu_sized_values():
    t = load_recipe("tiny").train
    assert t.model == "tiny" and t.grpo.learning_rate > 1e-6 and t.grpo.max_steps > 0 and t.sft.max_steps > 0


def test_overrides_and_validation():
    r = load_recipe("tiny", ["train.grpo.num_generations=4", "train.grpo.curriculum=1,2"])
    assert r.train.grpo.num_generations == 4 and r.train.grpo.curriculum == (1, 2)
    with pytest.raises(ValueError, match="num_generations"):
        GRPOConfigSection(num_generations=1)
    with pytest.raises(ValueError, match="loss_type"):
        GRPOConfigSection(loss_type="ppo")
    with pytest.raises(ValueError, match="unknown key"):
        load_recipe("tiny", ["train.grpo.lamda=0.1"])
    with pytest.raises(ValueError, match="train.model"):
        TrainConfig(model="")
    with pytest.raises(ValueError, match="train.grpo.micro_batch_per_device"):
        GRPOConfigSection(micro_batch_per_device=-1)
    with pytest.raises(ValueError, match="train.grpo.update_prompts"):
        GRPOConfigSection(update_prompts=0)
    with pytest.raises(ValueError, match="train.grpo.data_range"):
        GRPOConfigSection(data_range=(0.5, 0.2))
    with pytest.raises(ValueError, match="train.sft.kinds"):
        load_recipe("tiny", ["train.sft.kinds=outptu"])
    with pytest.raises(ValueError, match="vllm"):
        load_recipe("tiny", ["train.grpo.vllm=sever"])


def test_report_to_names_and_packages():
    from codereasoner.train.config import check_report_to

    assert check_report_to("none") == []
    with pytest.raises(ValueError, match="train.report_to: unknown target 'wandbb'"):
        TrainConfig(report_to="wandbb")
    import importlib.util

    for name, pkg in (("wandb", "wandb"), ("mlflow", "mlflow")):
        if importlib.util.find_spec(pkg) is None:
            with pytest.raises(ValueError, match=f"needs the {pkg} package"):
                check_report_to(name)
        else:
            assert check_report_to(name) == [name]
