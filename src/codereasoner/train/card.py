"""The model card written next to every trained model (OUT/README.md and OUT/final/README.md).

Stage: train (no torch). TRL's own card says "fine-tuned version of [None]" for a local start model and
nothing about the data or the reward; this one is built from what the run recorded — OUT/params.json (the
stage's parameters: recipe, start model, tasks, reward, hyperparameters) and OUT/log.jsonl (the last logged
metrics) — so it is right after a resume too. `base_model` in the front matter is a hub id only when one is
known: the start model's own card names it, or the start directory sits in a hub cache
(`models--ORG--NAME/snapshots/...`); a plain local directory is named in the text instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from codereasoner.jsonl import write_atomic

_CACHE = re.compile(r"models--([^/]+?)--([^/]+)/snapshots/")
_FRONT_BASE = re.compile(r"^base_model:\s*(\S+)\s*$", re.M)
STAGES = {"sft": "supervised fine-tuning (SFT) on verified reasoning chains",
          "grpo": "GRPO on execution-verified rewards"}
SFT_DATA = {"answers": "supervised fine-tuning (SFT) on answers computed by execution (no reasoning chains)",
            "teacher": "supervised fine-tuning (SFT) on a teacher's reasoning chains, kept when verified"}


def base_model_id(start: str | Path | None) -> str | None:
    """The hub id the start model descends from, when it can be known without the hub."""
    if start is None:
        return None
    path = Path(start)
    card = path / "README.md"
    if card.is_file():
        text = card.read_text(encoding="utf-8", errors="replace")
        if text.startswith("---"):
            m = _FRONT_BASE.search(text.split("\n---", 1)[0])
            if m:
                return m.group(1)
    m = _CACHE.search(str(path.resolve()) + "/")
    return f"{m.group(1)}/{m.group(2)}" if m else None


def _params(out: Path) -> dict[str, Any]:
    file = out / "params.json"
    try:
        return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}
    except (OSError, ValueError):
        return {}


def _last_metrics(out: Path) -> dict[str, Any]:
    file = out / "log.jsonl"
    last: dict[str, Any] = {}
    if file.is_file():
        for line in file.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            last.update(row)
    return last


def _table(section: Mapping[str, Any]) -> list[str]:
    rows = ["| setting | value |", "|---|---|"]
    rows += [f"| {k} | {json.dumps(v) if isinstance(v, (list, dict)) else v} |" for k, v in sorted(section.items())]
    return rows


def _what(stage: str, params: Mapping[str, Any]) -> str:
    """What the stage trained on, from its parameters (teacher chains, bare answers or trace chains)."""
    section = params.get(stage)
    if stage == "sft" and str(params.get("chains", "")).startswith("given:"):
        return SFT_DATA["teacher"]
    if stage == "sft" and isinstance(section, Mapping) and section.get("chains") is False:
        return SFT_DATA["answers"]
    return STAGES.get(stage, stage)


def model_card(out: str | Path, stage: str, start: str | Path | None) -> str:
    """The card text for the run in `out` (see the module docstring)."""
    import importlib.metadata as md

    out = Path(out)
    params = _params(out)
    base = base_model_id(start)
    recipe = params.get("recipe", "custom")
    front = ["---", "library_name: transformers", "pipeline_tag: text-generation"]
    if base:
        front.append(f"base_model: {base}")
    front += ["tags:", "- codereasoner", "- code-execution-reasoning", "- trl", f"- {stage}", "---", ""]
    if start is None or params.get("start") == "new":
        origin = "the embedded tiny model, trained from scratch"
    elif _params(Path(start)).get("stage") == "start":  # a tiny model just built from its config (OUT/model0)
        origin = f"the embedded tiny model, trained from scratch (built in `{start}`)"
    else:
        origin = f"[{base}](https://huggingface.co/{base})" if base else f"the local checkpoint `{start}`"
    body = [f"# {out.name} — codereasoner {stage.upper()}", "",
            f"This model is {origin} after {_what(stage, params)}, with the codereasoner recipe "
            f"`{recipe}` (docs/recipes.md in the codereasoner repository).", "", "## Training", ""]
    if "tasks" in params:
        body.append(f"- tasks: {params['tasks']} (count:content hash)")
    if isinstance(params.get("reward"), Mapping):
        body.append(f"- reward: `{params['reward'].get('name')}` (docs/rewards.md)")
    if start is not None and params.get("start") != "new":
        body.append(f"- start model: `{start}`")
    section = params.get(stage)
    if isinstance(section, Mapping):
        body += ["", f"Hyperparameters (`train.{stage}`):", "", *_table(section)]
    metrics = {k: v for k, v in _last_metrics(out).items() if isinstance(v, (int, float))}
    if metrics:
        body += ["", "Last logged metrics:", "", *_table(metrics)]
    versions = []
    for pkg in ("codereasoner", "transformers", "trl", "torch"):
        try:
            versions.append(f"- {pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            continue
    run = f"codereasoner eval run --benchmark cruxeval --backend hf --model {out / 'final'} -o runs/eval-{out.name}"
    body += ["", "## Use", "", "```bash", run, "```", "", "## Framework versions", "", *versions, ""]
    return "\n".join(front + body)


def write_card(out: str | Path, stage: str, start: str | Path | None, *, to: str | Path | None = None) -> Path:
    """Write the card to `to` (default OUT/README.md) atomically; returns its path."""
    path = Path(to) if to is not None else Path(out) / "README.md"
    write_atomic(path, model_card(out, stage, start))
    return path
