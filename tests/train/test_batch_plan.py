"""Batch semantics in verl's terms, the TRL arguments they become, vLLM rollouts in the GRPOConfig we build
(no vLLM needed), the stage slices, and `codereasoner train plan`."""

from __future__ import annotations

import json

import pytest

from codereasoner.cli.main import main
from codereasoner.recipe import load_recipe
from codereasoner.records import Task
from codereasoner.train.batch import batch_plan, program_fraction, stage_tasks
from codereasoner.train.config import GRPOConfigSection
from codereasoner.train.plan import GIB, MODEL_SIZES, ModelShape, estimate_memory, make_plan, model_shape

PAPERS = ["codereasoner", "execverify", "stepcodereasoner"]


def test_execverify_batch_on_eight_gpus_is_the_papers():
    plan = batch_plan(load_recipe("execverify").train.grpo, 8)
    # 128 prompts x 8 rollouts per rollout, 64 prompts per update, micro-batch 1 per GPU
    assert (plan.rollout_sequences, plan.update_sequences, plan.optimizer_steps_per_rollout) == (1024, 512, 2)
    assert (plan.micro_batch_per_device, plan.gradient_accumulation_steps, plan.steps_per_generation) == (1, 64, 128)
    # the same recipe on one GPU is the same optimisation: only the accumulation grows
    one = batch_plan(load_recipe("execverify").train.grpo, 1)
    assert (one.rollout_sequences, one.update_sequences, one.gradient_accumulation_steps) == (1024, 512, 512)


def test_tiny_keeps_its_old_trl_arguments():
    plan = batch_plan(load_recipe("tiny").train.grpo, 1)
    assert (plan.micro_batch_per_device, plan.gradient_accumulation_steps, plan.steps_per_generation) == (128, 1, 1)


@pytest.mark.parametrize("overrides, field", [
    (["train.grpo.rollout_prompts=96"], "train.grpo.rollout_prompts"),
    (["train.grpo.micro_batch_per_device=3"], "train.grpo.micro_batch_per_device"),
    (["train.grpo.update_prompts=3", "train.grpo.rollout_prompts=3", "train.grpo.num_generations=5"],
     "train.grpo.update_prompts"),
])
def test_sizes_that_do_not_fit_together_name_the_field(overrides, field):
    with pytest.raises(ValueError, match=field):
        batch_plan(load_recipe("execverify", overrides).train.grpo, 8)


def test_grpo_config_we_build_realises_the_plan_and_vllm_modes():
    pytest.importorskip("trl")
    from codereasoner.train.grpo import grpo_args

    cfg = load_recipe("execverify").train
    args = grpo_args(cfg, "/tmp/unused", use_cpu=True, devices=1)
    assert (args.per_device_train_batch_size, args.gradient_accumulation_steps, args.steps_per_generation) == (1, 512,
                                                                                                             1024)
    assert args.generation_batch_size == 1024  # TRL's generation batch is exactly one rollout
    assert args.use_vllm and args.vllm_mode == "colocate" and args.vllm_gpu_memory_utilization == 0.3
    assert args.vllm_max_model_length == 2048 + 4096
    assert (args.beta, args.loss_type, args.max_completion_length) == (0.0, "dapo", 4096)
    server = load_recipe("execverify", ["train.grpo.vllm=server", "train.grpo.vllm_server_url=http://gpu9:8000"]).train
    args = grpo_args(server, "/tmp/unused", use_cpu=True, devices=1)
    assert args.use_vllm and args.vllm_mode == "server" and args.vllm_server_base_url == "http://gpu9:8000"
    none = load_recipe("execverify", ["train.grpo.vllm=none"]).train
    assert not grpo_args(none, "/tmp/unused", use_cpu=True, devices=1).use_vllm
    assert grpo_args(load_recipe("stepcodereasoner").train, "/tmp/unused", use_cpu=True, devices=1).beta == 0.001


def test_vllm_without_vllm_or_a_gpu_is_a_clear_error():
    pytest.importorskip("torch")
    import importlib.util

    import torch

    from codereasoner.train.grpo import check_vllm

    if importlib.util.find_spec("vllm") is not None and torch.cuda.is_available():
        pytest.skip("vLLM and a GPU are here: nothing to refuse")
    with pytest.raises(ValueError, match="train.grpo.vllm=none"):
        check_vllm(load_recipe("execverify").train)
    check_vllm(load_recipe("tiny").train)  # transformers rollouts need nothing


def _task(i: int, kind: str = "output") -> Task:
    return Task(f"p{i}/{kind}/0", kind, "def f(x):\n    return x", f"f({i})", {"func": "f", "input": str(i)}, str(i),
                meta={"program_id": f"p{i}"})


def test_stage_slices_are_disjoint_and_keep_programs_together():
    tasks = [_task(i, k) for i in range(200) for k in ("output", "input", "whitebox")]
    ev = load_recipe("execverify").train
    sft = stage_tasks(tasks, ev.sft.kinds, ev.sft.data_range)
    rl = stage_tasks(tasks, ev.grpo.kinds, ev.grpo.data_range)
    assert {t.kind for t in sft} == {"output", "input"} and {t.kind for t in rl} == {"whitebox", "input"}
    sft_programs = {t.meta["program_id"] for t in sft}
    assert sft_programs.isdisjoint({t.meta["program_id"] for t in rl})
    assert 70 < len(sft_programs) < 130  # about half of 200 programs
    assert program_fraction("p1") == program_fraction("p1")  # stable: a hash, not Python's seeded hash()


@pytest.mark.parametrize("name", PAPERS)
def test_every_paper_recipe_fits_eight_80gb_gpus(name, capsys):
    assert main(["train", "plan", "--recipe", name, "--model-size", "7B", "--gpus", "8", "--gpu-memory-gb", "80",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == ["rollout_prompts", "rollout_sequences", "update_prompts", "micro_batch_per_device",
                         "gradient_accumulation_steps", "optimizer_steps_per_rollout", "peak_memory_gb_per_device"]
    g = load_recipe(name).train.grpo
    assert doc["rollout_prompts"] == 128 and doc["rollout_sequences"] == 128 * g.num_generations
    assert doc["update_prompts"] == 64 and doc["micro_batch_per_device"] == 1
    assert doc["gradient_accumulation_steps"] == 64 * g.num_generations // 8
    assert doc["optimizer_steps_per_rollout"] == 2
    assert 20 < doc["peak_memory_gb_per_device"] <= 80


def test_memory_estimate_terms():
    shape = model_shape("7b")
    assert shape.params == pytest.approx(7.62e9, rel=0.01)  # Qwen2.5-Coder-7B
    assert MODEL_SIZES["14B"].params == pytest.approx(14.77e9, rel=0.01)
    g = load_recipe("execverify").train.grpo
    plan, mem = make_plan(g, shape, 8, 80)
    assert mem.model_states == pytest.approx(16 * shape.params / 8 / GIB)  # ZeRO-3: 16 bytes a parameter, sharded
    assert mem.reference_model == 0 and mem.rollout == pytest.approx(0.3 * 80)
    assert mem.peak == pytest.approx(mem.training_phase)
    # a KL term loads a reference model; a larger micro-batch costs activations; fewer GPUs cost states
    kl = estimate_memory(shape, load_recipe("execverify", ["train.grpo.beta=0.01"]).train.grpo, plan, 80)
    assert kl.reference_model == pytest.approx(2 * shape.params / 8 / GIB) and kl.peak > mem.peak
    big = load_recipe("execverify", ["train.grpo.micro_batch_per_device=4"]).train.grpo
    assert make_plan(big, shape, 8, 80)[1].checkpoints == pytest.approx(4 * mem.checkpoints)
    assert make_plan(g, shape, 4, 80)[1].model_states == pytest.approx(2 * mem.model_states)
    # transformers generate gathers the whole model and keeps every rollout's KV cache at once
    hf = load_recipe("execverify", ["train.grpo.vllm=none"]).train.grpo
    kv = 2 * 28 * 4 * 128 * 2 * (2048 + 4096) * 1024 / 8  # bytes: K and V, layers, kv heads, head dim, bf16
    assert make_plan(hf, shape, 8, 80)[1].rollout == pytest.approx((2 * shape.params + kv) / GIB)
    assert make_plan(hf, MODEL_SIZES["14B"], 8, 80)[1].peak > 80


def test_plan_reads_a_local_checkpoint_and_reports_what_does_not_fit(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({
        "hidden_size": 5120, "num_hidden_layers": 64, "num_attention_heads": 40, "num_key_value_heads": 8,
        "intermediate_size": 27648, "vocab_size": 152064, "tie_word_embeddings": False}))
    assert ModelShape.from_config(tmp_path).params == MODEL_SIZES["32B"].params
    assert main(["train", "plan", "--recipe", "execverify", "--model", str(tmp_path), "--gpus", "8",
                 "--gpu-memory-gb", "40"]) == 1
    assert "does NOT fit" in capsys.readouterr().out
    assert main(["train", "plan", "--model-size", "70B"]) == 2
