#!/usr/bin/env bash
# StepCodeReasoner: Bi-Level GRPO (Eq. 10-15), G = 5, lr 1e-6, lambda = 0.3, 2 epochs, response 4096,
# 8xA100-40GB (docs/recipes.md). Batch size and clip are not given: ExecVerify's. Eq. 15's KL term: the actor's
# KL loss, coefficient 0.001 (verl's default; the paper gives none) — never use_kl_in_reward, which would
# corrupt the packed per-anchor rewards (the estimator refuses it). Per-anchor rewards reach the estimator
# through BilevelRewardManager (codereasoner/train/verl_plugin.py); lambda through the environment.
#   TRAIN=$(codereasoner export verl data/stepcodereasoner -o scr.parquet) bash scripts/verl/stepcodereasoner.sh
source "$(dirname "$0")/common.sh"
: "${LAMBDA:=0.3}"
export CODEREASONER_BILEVEL_LAMBDA="$LAMBDA"
python -m verl.trainer.main_ppo "${COMMON[@]}" \
  actor_rollout_ref.actor.use_kl_loss=True actor_rollout_ref.actor.kl_loss_coef=0.001 \
  actor_rollout_ref.actor.kl_loss_type=low_var_kl \
  algorithm.adv_estimator=bilevel_grpo \
  "$RAY_ENV.CODEREASONER_BILEVEL_LAMBDA=$LAMBDA" \
  reward.reward_manager.source=importlib reward.reward_manager.name=BilevelRewardManager \
  +reward.reward_manager.module.path="$PLUGIN_PY" \
  actor_rollout_ref.rollout.n=5 \
  trainer.total_epochs=2 trainer.project_name=codereasoner trainer.experiment_name=stepcodereasoner "$@"
