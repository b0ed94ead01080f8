#!/usr/bin/env bash
# ExecVerify stage I: white-box RL (docs/recipes.md): GRPO, 128 prompts x 8 rollouts, 64 per update, lr 1e-6,
# no KL, 4 epochs, reward = 2((1-a) + a*wb_acc) gated on the assertion (a = 0.5; docs/rewards.md).
#   TRAIN=$(codereasoner export verl data/execverify -o ev.parquet) bash scripts/verl/execverify_stage1.sh
source "$(dirname "$0")/common.sh"
python -m verl.trainer.main_ppo "${COMMON[@]}" "${NO_KL[@]}" \
  algorithm.adv_estimator=grpo algorithm.norm_adv_by_std_in_grpo=True \
  actor_rollout_ref.rollout.n=8 \
  trainer.total_epochs=4 trainer.project_name=codereasoner trainer.experiment_name=execverify-stage1 "$@"
