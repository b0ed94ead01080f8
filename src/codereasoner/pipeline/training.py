"""`codereasoner train sft|grpo` as one call: recipe + built data → the SFT or GRPO stage → OUT/final.

The command line only parses; this resolves the recipe (with `--model` and `--set`), checks what can be
checked before any work (the start model exists, `report_to` packages are installed, the batch splits over
this launch's devices), reads the tasks — the stage's kinds and slice of the programs (`train.sft.kinds`,
`data_range`; SFT and RL read disjoint slices in the paper recipes), or the teacher chains of a `data
distill` output for SFT — and runs the stage, which checks OUT's parameters (resume, refuse, or start over
with `overwrite`) and holds OUT's lock for the run.
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
    from codereasoner.rationale.distill import distilled_file, read_samples
    from codereasoner.rationale.sft import read_tasks
    from codereasoner.recipe import load_recipe
    from codereasoner.train.batch import batch_plan, stage_tasks
    from codereasoner.train.config import check_report_to
    from codereasoner.train.tiny import set_threads

    if stage not in ("sft", "grpo"):
        raise ValueError(f"train stage must be sft or grpo, got {stage!r}")
    rec = load_recipe(recipe, [*overrides, *([f"train.model={model}"] if model else [])])
    if stage == "grpo" and rec.train.model == "tiny":
        raise ValueError("train grpo needs --model: the SFT output (e.g. runs/sft/final)")
    if rec.train.model != "tiny" and not (Path(rec.train.model) / "config.json").is_file():
        raise ValueError(f"--model {rec.train.model}: not a local Hugging Face checkpoint (no config.json there); "
                         "pass a model directory (e.g. runs/sft/final, or a downloaded Qwen2.5-Coder-7B-Instruct)")
    rec.rl_reward()  # the reward is checked before any work
    check_report_to(rec.train.report_to)
    if stage == "grpo":
        batch_plan(rec.train.grpo)
    teacher = read_samples(data) if stage == "sft" and distilled_file(data) is not None else None
    if teacher is not None:
        teacher = [s for s in teacher if s.verified][:limit]
        tasks = [s.task for s in teacher]
    else:
        section = rec.train.sft if stage == "sft" else rec.train.grpo
        every = sorted(read_tasks(data), key=lambda t: t.id)
        codegen = stage == "grpo" and rec.train.grpo.stage == "codegen"  # made from the output tasks: all kinds
        tasks = stage_tasks(every, () if codegen else section.kinds, section.data_range)[:limit]
        if every and not tasks:
            raise ValueError(f"none of the {len(every)} tasks in {data} is of train.{stage}.kinds "
                             f"{list(section.kinds) or 'all'} in train.{stage}.data_range {list(section.data_range)}")
    if not tasks:
        raise ValueError(f"no tasks in {data}")
    quiet_libraries(progress)
    set_threads(rec.train.threads)
    with Executor() as executor:
        if stage == "sft":
            return sft_stage(tasks, rec, out, executor=executor, overwrite=overwrite, progress=progress,
                             given=teacher)
        return grpo_stage(rec.train.model, tasks, rec, out, executor=executor, overwrite=overwrite, progress=progress)
