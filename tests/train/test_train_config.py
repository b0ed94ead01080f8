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
    g = load_recipe("execverify").train.grpo
    assert (g.num_generations, g.learning_rate, g.beta, g.epsilon, g.prompts_per_step) == (8, 1e-6, 0.0, 0.2, 128)
    assert (g.max_completion_length, g.epochs, g.algorithm) == (4096, 4.0, "grpo")
    assert load_recipe("execverify").rl_reward().name == "whitebox"
    s = load_recipe("execverify").train.sft
    assert (s.learning_rate, s.epochs, s.batch_size * s.gradient_accumulation_steps) == (1e-5, 2.0, 16)


def test_stepcodereasoner_is_bilevel_with_the_papers_values():
    g = load_recipe("stepcodereasoner").train.grpo
    assert (g.algorithm, g.num_generations, g.learning_rate, g.lam, g.epochs) == ("bilevel", 5, 1e-6, 0.3, 2.0)
    assert load_recipe("stepcodereasoner").rl_reward().name == "anchors"


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
