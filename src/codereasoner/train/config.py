"""The `train:` section of a recipe: model, SFT and GRPO settings (no torch import here).

Stage: train. Read by `recipe.load_recipe` (the `train` field of `Recipe`) and by `codereasoner train` /
`quickstart`. Every hyperparameter the papers give is an explicit field so that a recipe states it and no
TRL default can change it silently (TRL changed `beta`, `loss_type`, `scale_rewards` and
`max_completion_length` defaults between releases). Defaults are the 7B settings of ExecVerify's stage I
(docs/recipes.md); the other recipes override what differs.

GRPO batch sizes are stated as verl states them (docs/training.md "Batch semantics"): prompts per rollout
(`rollout_prompts`, verl `data.train_batch_size`), prompts per optimizer update (`update_prompts`, verl
`ppo_mini_batch_size`) and sequences per forward/backward pass on one device (`micro_batch_per_device`, verl
`ppo_micro_batch_size_per_gpu`). Gradient accumulation and TRL's arguments follow from them and the world
size (`train.batch.batch_plan`), so a recipe means the same thing on 1 GPU and on 64.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ALGORITHMS = ("grpo", "bilevel")
LOSS_TYPES = ("grpo", "bnpo", "dr_grpo", "dapo")
VLLM_MODES = ("none", "colocate", "server")
REPORT_TO = ("none", "tensorboard", "wandb", "mlflow")


def _check_positive(obj: object, *names: str, section: str = "") -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None and value <= 0:
            where = f"{section}.{name}" if section else f"{type(obj).__name__}.{name}"
            raise ValueError(f"{where} must be > 0, got {value!r}")


def _check_range(value: tuple[float, ...], key: str) -> None:
    if len(value) != 2 or not 0.0 <= value[0] < value[1] <= 1.0:
        raise ValueError(f"{key} must be two numbers 0 <= lo < hi <= 1 (a slice of the data's programs), got {value!r}")


def _check_kinds(kinds: tuple[str, ...], key: str) -> None:
    from codereasoner.tasks import TASK_KINDS  # the registry is the one list of task kinds

    for kind in kinds:
        TASK_KINDS.check(kind, key)


@dataclass(frozen=True)
class TinyModelConfig:
    """Shape of the embedded tiny model (128/4/4/512 learned fastest on a 2-core CPU: docs/training.md)."""

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
    """Supervised warm-up on the built chains. Defaults: ExecVerify's LLaMA-Factory SFT (docs/recipes.md)."""

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
    kinds: tuple[str, ...] = field(default=(), metadata={
        "help": "task kinds SFT trains on (empty: all in the data; ExecVerify: output, input = I->O and O->I)"})
    data_range: tuple[float, ...] = field(default=(0.0, 1.0), metadata={
        "help": "the slice [lo, hi) of the data's programs (stable hash of the program id) SFT trains on; "
                "give SFT and GRPO disjoint slices as the papers do (ExecVerify: 0,0.5 and 0.5,1)"})

    def __post_init__(self) -> None:
        _check_positive(self, "learning_rate", "batch_size", "gradient_accumulation_steps", "max_length",
                        section="train.sft")
        _check_range(self.data_range, "train.sft.data_range")
        _check_kinds(self.kinds, "train.sft.kinds")


@dataclass(frozen=True)
class GRPOConfigSection:
    """RL on verified rewards. Defaults: ExecVerify stage I (verl GRPO; docs/recipes.md)."""

    algorithm: Literal["grpo", "bilevel"] = field(
        default="grpo", metadata={"help": "grpo (sequence advantage) or bilevel (StepCodeReasoner Eq. 10-15)"}
    )
    num_generations: int = field(default=8, metadata={
        "help": "G, rollouts per prompt: ExecVerify 8, StepCodeReasoner 5"})
    rollout_prompts: int = field(default=128, metadata={
        "help": "prompts per rollout, all devices together (verl data.train_batch_size; ExecVerify 128)"})
    update_prompts: int = field(default=64, metadata={
        "help": "prompts per optimizer update, all devices together (verl ppo_mini_batch_size; ExecVerify 64: "
                "2 updates per rollout)"})
    micro_batch_per_device: int = field(default=1, metadata={
        "help": "sequences per forward/backward pass on one device (verl ppo_micro_batch_size_per_gpu; "
                "ExecVerify 1); gradient accumulation makes up the update. 0: the whole update in one pass"})
    learning_rate: float = field(default=1e-6, metadata={"help": "ExecVerify and StepCodeReasoner: 1e-6 (7B)"})
    lr_scheduler: str = field(default="constant", metadata={"help": "verl default: constant, no warmup"})
    warmup_ratio: float = field(default=0.0, metadata={"help": "verl default: none"})
    weight_decay: float = field(default=0.01, metadata={"help": "verl AdamW default 0.01"})
    max_grad_norm: float = field(default=1.0, metadata={"help": "verl grad_clip 1.0"})
    beta: float = field(default=0.0, metadata={
        "help": "KL coefficient towards the start model (k3 estimator in the loss): ExecVerify use_kl_loss=False "
                "(0); StepCodeReasoner's Eq. 15 D_KL term (coefficient not given; recipe: verl's 0.001)"})
    epsilon: float = field(default=0.2, metadata={"help": "clip ratio (verl clip_ratio 0.2)"})
    epsilon_high: float | None = field(default=None, metadata={"help": "upper clip (None = epsilon)"})
    loss_type: str = field(default="dapo", metadata={
        "help": "token-mean over the batch = verl loss_agg_mode token-mean"})
    scale_rewards: Literal["group", "batch", "none"] = field(
        default="group", metadata={"help": "divide by the group std (verl norm_adv_by_std_in_grpo=True)"}
    )
    temperature: float = field(default=1.0, metadata={"help": "rollout temperature (verl default 1.0)"})
    top_p: float = field(default=1.0, metadata={"help": "rollout top_p (verl default 1.0)"})
    max_prompt_length: int = field(default=2048, metadata={
        "help": "longest prompt in tokens (verl max_prompt_length 2048): longer RL tasks are left out"})
    max_completion_length: int = field(default=4096, metadata={"help": "ExecVerify/StepCodeReasoner 4096"})
    epochs: float = field(default=4.0, metadata={"help": "ExecVerify stage I: 4 epochs, StepCodeReasoner 2"})
    max_steps: int = field(default=-1, metadata={"help": "stop after this many optimizer steps (-1: use epochs)"})
    lam: float = field(default=0.3, metadata={"help": "Bi-Level GRPO intra-trajectory weight (StepCodeReasoner 0.3)"})
    drop_zero_spread: bool = field(default=False, metadata={
        "help": "leave groups whose rewards all agree (within zero_spread_tol) out of the loss and of its token "
                "count; off in the paper recipes (neither verl nor the papers do it: it raises the effective lr)"})
    zero_spread_tol: float = field(default=1e-6, metadata={
        "help": "a group has zero spread when every |advantage| is at most this (float noise is not signal)"})
    vllm: Literal["none", "colocate", "server"] = field(default="none", metadata={
        "help": "rollouts with vLLM: colocate (inside the training processes, sharing each GPU) or server (a "
                "`trl vllm-serve` on other GPUs); none: transformers generate (CPU, tests)"})
    vllm_gpu_memory_utilization: float = field(default=0.3, metadata={
        "help": "colocate: the share of each GPU's memory vLLM takes for weights and KV cache"})
    vllm_tensor_parallel_size: int = field(default=1, metadata={"help": "colocate: vLLM tensor parallel size"})
    vllm_server_url: str = field(default="", metadata={
        "help": "server: base URL of `trl vllm-serve` (empty: TRL's default, port 8000 on this host)"})
    vllm_sleep_mode: bool = field(default=False, metadata={
        "help": "colocate: release vLLM's memory during the optimizer step (vLLM sleep mode)"})
    kinds: tuple[str, ...] = field(default=(), metadata={
        "help": "task kinds RL trains on (empty: all in the data; ExecVerify: whitebox (io_mixed) and input (oi))"})
    data_range: tuple[float, ...] = field(default=(0.0, 1.0), metadata={
        "help": "the slice [lo, hi) of the data's programs RL trains on (see train.sft.data_range)"})
    curriculum: tuple[int, ...] = field(
        default=(), metadata={"help": "difficulty levels in training order, e.g. 1,2,3 (empty: no curriculum)"}
    )
    select_samples: int = field(default=0, metadata={
        "help": "before RL, sample each task this many times with the start model and keep tasks whose pass rate "
                "lies in [select_min, select_max] (0: no selection; groups need 30-70% to carry signal)"})
    select_min: float = field(default=0.1, metadata={"help": "lowest pass rate kept by the selection"})
    select_max: float = field(default=0.9, metadata={"help": "highest pass rate kept by the selection"})
    select_pool: int = field(default=0, metadata={"help": "tasks sampled for the selection (0: all)"})
    stage: Literal["execution", "codegen"] = field(
        default="execution", metadata={"help": "ExecVerify stage I (execution reasoning) or II (code generation)"}
    )

    def __post_init__(self) -> None:
        _check_positive(self, "learning_rate", "rollout_prompts", "update_prompts", "max_prompt_length",
                        "max_completion_length", "epsilon", "epsilon_high", "temperature", "zero_spread_tol",
                        "vllm_tensor_parallel_size", section="train.grpo")
        if self.num_generations < 2:
            raise ValueError("train.grpo.num_generations must be >= 2 (a group needs a baseline)")
        if self.micro_batch_per_device < 0:
            raise ValueError(f"train.grpo.micro_batch_per_device must be >= 0, got {self.micro_batch_per_device}")
        if self.loss_type not in LOSS_TYPES:
            raise ValueError(f"train.grpo.loss_type must be one of {', '.join(LOSS_TYPES)}, got {self.loss_type!r}")
        if self.beta < 0:
            raise ValueError(f"train.grpo.beta must be >= 0, got {self.beta}")
        if self.lam < 0:
            raise ValueError("train.grpo.lam must be >= 0")
        if not 0 < self.vllm_gpu_memory_utilization < 1:
            raise ValueError("train.grpo.vllm_gpu_memory_utilization must be in (0, 1), "
                             f"got {self.vllm_gpu_memory_utilization}")
        if not 0 <= self.select_min <= self.select_max <= 1:
            raise ValueError("train.grpo.select_min/select_max must satisfy 0 <= min <= max <= 1")
        _check_range(self.data_range, "train.grpo.data_range")
        _check_kinds(self.kinds, "train.grpo.kinds")


@dataclass(frozen=True)
class TrainConfig:
    """Model and trainer settings; `model: tiny` builds the embedded default from `tiny`."""

    model: str = field(default="tiny", metadata={"help": "'tiny' or a local Hugging Face checkpoint directory"})
    threads: int = field(default=0, metadata={"help": "torch threads (0: torch's default; 1 when sharing a CPU)"})
    seed: int = field(default=0, metadata={"help": "training seed"})
    dtype: Literal["float32", "bfloat16", "float16"] = field(
        default="bfloat16", metadata={"help": "weights dtype on GPU (CPU always trains in float32)"}
    )
    report_to: str = field(default="none", metadata={
        "help": "where training metrics go besides OUT/log.jsonl: none, tensorboard, wandb, mlflow (comma-separated "
                "for several; each needs its package installed)"})
    save_steps: int = field(default=200, metadata={"help": "checkpoint every N optimizer steps (resume point)"})
    logging_steps: int = field(default=10, metadata={"help": "log every N steps"})
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
        report_targets(self.report_to)  # unknown names fail at load; missing packages when training starts


def report_targets(report_to: str) -> list[str]:
    """The `report_to` names as a list ([] for none); ValueError naming train.report_to on unknown ones."""
    names = [n.strip() for n in report_to.split(",") if n.strip()]
    if not names or names == ["none"]:
        return []
    bad = [n for n in names if n not in REPORT_TO or n == "none"]
    if bad:
        raise ValueError(f"train.report_to: unknown target {bad[0]!r}; choose from {', '.join(REPORT_TO)} "
                         "(comma-separated for several)")
    return names


REPORT_PACKAGES = {"tensorboard": ("tensorboard", "tensorboardX"), "wandb": ("wandb",), "mlflow": ("mlflow",)}


def check_report_to(report_to: str) -> list[str]:
    """`report_targets`, and each target's package importable here; ValueError naming what to install."""
    import importlib.util

    names = report_targets(report_to)
    for name in names:
        if not any(importlib.util.find_spec(pkg) is not None for pkg in REPORT_PACKAGES[name]):
            have = [n for n in REPORT_TO[1:] if any(importlib.util.find_spec(p) for p in REPORT_PACKAGES[n])]
            raise ValueError(f"train.report_to={name} needs the {REPORT_PACKAGES[name][0]} package, which is not "
                             f"installed (pip install {REPORT_PACKAGES[name][0]}); usable here: "
                             f"{', '.join(['none', *have])}")
    return names
