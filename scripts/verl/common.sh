#!/usr/bin/env bash
# Shared verl 0.9.1 settings for the papers' 7B GRPO runs (sourced by the per-paper scripts; docs/training.md).
# Data: TRAIN=$(codereasoner export verl DATA_DIR -o train.parquet) — the recipe's reward and RL slice.
# Rewards run through codereasoner's verifier: reward.custom_reward_function -> codereasoner/train/verl.py
# compute_score. VERL_USE_EXTERNAL_MODULES loads the Bi-Level GRPO estimator in every Ray process; it and the
# other CODEREASONER_* variables are put into Ray's runtime env so that workers on other nodes see them too.
set -euo pipefail
: "${MODEL:=Qwen/Qwen2.5-Coder-7B-Instruct}"     # a local path works too
: "${TRAIN:?set TRAIN=/path/train.parquet}"
: "${VAL:=$TRAIN}"
: "${GPUS:=8}"
: "${NODES:=1}"
export VERL_USE_EXTERNAL_MODULES=codereasoner.train.verl_plugin
REWARD_PY=$(python -c "import codereasoner.train.verl as m; print(m.__file__)")
PLUGIN_PY=$(python -c "import importlib.util as u; print(u.find_spec('codereasoner.train.verl_plugin').origin)")
RAY_ENV=++ray_kwargs.ray_init.runtime_env.env_vars

# ExecVerify stage_one_rl.sh where the papers agree; verl defaults otherwise (clip 0.2, token-mean loss,
# constant lr, temperature 1.0, AdamW wd 0.01, grad clip 1.0). Batch as the recipes state it: 128 prompts per
# rollout (train_batch_size), 64 per update (ppo_mini_batch_size), micro-batch 1 sequence per GPU.
# KL settings are per script (StepCodeReasoner's Eq. 15 uses the actor's KL loss).
COMMON=(
  data.train_files="$TRAIN" data.val_files="$VAL"
  data.prompt_key=prompt data.max_prompt_length=2048 data.max_response_length=4096
  data.filter_overlong_prompts=True data.truncation=error
  data.train_batch_size=128
  actor_rollout_ref.model.path="$MODEL"
  actor_rollout_ref.model.use_remove_padding=True
  actor_rollout_ref.model.enable_gradient_checkpointing=True
  actor_rollout_ref.actor.optim.lr=1e-6
  actor_rollout_ref.actor.ppo_mini_batch_size=64
  actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=1
  actor_rollout_ref.actor.entropy_coeff=0
  actor_rollout_ref.actor.clip_ratio_low=0.2 actor_rollout_ref.actor.clip_ratio_high=0.2
  actor_rollout_ref.actor.loss_agg_mode=token-mean
  actor_rollout_ref.actor.fsdp_config.param_offload=True
  actor_rollout_ref.actor.fsdp_config.optimizer_offload=True
  actor_rollout_ref.rollout.name=vllm
  actor_rollout_ref.rollout.tensor_model_parallel_size=4
  actor_rollout_ref.rollout.gpu_memory_utilization=0.9
  actor_rollout_ref.rollout.temperature=1.0 actor_rollout_ref.rollout.top_p=1.0
  actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=1
  actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=1
  algorithm.use_kl_in_reward=False
  reward.custom_reward_function.path="$REWARD_PY"
  reward.custom_reward_function.name=compute_score
  "$RAY_ENV.VERL_USE_EXTERNAL_MODULES=$VERL_USE_EXTERNAL_MODULES"
  trainer.n_gpus_per_node="$GPUS" trainer.nnodes="$NODES"
  trainer.logger='["console","tensorboard"]'
  trainer.save_freq=50 trainer.test_freq=-1
)
NO_KL=(actor_rollout_ref.actor.use_kl_loss=False actor_rollout_ref.actor.kl_loss_coef=0.0)
