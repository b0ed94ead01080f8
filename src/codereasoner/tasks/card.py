"""Tasks stage (data build): the dataset card, DIR/README.md — what was built, from what, and what was dropped.

Pure text from the build's counters: no timestamps or paths, so the same build gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from codereasoner.records import Task
from codereasoner.tasks.dataset import front_matter, licence

EXAMPLE_CHARS = 1500  # prompts longer than this are cut in the card (the data files hold them whole)


def render_card(recipe: Any, params: Mapping[str, Any], programs: Mapping[str, Any], total: Mapping[str, Any],
                examples: Sequence[Task], diversity: Any) -> str:
    tasks: Mapping[str, int] = total["tasks"]
    sources = recipe.data.sources
    lines = [
        front_matter([k for k, v in tasks.items() if v], sources, f"codereasoner {recipe.name}"),
        f"# codereasoner data: recipe `{recipe.name}`",
        "",
        recipe.description or "",
        "",
        f"Built by `codereasoner data build --recipe {recipe.name} --n {params['n']} --seed {params['seed']}` "
        f"(codereasoner {params['codereasoner']}, traces from CPython {params['python']}; the resolved recipe is "
        "in `config.json`). Load with `datasets.load_dataset(\"DIR\", \"all\")` (or a kind, or `programs`), "
        "or as typed records with `codereasoner.tasks.load_tasks(\"DIR\")`; `question` and `answer` are JSON text.",
        "",
        f"Licence: {licence(sources)[1]}",
        "",
        f"**{sum(tasks.values())} tasks** from {programs.get('kept', 0)} programs.",
        "",
        "## Tasks by kind and difficulty",
        "",
        *_kind_table(tasks, total["difficulty"]),
        "",
        "## Programs",
        "",
        "| step | count |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in programs.items() if k != "decontamination"],
        "",
        "## Decontamination",
        "",
        *_decontam(programs.get("decontamination", {})),
        "",
    ]
    if total["anchors"]:
        lines += ["## Anchors per task (StepCodeReasoner print lines)", "", "| prints | tasks |", "|---|---|",
                  *[f"| {k} | {v} |" for k, v in sorted(total["anchors"].items(), key=lambda kv: int(kv[0]))], ""]
    if total["drops"]:
        lines += ["## Questions not made", "", "| kind: reason | count |", "|---|---|",
                  *[f"| {k} | {v} |" for k, v in total["drops"].items()], ""]
    if diversity is not None:
        lines += ["## Diversity", "", "```", _as_text(diversity), "```", ""]
    lines += ["## Examples", ""]
    for task in examples:
        prompt = task.prompt if len(task.prompt) <= EXAMPLE_CHARS else task.prompt[:EXAMPLE_CHARS] + "\n…"
        lines += [f"### `{task.kind}` (difficulty {task.difficulty}, id `{task.id}`)", "", "Prompt:", "",
                  "````", prompt, "````", "", "Answer:", "", "```", json.dumps(task.answer, ensure_ascii=False),
                  "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _kind_table(tasks: Mapping[str, int], difficulty: Mapping[str, int]) -> list[str]:
    levels = sorted({int(k.rsplit("/", 1)[1]) for k in difficulty})
    head = "| kind | total | " + " | ".join(f"d{lv}" for lv in levels) + " |"
    rows = [head, "|---|---|" + "---|" * len(levels)]
    for kind, count in tasks.items():
        cells = [str(difficulty.get(f"{kind}/{lv}", 0)) for lv in levels]
        rows.append(f"| {kind} | {count} | " + " | ".join(cells) + " |")
    return rows


def _decontam(info: Mapping[str, Any]) -> list[str]:
    if not info.get("applied"):
        return [f"Not applied: {info.get('reason', 'unknown')}."]
    out = [f"{info['ngram']}-gram overlap with {', '.join(info['files'])}: **{info['removed']} programs removed**."]
    if info.get("missing"):
        out.append(f"Not found (not checked): {', '.join(info['missing'])}.")
    return out


def _as_text(report: Any) -> str:
    if isinstance(report, str):
        return report.strip()
    try:
        return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    except TypeError:
        return str(report)
