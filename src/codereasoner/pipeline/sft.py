"""The SFT stage: tasks → verified samples (trace chains or bare answers) → start model → SFT → OUT/final.

Used by `codereasoner train sft`, the quickstart (the SFT arm and the compute-matched SFT control) and
`codereasoner experiment`. OUT/params.json holds what the model depends on (the start model, the tasks, the
`train` settings that shape training); a rerun with the same parameters resumes from the newest checkpoint,
different ones are refused naming the changed keys unless `overwrite`. Writes OUT/samples.jsonl (what was
trained on), OUT/model0/ (the tiny model and its tokenizer, when training starts from scratch),
checkpoints, OUT/log.jsonl, OUT/validation.jsonl (the validation curve) and OUT/final/.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.jsonl import BadLine, read_records, write_jsonl_atomic
from codereasoner.outdir import claim
from codereasoner.pipeline.common import digest, model_ref, section, validation_callbacks
from codereasoner.recipe import Recipe
from codereasoner.records import Sample, Task

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

OWNED = ("final", "final.tmp", "checkpoint-*", "model0", "samples.jsonl", "log.jsonl", "validation.jsonl",
         "test.json", "timing.json", "runs")


def with_steps(rec: Recipe, steps: int | None) -> Recipe:
    """`rec` with `train.sft.max_steps` set (the compute-matched control runs longer)."""
    if steps is None:
        return rec
    sft = dataclasses.replace(rec.train.sft, max_steps=steps)
    return dataclasses.replace(rec, train=dataclasses.replace(rec.train, sft=sft))


def sft_params(rec: Recipe, tasks: Sequence[Task], start: Path | None, validation: Sequence[Task]) -> dict[str, Any]:
    """What an SFT model depends on (not threads, logging or progress)."""
    cfg = rec.train
    return {"stage": "sft", "recipe": rec.name, "start": model_ref(start) if start else "new",
            "model": cfg.model, "seed": cfg.seed, "dtype": cfg.dtype, "tiny": section(cfg.tiny),
            "sft": section(cfg.sft), "tasks": digest(tasks), "validation": digest(validation),
            "eval_every": cfg.eval_every, "eval_max_new_tokens": cfg.eval_max_new_tokens}


def samples(tasks: Sequence[Task], rec: Recipe, out: Path, executor: ExecutorLike | None,
            given: Sequence[Sample] | None = None) -> list[Sample]:
    """The verified SFT samples for `tasks` (or the `given` ones, e.g. teacher chains), kept in OUT/samples.jsonl."""
    from codereasoner.rationale.sft import sft_samples

    path = out / "samples.jsonl"
    if given is not None and not path.is_file():
        write_jsonl_atomic(path, list(given))
    if path.is_file():
        rows = list(read_records(path, Sample))
        bad = [r for r in rows if isinstance(r, BadLine)]
        if bad:
            raise ValueError(f"{bad[0].error}; delete {path} to make the samples again")
        return [r for r in rows if isinstance(r, Sample)]
    made = sft_samples(tasks, chains=rec.train.sft.chains, concise=rec.train.sft.concise, executor=executor)
    if not made:
        raise ValueError(f"none of the {len(tasks)} tasks gave a verified SFT sample")
    write_jsonl_atomic(path, made)
    return made


def _completions_hash(given: Sequence[Sample]) -> str:
    import hashlib

    return hashlib.sha256("\n".join(s.completion for s in given).encode()).hexdigest()[:16]


def start_stage(tasks: Sequence[Task], rec: Recipe, out_dir: str | Path, *,
                executor: ExecutorLike | None = None, overwrite: bool = False) -> Path:
    """The start model several arms share: the recipe's checkpoint, or the tiny model built in OUT with a
    tokenizer trained on the SFT samples of `tasks` (every training task, so no arm meets unseen text)."""
    from codereasoner.train import runner

    if rec.train.model != "tiny":
        return runner.init_model(rec.train, [], out_dir)
    out = Path(out_dir)
    cfg = rec.train
    params = {"stage": "start", "seed": cfg.seed, "tiny": section(cfg.tiny), "tasks": digest(tasks),
              "chains": cfg.sft.chains, "concise": cfg.sft.concise}
    with claim(out, params, what="start model", owned=("*",), overwrite=overwrite):
        made = samples(tasks, rec, out, executor)
        return runner.init_model(cfg, [s.task.prompt + "\n" + s.completion for s in made], out)


def sft_stage(tasks: Sequence[Task], rec: Recipe, out_dir: str | Path, *, executor: ExecutorLike | None = None,
              start: str | Path | None = None, steps: int | None = None, validation: Sequence[Task] = (),
              overwrite: bool = False, progress: bool = True, given: Sequence[Sample] | None = None) -> Path:
    """SFT on `tasks` from `start` (default: the recipe's model; the tiny one is built in OUT/model0 with a
    tokenizer trained on these samples); `steps` overrides `train.sft.max_steps`; `given` samples (teacher
    chains from `data distill`) replace the trace-guided ones. Returns OUT/final."""
    from codereasoner.train import runner

    rec = with_steps(rec, steps)
    out = Path(out_dir)
    start_path = Path(start) if start is not None else None
    params = sft_params(rec, tasks, start_path, validation)
    if given is not None:
        params["chains"] = "given:" + digest([s.task for s in given]) + ":" + _completions_hash(given)
    with claim(out, params, what="training run (SFT)", owned=OWNED, overwrite=overwrite):
        made = samples(tasks, rec, out, executor, given)
        if start_path is None:
            start_path = runner.init_model(rec.train, [s.task.prompt + "\n" + s.completion for s in made],
                                           out / "model0")
        callbacks = validation_callbacks(validation, start_path, rec.train, out, executor)
        return runner.run_sft(start_path, made, rec.train, out, callbacks=callbacks, progress=progress)
