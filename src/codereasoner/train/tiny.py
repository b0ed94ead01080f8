"""The embedded default model: a tokenizer trained locally and a tiny Llama built from a config.

Stage: train. Reads training texts (task prompts and completions), writes a Hugging Face model directory
(`config.json`, weights, `tokenizer.json`, chat template) that every `codereasoner train`/`evaluate`
command can load like any local checkpoint. Nothing here touches the Hugging Face hub.

Why these choices (measured on the project's 2-core CPU; docs/training.md):
- byte-level BPE with every digit its own token: arithmetic answers are read digit by digit, and the
  prompt and completion tokenise the same apart as together (GRPO relies on it);
- 128 hidden / 4 layers (~1M parameters): the smaller model learns more per CPU minute than 4M or 19M;
- a minimal chat template so TRL's conversational formats (SFT completion-only loss, GRPO prompts) and
  real instruct checkpoints go through the same code path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
USER, ASSISTANT, SYSTEM = "<|user|>", "<|assistant|>", "<|system|>"
SPECIAL_TOKENS = [PAD, BOS, EOS, USER, ASSISTANT, SYSTEM]

# Each turn is "<|role|>content<eos>"; the generation prompt is "<|assistant|>". The assistant turn
# ends with EOS so generation stops there, and rendering [prompt] + generation prompt is a prefix of
# rendering [prompt, answer] (SFT's completion mask and GRPO's prompt/completion split rely on it).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>' + message['content'] + '<eos>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"
)


@dataclass(frozen=True)
class TinySpec:
    """Shape of the embedded model (128/4/4/512 is the fastest learner on 2 cores)."""

    vocab_size: int = 512
    hidden_size: int = 128
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 512
    max_positions: int = 1024


def train_tokenizer(texts: Iterable[str], vocab_size: int = 512) -> Any:
    """A byte-level BPE tokenizer trained on `texts`, digits one per token, with our special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token=PAD,
        bos_token=BOS,
        eos_token=EOS,
        additional_special_tokens=[USER, ASSISTANT, SYSTEM],
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.padding_side = "left"
    return fast


def build_model(tokenizer: Any, spec: TinySpec = TinySpec(), seed: int = 0) -> Any:
    """A randomly initialised LlamaForCausalLM sized by `spec` with tied embeddings."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=spec.hidden_size,
        num_hidden_layers=spec.num_layers,
        num_attention_heads=spec.num_heads,
        num_key_value_heads=spec.num_heads,
        intermediate_size=spec.intermediate_size,
        max_position_embeddings=spec.max_positions,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    return model


def build_tiny(texts: Iterable[str], out_dir: str | Path, spec: TinySpec = TinySpec(), seed: int = 0) -> Path:
    """Train the tokenizer on `texts`, build the model, save both to `out_dir` (a loadable checkpoint)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(texts, spec.vocab_size)
    model = build_model(tokenizer, spec, seed)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def load_tokenizer(path: str | Path) -> Any:
    """Load a tokenizer for training/generation; left padding is set here because transformers 5.23's
    `save_pretrained` does not persist it (transformers 5.23) and batched generation needs it."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path))
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(path: str | Path, dtype: str = "float32") -> Any:
    """Load any local causal-LM checkpoint (tiny or real) by path; never reaches the hub."""
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(str(path), dtype=getattr(torch, dtype), local_files_only=True)


def set_threads(n: int | None) -> None:
    """Pin torch's intra-op threads (oversubscribed cores slowed torch 10-40x)."""
    if n:
        import torch

        torch.set_num_threads(n)
