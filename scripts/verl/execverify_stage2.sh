#!/usr/bin/env bash
# ExecVerify stage II: code-generation RL with unit-test rewards (pass rate + 0.05 format), same
# hyperparameters, 5 epochs (SEEDS.md §2.4). Tasks made from the synthesised programs:
#   codereasoner export verl data/execverify -o cg.parquet --codegen ; TRAIN=cg.parquet MODEL=<stage I> bash $0
source "$(dirname "$0")/common.sh"
python -m verl.trainer.main_ppo "${COMMON[@]}" \
  algorithm.adv_estimator=grpo algorithm.norm_adv_by_std_in_grpo=True \
  data.train_batch_size=128 actor_rollout_ref.rollout.n=8 \
  +reward.custom_reward_function.reward_kwargs.reward=codegen \
  trainer.total_epochs=5 trainer.project_name=codereasoner trainer.experiment_name=execverify-stage2 "$@"
