"""Rationale stage: the reasoning chains SFT learns from, as verified `Sample` records.

- `from_trace.py`: trace-guided chains, no teacher — written from the execution trace in each recipe's
  format (full sentences, or a concise register for the tiny model);
- `distill.py`: teacher chains from any OpenAI-compatible endpoint, rejection-sampled by the verifier,
  cached and resumable;
- `sft.py`: samples → TRL SFTTrainer conversational JSONL; `build_sft_dataset(tasks_dir, out, recipe)`.
Every chain kept is one `rewards.verify.verify_batch` accepts.
"""

from __future__ import annotations
