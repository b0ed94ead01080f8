#!/usr/bin/env bash
# ExecVerify stage I: white-box RL (SEEDS.md §2.3-2.4): GRPO, 128 prompts x 8 rollouts, lr 1e-6, no KL,
# 4 epochs, reward = 2((1-a) + a*wb_acc) gated on the assertion (a = 0.5).
# TRAIN=$(codereasoner export verl data/execverify -o ev.parquet --reward whitebox) then: bash execverify_stage1.sh
source "$(dirname "$0")/common.sh"
python -m verl.trainer.main_ppo "${COMMON[@]}" \
  algorithm.adv_estimator=grpo algorithm.norm_adv_by_std_in_grpo=True \
  data.train_batch_size=128 actor_rollout_ref.rollout.n=8 \
  +reward.custom_reward_function.reward_kwargs.reward=whitebox \
  trainer.total_epochs=4 trainer.project_name=codereasoner trainer.experiment_name=execverify-stage1 "$@"
