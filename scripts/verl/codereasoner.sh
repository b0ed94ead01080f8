#!/usr/bin/env bash
# CodeReasoner: GRPO on the execution-checked final answer (binary; SEEDS.md §1.3 reconstruction, the paper
# body was unreadable: ExecVerify's stage-I settings with the output reward).
#   codereasoner export verl data/codereasoner -o cr.parquet --reward output ; TRAIN=cr.parquet bash $0
source "$(dirname "$0")/common.sh"
python -m verl.trainer.main_ppo "${COMMON[@]}" \
  algorithm.adv_estimator=grpo algorithm.norm_adv_by_std_in_grpo=True \
  data.train_batch_size=128 actor_rollout_ref.rollout.n=8 \
  +reward.custom_reward_function.reward_kwargs.reward=output \
  trainer.total_epochs=4 trainer.project_name=codereasoner trainer.experiment_name=codereasoner "$@"
