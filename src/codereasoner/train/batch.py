"""GRPO batch semantics as verl states them, realised on TRL for a given number of devices (no torch here).

Stage: train. A recipe says how many prompts one rollout samples (`rollout_prompts`, verl
`data.train_batch_size`), how many prompts one optimizer update consumes (`update_prompts`, verl
`ppo_mini_batch_size`) and how many sequences one device pushes through the model at a time
(`micro_batch_per_device`, verl `ppo_micro_batch_size_per_gpu`). Everything else follows, for W devices and
G rollouts per prompt:

    rollout_sequences           = rollout_prompts * G                      (all devices together)
    update_sequences            = update_prompts * G
    gradient_accumulation_steps = update_sequences / (W * micro_batch_per_device)
    optimizer_steps_per_rollout = rollout_prompts / update_prompts
    TRL per_device_train_batch_size = micro_batch_per_device
    TRL steps_per_generation        = gradient_accumulation_steps * optimizer_steps_per_rollout

so TRL's generation batch (per_device_train_batch_size * W * steps_per_generation) is exactly one rollout,
and a recipe means the same optimisation on 1 device and on 64 (docs/training.md "Batch semantics").
Also here: which tasks a stage trains on (task kinds, and a stable slice of the programs, so that SFT and
RL can read disjoint parts of one data directory as the papers do).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from codereasoner.records import Task
from codereasoner.train.config import GRPOConfigSection


@dataclass(frozen=True)
class BatchPlan:
    """The sizes one GRPO rollout and update have on `world_size` devices (see the module docstring)."""

    world_size: int
    num_generations: int
    rollout_prompts: int
    rollout_sequences: int
    update_prompts: int
    update_sequences: int
    micro_batch_per_device: int
    gradient_accumulation_steps: int
    steps_per_generation: int
    optimizer_steps_per_rollout: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def world_size() -> int:
    """Training processes of this launch: `WORLD_SIZE` as torchrun/accelerate set it, else 1."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


def batch_plan(grpo: GRPOConfigSection, devices: int | None = None) -> BatchPlan:
    """The derived sizes for `devices` training processes (default: this launch's); ValueError naming the
    field when the sizes do not fit together. (Checked here, not when the recipe loads: `--set` applies one
    key at a time, and a rollout/update pair is often changed together.)"""
    w = world_size() if devices is None else devices
    if w < 1:
        raise ValueError(f"the number of devices must be >= 1, got {w}")
    if grpo.rollout_prompts % grpo.update_prompts:
        raise ValueError(f"train.grpo.rollout_prompts ({grpo.rollout_prompts}) must be a multiple of "
                         f"train.grpo.update_prompts ({grpo.update_prompts}): each rollout is spent in whole updates")
    g = grpo.num_generations
    update_sequences = grpo.update_prompts * g
    if update_sequences % w:
        raise ValueError(f"train.grpo.update_prompts x num_generations = {grpo.update_prompts} x {g} = "
                         f"{update_sequences} sequences per update cannot be split evenly over {w} devices")
    per_device = update_sequences // w
    micro = grpo.micro_batch_per_device or per_device
    if per_device % micro:
        raise ValueError(f"train.grpo.micro_batch_per_device ({micro}) must divide the {per_device} sequences each "
                         f"device handles per update (update_prompts {grpo.update_prompts} x num_generations {g} / "
                         f"{w} devices)")
    accumulation = per_device // micro
    updates = grpo.rollout_prompts // grpo.update_prompts
    return BatchPlan(world_size=w, num_generations=g, rollout_prompts=grpo.rollout_prompts,
                     rollout_sequences=grpo.rollout_prompts * g, update_prompts=grpo.update_prompts,
                     update_sequences=update_sequences, micro_batch_per_device=micro,
                     gradient_accumulation_steps=accumulation, steps_per_generation=accumulation * updates,
                     optimizer_steps_per_rollout=updates)


def program_of(task: Task) -> str:
    """The program a task asks about (every task of one program lands in the same slice)."""
    pid = task.meta.get("program_id")
    return str(pid) if pid else task.id.split("/", 1)[0]


def program_fraction(program_id: str) -> float:
    """A stable position in [0, 1) for a program id (sha256), independent of data order and Python's hash seed."""
    return int(hashlib.sha256(program_id.encode()).hexdigest()[:12], 16) / float(1 << 48)


def stage_tasks(tasks: Iterable[Task], kinds: Sequence[str] = (),
                data_range: Sequence[float] = (0.0, 1.0)) -> list[Task]:
    """The tasks of `kinds` (all when empty) whose program falls in the slice [lo, hi) of the programs."""
    lo, hi = float(data_range[0]), float(data_range[1])
    wanted = set(kinds)
    return [t for t in tasks if (not wanted or t.kind in wanted) and lo <= program_fraction(program_of(t)) < hi]
