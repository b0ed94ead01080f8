"""`codereasoner train sft|grpo` as one call: recipe + built data → the SFT or GRPO stage → OUT/final.

The command line only parses; this resolves the recipe (with `--model` and `--set`), reads the tasks and
runs the stage, which checks OUT's parameters (resume, refuse, or start over with `overwrite`) and holds
OUT's lock for the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def train(stage: str, recipe: str, data: str | Path, out: str | Path, *, model: str | None = None,
          overrides: Sequence[str] = (), limit: int | None = None, overwrite: bool = False,
          progress: bool = True) -> Path:
    """Train `stage` ("sft" or "grpo") on the tasks under `data`; returns OUT/final."""
    from codereasoner.execution import Executor
    from codereasoner.pipeline.common import quiet_libraries
    from codereasoner.pipeline.grpo import grpo_stage
    from codereasoner.pipeline.sft import sft_stage
    from codereasoner.rationale.sft import read_tasks
    from codereasoner.recipe import load_recipe
    from codereasoner.train.tiny import set_threads

    if stage not in ("sft", "grpo"):
        raise ValueError(f"train stage must be sft or grpo, got {stage!r}")
    rec = load_recipe(recipe, [*overrides, *([f"train.model={model}"] if model else [])])
    if stage == "grpo" and rec.train.model == "tiny":
        raise ValueError("train grpo needs --model: the SFT output (e.g. runs/sft/final)")
    rec.rl_reward()  # the reward is checked before any work
    tasks = sorted(read_tasks(data), key=lambda t: t.id)[:limit]
    if not tasks:
        raise ValueError(f"no tasks in {data}")
    quiet_libraries(progress)
    set_threads(rec.train.threads)
    with Executor() as executor:
        if stage == "sft":
            return sft_stage(tasks, rec, out, executor=executor, overwrite=overwrite, progress=progress)
        return grpo_stage(rec.train.model, tasks, rec, out, executor=executor, overwrite=overwrite, progress=progress)
