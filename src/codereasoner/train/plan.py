"""`codereasoner train plan`: a recipe's GRPO batch on N GPUs, and an estimate of its peak memory per GPU.

Stage: train (no torch). The estimate is arithmetic on the model's shape, written out so a reader can check
it and a test can pin it (docs/training.md "Memory estimate"). Units: GiB (2**30 bytes). Assumptions —
full fine-tuning sharded over the W training GPUs (FSDP full shard or DeepSpeed ZeRO-3), bf16 weights and
gradients with fp32 master weights and AdamW moments, activation checkpointing per decoder layer, one
micro-batch of `micro_batch_per_device` sequences of max_prompt_length + max_completion_length tokens:

    model states     16 * P / W                      2 (bf16 weights) + 2 (grads) + 12 (fp32 master, m, v)
    reference model   2 * P / W                      only when beta > 0 (KL term)
    gathered params   2 * (2 * layer params) + 2 * V * h      current + prefetched layer, embedding/head
    checkpoints       2 * L * m * S * h              one bf16 hidden state per layer boundary
    layer recompute   4 * m * S * (8 * h + 3 * I)    one layer's activations and their gradients in bf16
    logits            m * C * V * 6 + C * V * 4      bf16 logits, scaled copy, gradient; one fp32 row
    overhead          2 GiB                          CUDA context, allocator fragmentation, NCCL buffers
    rollouts          vLLM colocate: utilisation * GPU memory (released by sleep mode while training);
                      vLLM server: 0 here (the server has its own GPUs);
                      transformers generate: full bf16 weights gathered (2 * P) + the KV cache of every
                      sequence this GPU generates at once (rollout_sequences / W, each S tokens).

P parameters, L layers, h hidden, I MLP width, V vocabulary, S = prompt + completion tokens, C completion
tokens, m micro-batch. Peak = the larger of the training phase (states + ref + gathered + activations +
overhead, plus the colocated vLLM share unless it sleeps) and the rollout phase (states + ref + overhead +
the rollout term). It is an estimate: real peaks depend on kernels (flash attention keeps attention linear in
S, which this assumes) and on the allocator; the device machine was not available to calibrate it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from codereasoner.train.batch import BatchPlan, batch_plan
from codereasoner.train.config import GRPOConfigSection

GIB = float(1 << 30)
OVERHEAD_GIB = 2.0


@dataclass(frozen=True)
class ModelShape:
    """What the memory estimate needs to know about a decoder-only transformer."""

    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    intermediate: int
    vocab: int
    tied_embeddings: bool

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def layer_params(self) -> int:
        kv = self.kv_heads * self.head_dim
        attention = 2 * self.hidden * self.hidden + 2 * self.hidden * kv + self.hidden + 2 * kv  # q, o, k, v, biases
        return attention + 3 * self.hidden * self.intermediate + 2 * self.hidden

    @property
    def params(self) -> int:
        embeddings = self.vocab * self.hidden * (1 if self.tied_embeddings else 2)
        return self.layers * self.layer_params + embeddings + self.hidden

    @classmethod
    def from_config(cls, path: str | Path) -> ModelShape:
        """The shape from a local checkpoint's config.json (a directory or the file itself)."""
        file = Path(path)
        file = file / "config.json" if file.is_dir() else file
        if not file.is_file():
            raise ValueError(f"--model: {path} is not a local Hugging Face checkpoint (no config.json)")
        c = json.loads(file.read_text(encoding="utf-8"))
        try:
            return cls(name=str(path), hidden=c["hidden_size"], layers=c["num_hidden_layers"],
                       heads=c["num_attention_heads"], kv_heads=c.get("num_key_value_heads", c["num_attention_heads"]),
                       intermediate=c["intermediate_size"], vocab=c["vocab_size"],
                       tied_embeddings=bool(c.get("tie_word_embeddings", False)))
        except KeyError as e:
            raise ValueError(f"{file}: no {e.args[0]!r}: not a decoder-only transformer config") from None


# Qwen2.5-Coder-*-Instruct, the papers' base models (their config.json files).
MODEL_SIZES = {
    "0.5B": ModelShape("Qwen2.5-Coder-0.5B-Instruct", 896, 24, 14, 2, 4864, 151936, True),
    "1.5B": ModelShape("Qwen2.5-Coder-1.5B-Instruct", 1536, 28, 12, 2, 8960, 151936, True),
    "3B": ModelShape("Qwen2.5-Coder-3B-Instruct", 2048, 36, 16, 2, 11008, 151936, True),
    "7B": ModelShape("Qwen2.5-Coder-7B-Instruct", 3584, 28, 28, 4, 18944, 152064, False),
    "14B": ModelShape("Qwen2.5-Coder-14B-Instruct", 5120, 48, 40, 8, 13824, 152064, False),
    "32B": ModelShape("Qwen2.5-Coder-32B-Instruct", 5120, 64, 40, 8, 27648, 152064, False),
}


def model_shape(size: str) -> ModelShape:
    """A known size ("7B", case-insensitive) or ValueError naming the choices."""
    for key, shape in MODEL_SIZES.items():
        if key.lower() == size.strip().lower():
            return shape
    raise ValueError(f"--model-size: no size {size!r}; known: {', '.join(MODEL_SIZES)} "
                     "(or pass --model DIR to read a local checkpoint's config.json)")


@dataclass(frozen=True)
class MemoryEstimate:
    """Each term of the estimate in GiB (see the module docstring) and the resulting peak."""

    model_states: float
    reference_model: float
    gathered_params: float
    checkpoints: float
    layer_recompute: float
    logits: float
    overhead: float
    rollout: float
    rollout_mode: str
    training_phase: float
    rollout_phase: float
    peak: float


def estimate_memory(shape: ModelShape, grpo: GRPOConfigSection, plan: BatchPlan,
                    gpu_memory_gb: float) -> MemoryEstimate:
    """Peak memory per training GPU for one GRPO step (see the module docstring for every term)."""
    p, w, m = shape.params, plan.world_size, plan.micro_batch_per_device
    s = grpo.max_prompt_length + grpo.max_completion_length
    c = grpo.max_completion_length
    h, v = shape.hidden, shape.vocab
    states = 16 * p / w / GIB
    ref = 2 * p / w / GIB if grpo.beta > 0 else 0.0
    gathered = (2 * 2 * shape.layer_params + 2 * v * h) / GIB
    checkpoints = 2 * shape.layers * m * s * h / GIB
    recompute = 4 * m * s * (8 * h + 3 * shape.intermediate) / GIB
    logits = (m * c * v * 6 + c * v * 4) / GIB
    train = states + ref + gathered + checkpoints + recompute + logits + OVERHEAD_GIB
    if grpo.vllm == "colocate":
        rollout = grpo.vllm_gpu_memory_utilization * gpu_memory_gb
        mode = "vllm colocate" + (" (sleeps while training)" if grpo.vllm_sleep_mode else "")
        if not grpo.vllm_sleep_mode:
            train += rollout
    elif grpo.vllm == "server":
        rollout, mode = 0.0, "vllm server (own GPUs)"
    else:
        kv_per_token = 2 * shape.layers * shape.kv_heads * shape.head_dim * 2
        sequences = plan.rollout_sequences / w
        rollout = (2 * p + kv_per_token * s * sequences) / GIB
        mode = "transformers generate"
    gen = states + ref + OVERHEAD_GIB + rollout
    return MemoryEstimate(model_states=states, reference_model=ref, gathered_params=gathered, checkpoints=checkpoints,
                          layer_recompute=recompute, logits=logits, overhead=OVERHEAD_GIB, rollout=rollout,
                          rollout_mode=mode, training_phase=train, rollout_phase=gen, peak=max(train, gen))


def plan_summary(plan: BatchPlan, memory: MemoryEstimate) -> dict[str, Any]:
    """The `train plan --json` object: exactly these keys (docs/training.md)."""
    return {
        "rollout_prompts": plan.rollout_prompts,
        "rollout_sequences": plan.rollout_sequences,
        "update_prompts": plan.update_prompts,
        "micro_batch_per_device": plan.micro_batch_per_device,
        "gradient_accumulation_steps": plan.gradient_accumulation_steps,
        "optimizer_steps_per_rollout": plan.optimizer_steps_per_rollout,
        "peak_memory_gb_per_device": round(memory.peak, 1),
    }


def make_plan(grpo: GRPOConfigSection, shape: ModelShape, gpus: int,
              gpu_memory_gb: float) -> tuple[BatchPlan, MemoryEstimate]:
    """The batch plan and memory estimate of `grpo` for `shape` on `gpus` training GPUs of `gpu_memory_gb`."""
    if gpu_memory_gb <= 0:
        raise ValueError(f"--gpu-memory-gb must be > 0, got {gpu_memory_gb}")
    plan = batch_plan(grpo, gpus)
    return plan, estimate_memory(shape, grpo, plan, gpu_memory_gb)


def render(recipe: str, shape: ModelShape, plan: BatchPlan, memory: MemoryEstimate, gpu_memory_gb: float) -> str:
    """The human-readable plan."""
    fits = memory.peak <= gpu_memory_gb
    rows = [
        f"recipe {recipe}: {shape.name} ({shape.params / 1e9:.2f}B parameters) on {plan.world_size} GPUs "
        f"of {gpu_memory_gb:g} GB",
        f"  rollout            {plan.rollout_prompts} prompts x {plan.num_generations} = {plan.rollout_sequences} "
        "sequences",
        f"  update             {plan.update_prompts} prompts = {plan.update_sequences} sequences; "
        f"{plan.optimizer_steps_per_rollout} optimizer step(s) per rollout",
        f"  micro-batch        {plan.micro_batch_per_device} sequence(s) per device, gradient accumulation "
        f"{plan.gradient_accumulation_steps}",
        "  memory per GPU (GiB, estimate; docs/training.md)",
    ]
    terms = asdict(memory)
    for key in ("model_states", "reference_model", "gathered_params", "checkpoints", "layer_recompute", "logits",
                "overhead"):
        rows.append(f"    {key.replace('_', ' '):<18} {terms[key]:6.1f}")
    rows.append(f"    {'rollout':<18} {memory.rollout:6.1f}  ({memory.rollout_mode})")
    rows.append(f"    {'peak':<18} {memory.peak:6.1f}  ({'fits' if fits else 'does NOT fit'} in {gpu_memory_gb:g})")
    return "\n".join(rows)
