"""Imported by verl inside every Ray process (VERL_USE_EXTERNAL_MODULES=codereasoner.train.verl_plugin).

Stage: train. Registers the Bi-Level GRPO advantage estimator (`algorithm.adv_estimator=bilevel_grpo`) and
defines `BilevelRewardManager` (`reward.reward_manager.source=importlib`, `.module.path=<this file>`,
`.name=BilevelRewardManager`), which writes per-anchor rewards into the token rewards with the convention of
`train/verl.py` (`pack_rewards`). Kept apart from `train/verl.py` so that exporting parquet never imports verl.
"""

from __future__ import annotations

from typing import Any

import torch
from verl import DataProto
from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase

from codereasoner.train.verl import PackedAnchor, pack_rewards, register_verl, target_key

register_verl()


def anchor_scores(task_json: str, response: str, response_ids: list[int], tokenizer: Any) -> dict[str, Any]:
    """{"anchors": [(end token or None, r_i, target key)], "final": r_final or None} for one response."""
    from codereasoner.rewards.adapters import task_from_column
    from codereasoner.rewards.anchors import anchor_rewards, final_correct
    from codereasoner.rewards.verify import verify
    from codereasoner.train.bilevel import anchor_spans, token_char_ends

    task = task_from_column(task_json, "ground_truth")
    verdict = verify(task, response)
    steps = anchor_rewards(task, verdict)
    if steps is None:  # the sandbox could not judge it: no reward, left out of the group statistics
        return {"anchors": [], "final": None, "n_anchors": 0}
    targets = list(verdict.meta.get("targets") or [])
    text = tokenizer.decode(response_ids, skip_special_tokens=False)
    char_ends = token_char_ends(tokenizer, response_ids)
    ends: list[int | None] = []
    for _, end in anchor_spans(text)[: len(steps)]:
        ends.append(next((t for t, e in enumerate(char_ends) if e >= end), len(char_ends) - 1))
    ends += [None] * (len(steps) - len(ends))
    keys = [target_key(str(targets[i])) if i < len(targets) else 0 for i in range(len(steps))]
    anchors = list(zip(ends, steps, keys))
    return {"anchors": anchors, "final": float(final_correct(verdict)), "n_anchors": len(steps)}


class BilevelRewardManager(RewardManagerBase):
    """Scores one response with the anchors verifier and keeps the per-anchor vector for the estimator."""

    def __init__(self, config: Any, tokenizer: Any, compute_score: Any = None, **kwargs: Any) -> None:
        super().__init__(config, tokenizer, compute_score)  # reward-model router kwargs are not used

    async def run_single(self, data: DataProto) -> dict:
        item = data[-1:][0]
        response_ids = item.batch["responses"]
        length = int(item.batch["attention_mask"][-response_ids.shape[-1]:].sum())
        ids = response_ids[:length].tolist()
        response = self.tokenizer.decode(ids, skip_special_tokens=True)
        truth = item.non_tensor_batch["reward_model"]["ground_truth"]
        scored = await self.loop.run_in_executor(None, lambda: anchor_scores(truth, response, ids, self.tokenizer))
        steps = [r for _, r, _ in scored["anchors"]]
        extra = {"correct": scored["final"] or 0.0, "anchors_correct": sum(steps) / max(len(steps), 1),
                 "no_reward": float(scored["final"] is None)}
        return {"reward_score": scored, "reward_extra_info": extra}

    @classmethod
    def assemble_rm_scores(cls, data: DataProto, scores: list[Any]) -> torch.Tensor:
        prompt_length = data.batch["prompts"].size(1)
        lengths = data.batch["attention_mask"][:, prompt_length:].sum(dim=1).tolist()
        rm = torch.zeros_like(data.batch["responses"], dtype=torch.float32)
        for b, s in enumerate(scores):
            row = pack_rewards(int(lengths[b]), [PackedAnchor(*a) for a in s["anchors"]], s["final"])
            rm[b, : len(row)] = torch.tensor(row)
        return rm
