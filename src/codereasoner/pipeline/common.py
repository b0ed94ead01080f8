"""What the training stages share: the identity of tasks and models in parameter files, validation curves,
and quiet libraries.

A stage's parameters name its inputs by content, not by path alone: `digest(tasks)` hashes the task records,
and `model_ref(dir)` is the model directory plus a hash of the parameters of the stage that made it, so a
retrained upstream stage changes every downstream stage's parameters and is never silently reused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.jsonl import dumps
from codereasoner.outdir import PARAMS_FILE
from codereasoner.records import Task

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike
    from codereasoner.train.config import TrainConfig


def digest(tasks: Sequence[Task]) -> str:
    """A short content hash of task records (order included)."""
    h = hashlib.sha256()
    for t in tasks:
        h.update(dumps(t).encode())
        h.update(b"\n")
    return f"{len(tasks)}:{h.hexdigest()[:16]}"


def model_ref(path: str | Path) -> dict[str, str]:
    """A model made by a stage: the hash of that stage's parameters file (so an output directory can be moved
    and still resume); any other model directory: its path."""
    p = Path(path)
    for marker in (p.parent / PARAMS_FILE, p / PARAMS_FILE):
        if marker.is_file():
            return {"made_by": hashlib.sha256(marker.read_bytes()).hexdigest()[:16], "name": p.name}
    return {"path": str(p)}


def quiet_libraries(progress: bool) -> None:
    """Library chatter (deprecations, weight loading) is not progress; without `progress`, no library bars
    either (transformers' and datasets' own tqdm bars, e.g. "Map" over a training set)."""
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="trl")
    if not progress:
        import datasets

        datasets.disable_progress_bars()


def read_curve(path: str | Path) -> list[dict[str, Any]]:
    """JSONL rows with a `step`, one per step (merged; per key the last row wins: a resumed run logs a step again)."""
    from codereasoner.train.curves import read_log

    return read_log(path)


def curve_recorder(path: Path) -> Callable[[int, float], None]:
    """Append (step, validation accuracy) rows to `path`."""
    def record(step: int, acc: float) -> None:
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"step": step, "validation_accuracy": acc}) + "\n")

    return record


def validation_callbacks(validation: Sequence[Task], start: Path, cfg: TrainConfig, out: Path,
                         executor: ExecutorLike | None) -> list[Any]:
    """A callback measuring greedy validation accuracy every `cfg.eval_every` steps into OUT/validation.jsonl
    (tuning looks at validation, never at the test set); none when `eval_every` is 0 or there is none."""
    if not cfg.eval_every or not validation:
        return []
    from codereasoner.train.heldout import accuracy_callback
    from codereasoner.train.tiny import load_tokenizer

    return [accuracy_callback(validation, load_tokenizer(start), cfg.eval_every,
                              curve_recorder(out / "validation.jsonl"), executor=executor,
                              max_new_tokens=cfg.eval_max_new_tokens)]


def section(obj: Any) -> Mapping[str, Any]:
    """A config dataclass as plain data (for parameter files)."""
    from codereasoner.config import to_dict

    return to_dict(obj)


def load_info() -> str:
    """The machine's load when a result was written (wall times on a shared machine are pessimistic)."""
    import os

    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"
