"""`codereasoner experiment`: the seed papers' claims in miniature, each arm over several seeds, with 95 % intervals.

A claim compares two arms on the same data, split (test and validation programs unseen by skeleton) and
start model, trained with the same optimizer steps; only the thing the paper credits differs:
- `rl_vs_sft` (CodeReasoner, ExecVerify): SFT + GRPO vs SFT for as many steps on the same tasks;
- `whitebox_vs_output` (ExecVerify): GRPO with the white-box reward vs the output-only reward;
- `bilevel_vs_grpo` (StepCodeReasoner): Bi-Level GRPO vs plain GRPO on print-anchored tasks;
- `chains_vs_answers` (CodeReasoner): SFT on trace-guided reasoning chains vs on bare answers.
Everything is the tiny model on a CPU, so a claim "holds in miniature" or not; the papers' 7B numbers are not
being reproduced. Each seed retrains every arm (the data and split stay fixed, so the intervals cover
training seeds and the finite test set: `pipeline/stats.py`). Resumable: every stage keeps its outputs under
OUT/<claim>/seed-<k>/<arm>/ and a rerun skips what is done. Writes OUT/results.json, OUT/results.md and one
PNG per claim.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.config import apply_overrides
from codereasoner.jsonl import write_atomic
from codereasoner.outdir import lock
from codereasoner.recipe import Recipe, load_recipe

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike
    from codereasoner.pipeline.evaluate import Evaluation
    from codereasoner.pipeline.split import Split


@dataclass(frozen=True)
class Arm:
    """One way of training: `after_sft` = GRPO from the claim's shared SFT model; `matched` = SFT for the
    SFT + GRPO steps on the SFT + RL tasks from the same start; otherwise SFT alone. `overrides` are the
    recipe fields this arm changes."""

    name: str
    label: str
    after_sft: bool = False
    matched: bool = False
    overrides: tuple[str, ...] = ()


SFT_REFERENCE = Arm("sft", "SFT (reference)")
MINI = ("train.eval_every=0", "train.grpo.select_pool=1000")  # no curves; a smaller RL-task selection pool


@dataclass(frozen=True)
class Claim:
    """A seed paper's claim: `treatment` should beat `control`; `reference` arms are reported beside them."""

    name: str
    paper: str
    statement: str
    control: Arm
    treatment: Arm
    overrides: tuple[str, ...] = ()
    reference: tuple[Arm, ...] = ()
    programs: int = 12000
    test: int = 500
    validation: int = 300

    @property
    def arms(self) -> tuple[Arm, ...]:
        return (*self.reference, self.control, self.treatment)


CLAIMS = {c.name: c for c in (
    Claim("rl_vs_sft", "CodeReasoner, ExecVerify", "RL after SFT beats spending the same optimizer steps on SFT",
          control=Arm("sft_matched", "SFT, compute-matched", matched=True),
          treatment=Arm("grpo", "SFT + GRPO", after_sft=True), reference=(SFT_REFERENCE,), overrides=MINI),
    Claim("whitebox_vs_output", "ExecVerify", "a white-box reward (next-line and state questions) beats an "
          "output-only reward for output prediction",
          control=Arm("grpo_output", "GRPO, output reward", after_sft=True, overrides=("reward.name=output",)),
          treatment=Arm("grpo_whitebox", "GRPO, white-box reward", after_sft=True,
                        overrides=("reward.name=whitebox",)),
          reference=(SFT_REFERENCE,),
          # the tiny register's programs are short: ExecVerify's structural filter (loop or >= 5 lines) is off
          overrides=(*MINI, "data.kinds=[whitebox]", "data.questions_per_program=1", "data.structural_filter=false",
                     "train.grpo.max_steps=100",
                     "train.grpo.max_completion_length=64", "train.eval_max_new_tokens=64"), programs=8000),
    Claim("bilevel_vs_grpo", "StepCodeReasoner", "Bi-Level GRPO (per-anchor advantages) beats plain GRPO on the "
          "same anchor reward for the final answer",
          control=Arm("grpo_anchors", "GRPO, anchor reward", after_sft=True, overrides=("train.grpo.algorithm=grpo",)),
          treatment=Arm("bilevel", "Bi-Level GRPO, anchor reward", after_sft=True,
                        overrides=("train.grpo.algorithm=bilevel",)),
          reference=(SFT_REFERENCE,),
          overrides=(*MINI, "data.kinds=[anchors]", "data.anchor_modes=[output]", "data.max_anchors=4",
                     "reward.name=anchors", "train.grpo.max_steps=100", "train.grpo.max_completion_length=64",
                     "train.eval_max_new_tokens=64"), programs=8000),
    Claim("chains_vs_answers", "CodeReasoner", "SFT on trace-guided reasoning chains beats SFT on bare answers",
          control=Arm("sft_answers", "SFT on answers", overrides=("train.sft.chains=false",)),
          treatment=Arm("sft_chains", "SFT on concise chains", overrides=("train.sft.chains=true",)),
          overrides=(*MINI, "train.sft.max_steps=300", "train.eval_max_new_tokens=160")),
)}


def claim_recipe(claim: Claim, overrides: Sequence[str], threads: int) -> Recipe:
    return load_recipe("tiny", [*claim.overrides, *overrides, f"train.threads={threads}"])


def arm_model(arm: Arm, claim: Claim, rec: Recipe, split: Split, base: Path, executor: ExecutorLike,
              progress: bool) -> Path:
    """Train (or resume) one arm for one seed; returns its final model."""
    from codereasoner.pipeline.grpo import grpo_stage
    from codereasoner.pipeline.sft import sft_stage

    shared = base / "sft"
    if arm is SFT_REFERENCE or arm.after_sft or arm.matched:
        sft = sft_stage(split.sft, rec, shared, executor=executor, progress=progress)
    if arm is SFT_REFERENCE:
        return sft
    arm_rec = apply_overrides(rec, list(arm.overrides))
    if arm.after_sft:
        return grpo_stage(sft, split.rl, arm_rec, base / arm.name, executor=executor, progress=progress)
    if arm.matched:
        start = shared / "model0"
        steps = rec.train.sft.max_steps + rec.train.grpo.max_steps
        return sft_stage(split.sft + split.rl, arm_rec, base / arm.name, executor=executor, steps=steps,
                         start=start if start.is_dir() else None, progress=progress)
    return sft_stage(split.sft, arm_rec, base / arm.name, executor=executor, progress=progress)


def timed(path: Path, work: Any) -> Any:
    """Run `work()`; when `path` does not exist yet, write the wall and CPU seconds it took there."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    if not path.exists():
        write_atomic(path, json.dumps({"seconds": round(time.perf_counter() - wall, 1),
                                       "cpu_seconds": round(time.process_time() - cpu, 1)}) + "\n")
    return result


def run_claim(claim: Claim, out: Path, seeds: Sequence[int], *, overrides: Sequence[str] = (), threads: int = 1,
              progress: bool = True) -> dict[str, list[Evaluation]]:
    """Every arm of `claim` for every seed: {arm name: [Evaluation per seed]}."""
    from codereasoner.execution import Executor
    from codereasoner.pipeline.data import build_data
    from codereasoner.pipeline.evaluate import evaluate_stage
    from codereasoner.pipeline.split import split_tasks, write_split
    from codereasoner.rationale.sft import read_tasks

    rec = claim_recipe(claim, overrides, threads)
    build_data(rec, claim.programs, 0, out / "data", progress=progress)
    split = split_tasks(list(read_tasks(out / "data")), test=claim.test, validation=claim.validation, seed=0)
    write_split(split, out / "split.json")
    results: dict[str, list[Evaluation]] = {arm.name: [] for arm in claim.arms}
    with Executor(workers=1) as executor:
        for seed in seeds:
            seeded = apply_overrides(rec, [f"train.seed={seed}"])
            base = out / f"seed-{seed}"
            for arm in claim.arms:
                model = timed(base / arm.name / "timing.json",
                              lambda: arm_model(arm, claim, seeded, split, base, executor, progress))
                results[arm.name].append(evaluate_stage(model, split.test, seeded.train,
                                                        base / arm.name / "test.json", executor=executor))
    return results


def run_experiment(out_dir: str | Path, claims: Sequence[str] = (), *, seeds: Sequence[int] = (0, 1, 2),
                   overrides: Sequence[str] = (), threads: int = 1, progress: bool = True,
                   sizes: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Run (or resume) the named claims (all by default); write and return OUT/results.json. `sizes` may
    set `programs`, `test` and `validation` for every claim (smaller runs)."""
    from codereasoner.pipeline.common import quiet_libraries
    from codereasoner.pipeline.summary import summarise, write_results
    from codereasoner.train.tiny import set_threads

    names = list(claims) or list(CLAIMS)
    for name in names:
        if name not in CLAIMS:
            raise ValueError(f"no claim {name!r}; claims: {', '.join(CLAIMS)}")
    for name in names:  # every recipe resolves before any work
        claim_recipe(CLAIMS[name], overrides, threads)
    if not seeds:
        raise ValueError("need at least one seed")
    quiet_libraries(progress)
    set_threads(threads)
    out = Path(out_dir)
    with lock(out):
        summaries = {}
        for name in names:
            sized: dict[str, Any] = dict(sizes or {})
            claim = replace(CLAIMS[name], **sized)
            results = run_claim(claim, out / name, seeds, overrides=overrides, threads=threads, progress=progress)
            summaries[name] = summarise(claim, results, out / name, seeds)
        return write_results(out, summaries, list(seeds), list(overrides))


def describe() -> str:
    """The claims, one paragraph each (for --help and `--list`)."""
    import textwrap

    return "\n".join(textwrap.fill(f"{c.name} ({c.paper}): {c.statement}. Control: {c.control.label}; "
                                   f"treatment: {c.treatment.label}.", 100, subsequent_indent="  ")
                     for c in CLAIMS.values())


__all__ = ["CLAIMS", "Arm", "Claim", "describe", "run_experiment"]
