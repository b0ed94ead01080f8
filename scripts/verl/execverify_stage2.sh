#!/usr/bin/env bash
# ExecVerify stage II: code-generation RL with unit-test rewards (pass rate + 0.05 format), same
# hyperparameters, 5 epochs (docs/recipes.md). Tasks made from the synthesised programs:
#   TRAIN=$(codereasoner export verl data/execverify -o cg.parquet --codegen) MODEL=<stage I> bash $0
source "$(dirname "$0")/common.sh"
python -m verl.trainer.main_ppo "${COMMON[@]}" "${NO_KL[@]}" \
  algorithm.adv_estimator=grpo algorithm.norm_adv_by_std_in_grpo=True \
  actor_rollout_ref.rollout.n=8 \
  trainer.total_epochs=5 trainer.project_name=codereasoner trainer.experiment_name=execverify-stage2 "$@"
