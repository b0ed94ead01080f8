"""The quickstart: the README's main job on the embedded tiny model, offline, on a CPU, with an honest control.

data (tiny recipe) → split (test and validation programs unseen by skeleton) → three arms from one start:
- `sft`: SFT for `train.sft.max_steps` on the SFT tasks;
- `grpo`: that SFT model, then GRPO for `train.grpo.max_steps` on the RL tasks;
- `sft_matched`: the compute-matched control — SFT from the same tiny start model for as many optimizer
  steps as SFT + GRPO together, on the same data (the SFT and the RL tasks, with their answers).
All three start from one tiny model (OUT/model0, tokenizer trained on every training task). With two or more
threads the control trains in a second process beside the SFT → GRPO chain, each with half of them. Each arm is
scored greedily on the same test tasks (95 % intervals, paired differences); curves during training use the
validation tasks only. Every stage resumes from what it wrote; OUT is locked for the run.
Writes OUT/report.json, OUT/report.md and PNG plots (pipeline/report.py).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.outdir import lock

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike
    from codereasoner.recipe import Recipe
    from codereasoner.records import Task

# Programs drawn: after deduplication and the skeleton split this leaves >= 500 test and 500 validation tasks
# and enough SFT/RL tasks (measured: 12000 tiny programs -> 11800 tasks in 1759 skeletons).
PROGRAMS = 12000


class Clock:
    """Wall and CPU seconds per stage (CPU time is what a loaded machine cannot inflate)."""

    def __init__(self) -> None:
        self.stages: dict[str, dict[str, Any]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        self.started = self._wall

    def total(self) -> float:
        """Wall seconds since the run started (stages that ran side by side counted once)."""
        return round(time.perf_counter() - self.started, 1)

    def lap(self, name: str, **info: Any) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.stages[name] = {"seconds": round(wall - self._wall, 1), "cpu_seconds": round(cpu - self._cpu, 1),
                             **info}
        self._wall, self._cpu = wall, cpu


def quickstart(out_dir: str | Path, recipe: str = "tiny", *, threads: int = 2, programs: int | None = None,
               heldout: int = 500, validation: int = 500, seed: int = 0, overrides: Sequence[str] = (),
               progress: bool = True, overwrite: bool = False) -> dict[str, Any]:
    """Run (or resume) every stage and return the report written to OUT/report.json."""
    from codereasoner.execution import Executor
    from codereasoner.pipeline.common import quiet_libraries
    from codereasoner.pipeline.data import build_data
    from codereasoner.pipeline.evaluate import evaluate_stage
    from codereasoner.pipeline.grpo import grpo_stage
    from codereasoner.pipeline.report import write_quickstart_report
    from codereasoner.pipeline.sft import sft_stage, start_stage
    from codereasoner.pipeline.split import split_tasks, write_split
    from codereasoner.rationale.sft import read_tasks
    from codereasoner.recipe import load_recipe
    from codereasoner.train.tiny import set_threads

    rec = load_recipe(recipe, [*overrides, f"train.threads={threads}", f"train.seed={seed}"])
    if rec.train.sft.max_steps < 1 or rec.train.grpo.max_steps < 1:
        raise ValueError("the quickstart counts optimizer steps: set train.sft.max_steps and train.grpo.max_steps")
    quiet_libraries(progress)
    set_threads(threads)
    out = Path(out_dir)
    clock = Clock()
    with lock(out):
        n_programs = programs or PROGRAMS
        summary = build_data(rec, n_programs, seed, out / "data", progress=progress, overwrite=overwrite)
        split = split_tasks(list(read_tasks(out / "data")), test=heldout, validation=validation, seed=seed)
        write_split(split, out / "split.json")
        clock.lap("data", programs=n_programs, tasks=summary.total_tasks, **split.counts())
        steps = {"sft": rec.train.sft.max_steps, "grpo": rec.train.sft.max_steps + rec.train.grpo.max_steps}
        steps["sft_matched"] = steps["grpo"]
        common: dict[str, Any] = {"validation": split.validation, "overwrite": overwrite}
        train = split.sft + split.rl
        with Executor(workers=1) as executor:
            start = start_stage(train, rec, out / "model0", executor=executor, overwrite=overwrite)
            clock.lap("start_model", parameters=parameter_count(start))
            # The control does not depend on the RL arm: with two threads it trains beside it, one core each.
            parallel, arm = threads >= 2, arm_recipe(rec, threads)
            with ExitStack() as stack:
                matched = None
                if parallel:
                    spawn = multiprocessing.get_context("spawn")
                    pool = stack.enter_context(ProcessPoolExecutor(1, mp_context=spawn))
                    matched = pool.submit(matched_arm, train, arm, out / "sft_matched", start, steps["sft_matched"],
                                          common)
                set_threads(arm.train.threads)
                models = {"sft": sft_stage(split.sft, arm, out / "sft", executor=executor, start=start,
                                           progress=progress, **common)}
                clock.lap("sft", steps=steps["sft"])
                models["grpo"] = grpo_stage(models["sft"], split.rl, arm, out / "grpo", executor=executor,
                                            progress=progress, **common)
                clock.lap("grpo", steps=rec.train.grpo.max_steps, reward=rec.rl_reward().name,
                          note="includes RL-task selection")
                if matched is None:
                    models["sft_matched"] = matched_arm(train, arm, out / "sft_matched", start, steps["sft_matched"],
                                                        common, executor=executor, progress=progress)[0]
                    clock.lap("sft_matched", steps=steps["sft_matched"])
                else:
                    models["sft_matched"], wall, cpu = matched.result()
                    clock.lap("sft_matched", steps=steps["sft_matched"], note="trained beside sft and grpo")
                    clock.stages["sft_matched"].update(seconds=wall, cpu_seconds=cpu)
            evals = {name: evaluate_stage(model, split.test, rec.train, out / name / "test.json",
                                          executor=executor) for name, model in models.items()}
            clock.lap("evaluate", tasks=len(split.test))
        return write_quickstart_report(out, rec, evals, models, steps, split, clock.stages,
                                       data={"programs": n_programs, "tasks": summary.total_tasks},
                                       parameters=parameter_count(models["grpo"]), seconds=clock.total())


def arm_recipe(rec: Recipe, threads: int) -> Recipe:
    """The recipe each arm trains with: with the control in a second process, each side gets half the threads
    (the trainers set torch's thread count from `train.threads`; two processes of 2 threads on 2 cores ran
    SFT ~3x slower than one thread each)."""
    from codereasoner.config import apply_overrides

    return apply_overrides(rec, [f"train.threads={threads // 2 or threads}"])  # 1 (or 0: torch's default) stays


def matched_arm(tasks: Sequence[Task], rec: Recipe, out: Path, start: Path, steps: int, common: dict[str, Any],
                executor: ExecutorLike | None = None, progress: bool = False) -> tuple[Path, float, float]:
    """The compute-matched SFT control; in a process of its own (`train.threads` threads) when `executor` is None.
    Returns (final model, wall seconds, CPU seconds)."""
    from codereasoner.execution import Executor
    from codereasoner.pipeline.common import quiet_libraries
    from codereasoner.pipeline.sft import sft_stage
    from codereasoner.train.tiny import set_threads

    wall, cpu = time.perf_counter(), time.process_time()
    with ExitStack() as stack:
        if executor is None:
            quiet_libraries(progress)
            set_threads(rec.train.threads)
            executor = stack.enter_context(Executor(workers=1))
        final = sft_stage(tasks, rec, out, executor=executor, start=start, steps=steps, progress=progress, **common)
    return final, round(time.perf_counter() - wall, 1), round(time.process_time() - cpu, 1)


def parameter_count(model: Path) -> int:
    from codereasoner.train.tiny import load_model

    return sum(p.numel() for p in load_model(model).parameters())

