"""The `train:` section of a recipe: model, SFT and GRPO settings (no torch import here).

Stage: train. Read by `recipe.load_recipe` (the `train` field of `Recipe`) and by `codereasoner train` /
`quickstart`. Every hyperparameter the papers give is an explicit field so that a recipe states it and no
TRL default can change it silently (TRL changed `beta`, `loss_type`, `scale_rewards` and
`max_completion_length` defaults between releases: RL_FRAMEWORKS.md §1.8). Defaults are the 7B settings of
ExecVerify (SEEDS.md §2.4); the stepcodereasoner and tiny recipes override what differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ALGORITHMS = ("grpo", "bilevel")
LOSS_TYPES = ("grpo", "bnpo", "dr_grpo", "dapo")


def _check_positive(obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None and value <= 0:
            raise ValueError(f"{type(obj).__name__}.{name} must be > 0, got {value!r}")


@dataclass(frozen=True)
class TinyModelConfig:
    """Shape of the embedded tiny model (TINY_MODEL_NOTES.md: 128/4/4/512 learns fastest on 2 cores)."""

    vocab_size: int = field(default=512, metadata={"help": "BPE vocabulary trained locally (digits one per token)"})
    hidden_size: int = field(default=128, metadata={"help": "hidden width"})
    num_layers: int = field(default=4, metadata={"help": "decoder layers"})
    num_heads: int = field(default=4, metadata={"help": "attention heads"})
    intermediate_size: int = field(default=512, metadata={"help": "MLP width"})
    max_positions: int = field(default=1024, metadata={"help": "longest prompt + completion in tokens"})

    def __post_init__(self) -> None:
        _check_positive(self, "vocab_size", "hidden_size", "num_layers", "num_heads", "intermediate_size")
        if self.hidden_size % self.num_heads:
            raise ValueError("train.tiny.hidden_size must be divisible by train.tiny.num_heads")


@dataclass(frozen=True)
class SFTConfigSection:
    """Supervised warm-up on the built chains. Defaults: ExecVerify_sft.yaml (SEEDS.md §2.4)."""

    learning_rate: float = field(default=1e-5, metadata={"help": "ExecVerify SFT: 1e-5"})
    epochs: float = field(default=2.0, metadata={"help": "ExecVerify SFT: 2 epochs"})
    max_steps: int = field(default=-1, metadata={"help": "stop after this many optimizer steps (-1: use epochs)"})
    batch_size: int = field(default=2, metadata={"help": "per-device batch (ExecVerify: 2 x grad-accum 8)"})
    gradient_accumulation_steps: int = field(default=8, metadata={"help": "ExecVerify: 8"})
    lr_scheduler: str = field(default="cosine", metadata={"help": "ExecVerify: cosine"})
    warmup_ratio: float = field(default=0.1, metadata={"help": "ExecVerify: 0.1"})
    max_length: int = field(default=4096, metadata={"help": "ExecVerify cutoff_len 4096"})
    max_samples: int = field(default=30000, metadata={"help": "ExecVerify max_samples 30000"})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay"})
    chains: bool = field(default=True, metadata={
        "help": "train on trace-guided reasoning chains (true) or on the bare answer (false)"})
    concise: bool = field(default=False, metadata={"help": "concise chains (the tiny model's register)"})

    def __post_init__(self) -> None:
        _check_positive(self, "learning_rate", "batch_size", "gradient_accumulation_steps", "max_length")


@dataclass(frozen=True)
class GRPOConfigSection:
    """RL on verified rewards. Defaults: ExecVerify stage I (verl GRPO, SEEDS.md §2.4)."""

    algorithm: Literal["grpo", "bilevel"] = field(
        default="grpo", metadata={"help": "grpo (sequence advantage) or bilevel (StepCodeReasoner Eq. 10-15)"}
    )
    num_generations: int = field(default=8, metadata={"help": "G: ExecVerify 8, StepCodeReasoner 5"})
    prompts_per_step: int = field(default=128, metadata={"help": "prompts per optimizer step (ExecVerify 128)"})
    steps_per_generation: int = field(default=2, metadata={"help": "updates per rollout batch (ExecVerify 128/64 = 2)"})
    learning_rate: float = field(default=1e-6, metadata={"help": "ExecVerify and StepCodeReasoner: 1e-6 (7B)"})
    lr_scheduler: str = field(default="constant", metadata={"help": "verl default: constant, no warmup"})
    warmup_ratio: float = field(default=0.0, metadata={"help": "verl default: none"})
    weight_decay: float = field(default=0.01, metadata={"help": "verl AdamW default 0.01"})
    max_grad_norm: float = field(default=1.0, metadata={"help": "verl grad_clip 1.0"})
    beta: float = field(default=0.0, metadata={"help": "KL coefficient; ExecVerify use_kl_loss=False"})
    epsilon: float = field(default=0.2, metadata={"help": "clip ratio (verl clip_ratio 0.2)"})
    epsilon_high: float | None = field(default=None, metadata={"help": "upper clip (None = epsilon)"})
    loss_type: str = field(default="dapo", metadata={"help": "token-mean over the batch = verl loss_agg_mode token-mean"})
    scale_rewards: Literal["group", "batch", "none"] = field(
        default="group", metadata={"help": "divide by the group std (verl norm_adv_by_std_in_grpo=True)"}
    )
    temperature: float = field(default=1.0, metadata={"help": "rollout temperature (verl default 1.0)"})
    top_p: float = field(default=1.0, metadata={"help": "rollout top_p (verl default 1.0)"})
    max_completion_length: int = field(default=4096, metadata={"help": "ExecVerify/StepCodeReasoner 4096"})
    epochs: float = field(default=4.0, metadata={"help": "ExecVerify stage I: 4 epochs, StepCodeReasoner 2"})
    max_steps: int = field(default=-1, metadata={"help": "stop after this many optimizer steps (-1: use epochs)"})
    lam: float = field(default=0.3, metadata={"help": "Bi-Level GRPO intra-trajectory weight (StepCodeReasoner 0.3)"})
    drop_zero_spread: bool = field(
        default=True, metadata={"help": "leave groups whose rewards are all equal out of the loss (no signal)"}
    )
    curriculum: tuple[int, ...] = field(
        default=(), metadata={"help": "difficulty levels in training order, e.g. 1,2,3 (empty: no curriculum)"}
    )
    select_samples: int = field(default=0, metadata={
        "help": "before RL, sample each task this many times with the start model and keep tasks whose pass rate "
                "lies in [select_min, select_max] (0: no selection; TINY_MODEL_NOTES: aim for 30-70%)"})
    select_min: float = field(default=0.1, metadata={"help": "lowest pass rate kept by the selection"})
    select_max: float = field(default=0.9, metadata={"help": "highest pass rate kept by the selection"})
    select_pool: int = field(default=0, metadata={"help": "tasks sampled for the selection (0: all)"})
    stage: Literal["execution", "codegen"] = field(
        default="execution", metadata={"help": "ExecVerify stage I (execution reasoning) or II (code generation)"}
    )

    def __post_init__(self) -> None:
        _check_positive(self, "learning_rate", "prompts_per_step", "steps_per_generation", "max_completion_length",
                        "epsilon", "epsilon_high", "temperature")
        if self.num_generations < 2:
            raise ValueError("train.grpo.num_generations must be >= 2 (a group needs a baseline)")
        if self.loss_type not in LOSS_TYPES:
            raise ValueError(f"train.grpo.loss_type must be one of {', '.join(LOSS_TYPES)}, got {self.loss_type!r}")
        if self.lam < 0:
            raise ValueError("train.grpo.lam must be >= 0")
        if not 0 <= self.select_min <= self.select_max <= 1:
            raise ValueError("train.grpo.select_min/select_max must satisfy 0 <= min <= max <= 1")


@dataclass(frozen=True)
class TrainConfig:
    """Model and trainer settings; `model: tiny` builds the embedded default from `tiny`."""

    model: str = field(default="tiny", metadata={"help": "'tiny' or a local Hugging Face checkpoint directory"})
    threads: int = field(default=0, metadata={"help": "torch threads (0: torch's default; 1 when sharing a CPU)"})
    seed: int = field(default=0, metadata={"help": "training seed"})
    dtype: Literal["float32", "bfloat16", "float16"] = field(
        default="bfloat16", metadata={"help": "weights dtype on GPU (CPU always trains in float32)"}
    )
    report_to: str = field(default="none", metadata={"help": "TRL report_to: none, tensorboard, wandb"})
    save_steps: int = field(default=200, metadata={"help": "checkpoint every N optimizer steps (resume point)"})
    logging_steps: int = field(default=10, metadata={"help": "log every N steps"})
    use_vllm: bool = field(default=False, metadata={"help": "generate rollouts with vLLM (GPU, where installed)"})
    eval_every: int = field(default=0, metadata={"help": "held-out greedy accuracy every N steps (0: never)"})
    eval_max_new_tokens: int = field(default=256, metadata={"help": "generation budget for held-out accuracy"})
    tiny: TinyModelConfig = field(default_factory=TinyModelConfig)
    sft: SFTConfigSection = field(default_factory=SFTConfigSection)
    grpo: GRPOConfigSection = field(default_factory=GRPOConfigSection)

    def __post_init__(self) -> None:
        if not self.model:
            raise ValueError("train.model must be 'tiny' or a checkpoint directory")
        if self.threads < 0:
            raise ValueError("train.threads must be >= 0")
        if self.eval_every < 0:
            raise ValueError("train.eval_every must be >= 0")
