#!/usr/bin/env bash
# CodeReasoner: GRPO on the execution-checked final answer (binary; a reconstruction, the paper body was
# unreadable: ExecVerify's stage-I settings with the output reward; docs/recipes.md).
#   TRAIN=$(codereasoner export verl data/codereasoner -o cr.parquet) bash scripts/verl/codereasoner.sh
source "$(dirname "$0")/common.sh"
python -m verl.trainer.main_ppo "${COMMON[@]}" "${NO_KL[@]}" \
  algorithm.adv_estimator=grpo algorithm.norm_adv_by_std_in_grpo=True \
  actor_rollout_ref.rollout.n=8 \
  trainer.total_epochs=4 trainer.project_name=codereasoner trainer.experiment_name=codereasoner "$@"
