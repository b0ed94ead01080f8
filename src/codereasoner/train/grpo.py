"""GRPO on verified rewards through TRL's GRPOTrainer (ExecVerify stage I/II, CodeReasoner, StepCodeReasoner).

Stage: train. Reads RL rows (`prompt` as chat messages + the `task` column of `rewards.adapters`), writes
checkpoints (resumable) and TRL logs (`report_to`). Every hyperparameter is set explicitly from
`GRPOConfigSection`, because TRL's defaults moved between releases (trl pinned 1.16.0). Batch sizes are the
recipe's verl-style sizes turned into TRL's arguments for this launch's world size (`train.batch`); rollouts
use vLLM (colocate or server) when `train.grpo.vllm` says so (docs/training.md).

Our additions sit at one seam, `_generate_and_score_completions` (TRL's documented place for it):
- Bi-Level GRPO replaces the (B,) advantages by (B, T) ones (`bilevel.py`), through the `_advantages` hook.
- optional (`drop_zero_spread`, off in the paper recipes): a group whose advantages are all zero (within
  `zero_spread_tol`: identical partial-credit rewards differ by float noise) teaches nothing, yet under the
  token-mean ("dapo") normaliser its tokens dilute the step. Those rows are masked out of the loss *and* of
  the normaliser (`num_items_in_batch`) — which raises the effective learning rate, and is why neither verl
  nor the papers do it; the tiny quickstart does. The rows stay in the tensors (micro-batches split evenly).
Curriculum: rows are ordered by difficulty level and TRL's shuffling is turned off (`curriculum_order`).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codereasoner.train.config import TrainConfig


def curriculum_order(rows: Sequence[dict[str, Any]], levels: Sequence[int], seed: int = 0) -> list[dict[str, Any]]:
    """Rows grouped by `difficulty` in the order of `levels` (shuffled within a level); rows of other levels
    go last. With `levels` empty, one seeded shuffle."""
    rng = random.Random(seed)
    rows = list(rows)
    rng.shuffle(rows)
    if not levels:
        return rows
    rank = {level: i for i, level in enumerate(levels)}
    return sorted(rows, key=lambda r: rank.get(int(r.get("difficulty", 0) or 0), len(rank)))


VLLM_MODES = {"colocate": "colocate", "server": "server"}


def vllm_args(cfg: TrainConfig) -> dict[str, Any]:
    """GRPOConfig's vLLM fields for `train.grpo.vllm` (none: transformers generate, nothing else set)."""
    g = cfg.grpo
    if g.vllm == "none":
        return {"use_vllm": False}
    out: dict[str, Any] = {"use_vllm": True, "vllm_mode": VLLM_MODES[g.vllm],
                           "vllm_max_model_length": g.max_prompt_length + g.max_completion_length}
    if g.vllm == "colocate":
        out.update(vllm_gpu_memory_utilization=g.vllm_gpu_memory_utilization,
                   vllm_tensor_parallel_size=g.vllm_tensor_parallel_size, vllm_enable_sleep_mode=g.vllm_sleep_mode)
    elif g.vllm_server_url:
        out["vllm_server_base_url"] = g.vllm_server_url
    return out


def check_vllm(cfg: TrainConfig) -> None:
    """A clear error, before any model loads, when the recipe asks for vLLM rollouts that cannot run here."""
    import importlib.util

    mode = cfg.grpo.vllm
    if mode == "none":
        return
    if mode == "colocate" and importlib.util.find_spec("vllm") is None:
        raise ValueError("train.grpo.vllm=colocate needs vLLM on a GPU machine (pip install 'codereasoner[vllm]'); "
                         "--set train.grpo.vllm=none generates rollouts with transformers instead")
    import torch

    if not torch.cuda.is_available():
        raise ValueError(f"train.grpo.vllm={mode} needs a GPU (none is visible); "
                         "--set train.grpo.vllm=none generates rollouts with transformers instead")


def grpo_args(cfg: TrainConfig, out_dir: str | Path, *, use_cpu: bool, devices: int | None = None) -> Any:
    """TRL `GRPOConfig` with every field the papers fix written out (nothing left to TRL's defaults).

    Batch sizes come from `batch_plan(cfg.grpo, devices)` (default: this launch's world size)."""
    from trl import GRPOConfig

    from codereasoner.train.batch import batch_plan
    from codereasoner.train.sft import runtime_args

    g = cfg.grpo
    plan = batch_plan(g, devices)
    args = GRPOConfig(
        **runtime_args(cfg, out_dir, use_cpu=use_cpu),
        per_device_train_batch_size=plan.micro_batch_per_device,
        gradient_accumulation_steps=plan.gradient_accumulation_steps,
        steps_per_generation=plan.steps_per_generation,
        num_generations=g.num_generations,
        max_completion_length=g.max_completion_length,
        temperature=g.temperature,
        top_p=g.top_p,
        learning_rate=g.learning_rate,
        lr_scheduler_type=g.lr_scheduler,
        warmup_steps=g.warmup_ratio,  # transformers 5: a float in [0, 1) is a ratio of total steps
        weight_decay=g.weight_decay,
        max_grad_norm=g.max_grad_norm,
        beta=g.beta,
        epsilon=g.epsilon,
        epsilon_high=g.epsilon_high,
        loss_type=g.loss_type,
        scale_rewards=g.scale_rewards,
        importance_sampling_level="token",
        mask_truncated_completions=False,
        num_iterations=1,
        num_train_epochs=g.epochs,
        max_steps=g.max_steps,
        shuffle_dataset=not g.curriculum,  # the curriculum fixes the order itself
        remove_unused_columns=False,  # reward functions read the `task` column
        log_completions=False,
        **vllm_args(cfg),
    )
    if devices is None and args.world_size != plan.world_size:
        raise ValueError(f"the launch has {args.world_size} training processes but WORLD_SIZE says {plan.world_size}: "
                         "start several GPUs with `accelerate launch` or `torchrun` (docs/training.md)")
    return args


@functools.cache
def trainer_class() -> type:
    """TRL's GRPOTrainer with the zero-spread-group drop and the `_advantages` hook (built lazily: trl is heavy)."""
    import torch
    from trl import GRPOTrainer

    class CodeReasonerGRPOTrainer(GRPOTrainer):
        """GRPOTrainer + one override: `_generate_and_score_completions` (see the module docstring)."""

        drop_zero_spread: bool = False
        zero_spread_tol: float = 1e-6

        def _advantages(self, out: dict[str, Any], inputs: list[dict[str, Any]]) -> torch.Tensor:
            return out["advantages"]

        def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
            out = super()._generate_and_score_completions(inputs)
            if self.model is None or not self.model.training:
                return out
            adv = self._advantages(out, inputs)
            out["advantages"] = adv
            if self.drop_zero_spread:
                self._drop_zero_spread(out, adv)
            return out

        def _drop_zero_spread(self, out: dict[str, Any], adv: torch.Tensor) -> None:
            # A group has zero spread iff every member's advantage is ~0 (A = R - mean(R) ...): equal partial
            # credits summed in different orders differ by float noise, which is not signal.
            # Groups may straddle processes, so decide on the gathered rows and slice back.
            rows = adv.abs().reshape(adv.shape[0], -1).amax(dim=1)
            all_rows = self.accelerator.gather(rows)
            g = self.num_generations
            informative = (all_rows.view(-1, g).amax(dim=1) > self.zero_spread_tol).repeat_interleave(g)
            lo = self.accelerator.process_index * adv.shape[0]
            keep = informative[lo:lo + adv.shape[0]].to(out["completion_mask"].dtype)
            mask = out["completion_mask"] * keep.unsqueeze(1)
            total = self.accelerator.gather(mask.sum()).sum()
            self._metrics["train"]["frac_groups_dropped"].append(1.0 - informative.float().mean().item())
            if total.item() == 0:
                return  # nothing informative this step: the loss is 0 either way; keep the normaliser finite
            out["completion_mask"] = mask
            out["num_items_in_batch"] = total

    return CodeReasonerGRPOTrainer


def build_grpo_trainer(
    model: Any,
    tokenizer: Any,
    rows: Sequence[dict[str, Any]],
    cfg: TrainConfig,
    out_dir: str | Path,
    reward_funcs: Sequence[Any],
    *,
    step_scorer: Any = None,
    callbacks: Sequence[Any] = (),
    use_cpu: bool | None = None,
) -> Any:
    """A ready GRPO (or Bi-Level GRPO when `cfg.grpo.algorithm == "bilevel"`) trainer over `rows`."""
    import torch
    from datasets import Dataset

    if use_cpu is None:
        use_cpu = not torch.cuda.is_available()
    check_vllm(cfg)
    ordered = curriculum_order(rows, cfg.grpo.curriculum, cfg.seed)
    dataset = Dataset.from_list(ordered)
    args = grpo_args(cfg, out_dir, use_cpu=use_cpu)
    cls = trainer_class()
    kwargs: dict[str, Any] = {}
    if cfg.grpo.algorithm == "bilevel":
        from codereasoner.train.bilevel import make_bilevel_trainer_class

        if step_scorer is None:
            raise ValueError("train.grpo.algorithm=bilevel needs per-anchor rewards (a step scorer)")
        cls = make_bilevel_trainer_class(cls)
        kwargs = {"step_scorer": step_scorer, "lam": cfg.grpo.lam}
    trainer = cls(
        model=model,
        reward_funcs=list(reward_funcs),
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        callbacks=list(callbacks),
        **kwargs,
    )
    trainer.drop_zero_spread = cfg.grpo.drop_zero_spread
    trainer.zero_spread_tol = cfg.grpo.zero_spread_tol
    return trainer


def last_checkpoint(out_dir: str | Path) -> str | None:
    """The newest `checkpoint-N` under `out_dir` (resume point), or None."""
    ckpts = sorted(Path(out_dir).glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    return str(ckpts[-1]) if ckpts else None
