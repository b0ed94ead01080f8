"""Supervised warm-up on the built chains through TRL's SFTTrainer (completion-only loss, chat template).

Stage: train. Reads `Sample` records (task prompt + verified chain), writes checkpoints (resumable) and the
final model. Rows are conversational prompt/completion pairs, so TRL renders them with the tokenizer's chat
template (ours for the tiny model, the checkpoint's for real ones) and puts the loss on the completion only
(docs/training.md). Defaults are ExecVerify's LLaMA-Factory settings (`SFTConfigSection`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from codereasoner.records import Sample, Task
from codereasoner.train.config import TrainConfig


def messages(task: Task | str) -> list[dict[str, str]]:
    """The chat turns a model sees for a task: the kind's system prompt when it has one (StepCodeReasoner),
    then the rendered prompt as the user turn — the same as `rationale.sft.prompt_messages`."""
    if isinstance(task, str):
        return [{"role": "user", "content": task}]
    from codereasoner.rationale.sft import prompt_messages

    return prompt_messages(task)


def sft_row(sample: Sample) -> dict[str, Any]:
    """One conversational prompt/completion row for SFTTrainer."""
    return {
        "prompt": messages(sample.task),
        "completion": [{"role": "assistant", "content": sample.completion}],
    }


def rl_row(task: Task) -> dict[str, Any]:
    """One GRPO row: the prompt as chat messages + the `task` column the reward adapters read."""
    from codereasoner.rewards.adapters import task_columns

    return {"prompt": messages(task), "difficulty": task.difficulty, **task_columns(task)}


def runtime_args(cfg: TrainConfig, out_dir: str | Path, *, use_cpu: bool) -> dict[str, Any]:
    """The TrainingArguments fields SFT and GRPO share: device, precision, seed, logging and checkpoints."""
    return dict(
        output_dir=str(out_dir),
        use_cpu=use_cpu,
        bf16=not use_cpu and cfg.dtype == "bfloat16",
        fp16=not use_cpu and cfg.dtype == "float16",
        activation_checkpointing=not use_cpu,  # CPU: ~2x faster without (measured; docs/training.md)
        seed=cfg.seed,
        logging_steps=cfg.logging_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=2,
        report_to=cfg.report_to,
        disable_tqdm=True,  # our progress bar (quickstart) or TRL logs on stderr
        dataloader_num_workers=0,
    )


def sft_args(cfg: TrainConfig, out_dir: str | Path, *, use_cpu: bool) -> Any:
    """TRL `SFTConfig` with every field set from our config."""
    from trl import SFTConfig

    s = cfg.sft
    return SFTConfig(
        **runtime_args(cfg, out_dir, use_cpu=use_cpu),
        per_device_train_batch_size=s.batch_size,
        gradient_accumulation_steps=s.gradient_accumulation_steps,
        learning_rate=s.learning_rate,
        lr_scheduler_type=s.lr_scheduler,
        warmup_steps=s.warmup_ratio,  # transformers 5: a float in [0, 1) is a ratio of total steps
        weight_decay=s.weight_decay,
        num_train_epochs=s.epochs,
        max_steps=s.max_steps,
        max_length=s.max_length,
        completion_only_loss=True,
        packing=False,
        loss_type="nll",
    )


def build_sft_trainer(
    model: Any,
    tokenizer: Any,
    samples: Iterable[Sample],
    cfg: TrainConfig,
    out_dir: str | Path,
    *,
    callbacks: Sequence[Any] = (),
    use_cpu: bool | None = None,
) -> Any:
    """A ready SFTTrainer over `samples` (at most `cfg.sft.max_samples`, verified ones only)."""
    import torch
    from datasets import Dataset
    from trl import SFTTrainer

    if use_cpu is None:
        use_cpu = not torch.cuda.is_available()
    rows = [sft_row(s) for s in samples if s.verified][: cfg.sft.max_samples]
    if not rows:
        raise ValueError("no verified samples to train on (build data with chains first)")
    return SFTTrainer(
        model=model,
        args=sft_args(cfg, out_dir, use_cpu=use_cpu),
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        callbacks=list(callbacks),
    )
