"""The GRPO stage: a start model + RL tasks → GRPO or Bi-Level GRPO with the recipe's reward → OUT/final.

Used by `codereasoner train grpo`, the quickstart and `codereasoner experiment`. The reward is the recipe's,
resolved once (`Recipe.rl_reward()`: the `reward:` section; ExecVerify stage II trains on `codegen`, on
code-generation tasks made from the programs). OUT/params.json holds the start model (with the parameters
of the stage that made it), the tasks, the reward and the `train.grpo` settings; same parameters resume,
different ones are refused naming the changed keys unless `overwrite`. Writes OUT/selection.json (RL tasks
chosen by pass rate), checkpoints, OUT/log.jsonl, OUT/validation.jsonl and OUT/final/.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.outdir import claim
from codereasoner.pipeline.common import digest, model_ref, section, validation_callbacks
from codereasoner.recipe import Recipe
from codereasoner.records import Task

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

OWNED = ("final", "final.tmp", "checkpoint-*", "selection.json", "log.jsonl", "validation.jsonl", "test.json",
         "timing.json", "runs")


def rl_tasks(tasks: Sequence[Task], rec: Recipe) -> list[Task]:
    """The tasks RL trains on: as given, or code-generation tasks for ExecVerify's stage II."""
    if rec.train.grpo.stage == "codegen":
        from codereasoner.train.stage2 import codegen_tasks

        return codegen_tasks(tasks, recipe=rec.name)
    return list(tasks)


def grpo_params(rec: Recipe, start: Path, tasks: Sequence[Task], validation: Sequence[Task]) -> dict[str, Any]:
    """What a GRPO model depends on (not threads, logging or progress)."""
    cfg = rec.train
    return {"stage": "grpo", "recipe": rec.name, "start": model_ref(start), "seed": cfg.seed, "dtype": cfg.dtype,
            "grpo": section(cfg.grpo), "reward": section(rec.rl_reward()),
            "tasks": digest(tasks), "validation": digest(validation), "eval_every": cfg.eval_every,
            "eval_max_new_tokens": cfg.eval_max_new_tokens}


def grpo_stage(start: str | Path, tasks: Sequence[Task], rec: Recipe, out_dir: str | Path, *,
               executor: ExecutorLike | None = None, validation: Sequence[Task] = (), overwrite: bool = False,
               progress: bool = True) -> Path:
    """RL from `start` (e.g. the SFT stage's OUT/final) on `tasks`; returns OUT/final."""
    from codereasoner.train import runner

    start = Path(start)
    if not (start / "config.json").is_file():
        raise ValueError(f"{start} is not a model directory (no config.json): pass the SFT output, "
                         "e.g. runs/sft/final")
    tasks = rl_tasks(tasks, rec)
    if not tasks:
        raise ValueError("no tasks to train GRPO on")
    out = Path(out_dir)
    with claim(out, grpo_params(rec, start, tasks, validation), what="training run (GRPO)", owned=OWNED,
               overwrite=overwrite):
        callbacks = validation_callbacks(validation, start, rec.train, out, executor)
        return runner.run_grpo(start, tasks, rec.train, out, reward=rec.rl_reward(), executor=executor,
                               callbacks=callbacks, progress=progress)
