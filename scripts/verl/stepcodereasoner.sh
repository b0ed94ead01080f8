#!/usr/bin/env bash
# StepCodeReasoner: Bi-Level GRPO (Eq. 10-15), G = 5, lr 1e-6, lambda = 0.3, 2 epochs, response 4096,
# 8xA100-40GB (SEEDS.md §3.5-3.6). Batch size, KL, clip, temperature are not given: verl defaults / ExecVerify's.
# Per-anchor rewards reach the estimator through BilevelRewardManager (codereasoner/train/verl_plugin.py).
#   codereasoner export verl data/stepcodereasoner -o scr.parquet --reward anchors ; TRAIN=scr.parquet bash $0
source "$(dirname "$0")/common.sh"
python -m verl.trainer.main_ppo "${COMMON[@]}" \
  algorithm.adv_estimator=bilevel_grpo +algorithm.bilevel_lambda=0.3 \
  reward.reward_manager.source=importlib reward.reward_manager.name=BilevelRewardManager \
  +reward.reward_manager.module.path="$PLUGIN_PY" \
  data.train_batch_size=128 actor_rollout_ref.rollout.n=5 \
  trainer.n_gpus_per_node="${GPUS}" \
  trainer.total_epochs=2 trainer.project_name=codereasoner trainer.experiment_name=stepcodereasoner "$@"
