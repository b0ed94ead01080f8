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
                examples: Sequence[Task], diversity: Any, realism: Mapping[str, Any] | None = None) -> str:
    tasks: Mapping[str, int] = total["tasks"]
    sources = recipe.data.sources
    notes = programs.get("sources", {})
    declared = {name: note["licence"] for name, note in notes.items() if note.get("licence")}
    lines = [
        front_matter([k for k, v in tasks.items() if v], sources, f"codereasoner {recipe.name}", declared),
        f"# codereasoner data: recipe `{recipe.name}`",
        "",
        recipe.description or "",
        "",
        f"Built by `codereasoner data build --recipe {recipe.name} --n {params['n']} --seed {params['seed']}` "
        f"(codereasoner {params['codereasoner']}, traces from CPython {params['python']}; the resolved recipe is "
        "in `config.json`). Load with `datasets.load_dataset(\"DIR\", \"all\")` (or a kind, or `programs`), "
        "or as typed records with `codereasoner.tasks.load_tasks(\"DIR\")`; `question` and `answer` are JSON text.",
        "",
        f"Licence: {licence(sources, declared)[1]}",
        "",
        f"**{sum(tasks.values())} tasks** from {programs.get('kept', 0)} programs.",
        "",
        "## Tasks by kind and difficulty",
        "",
        *_kind_table(tasks, total["difficulty"]),
        "",
        "## Programs",
        "",
        *_program_lines(programs),
        "",
        *_source_lines(notes),
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
    if total.get("hardness"):
        lines += ["## Difficulty filter (ExecVerify)", "", "Right answers out of k per program sampled from the "
                  "model in `data.hardness` (programs with >= t were dropped):", "", "| right | programs |",
                  "|---|---|",
                  *[f"| {k} | {v} |" for k, v in sorted(total["hardness"].items(), key=lambda kv: int(kv[0]))],
                  ""]
    if realism is not None:
        from codereasoner.tasks.realism import section

        lines += section(realism, note="Measured on the kept programs during the build (input independence is 0 "
                                       "by construction: the filter dropped those); `codereasoner data stats DIR "
                                       "--against cruxeval` re-measures in the engine beside a benchmark.")
    if diversity is not None:
        lines += ["## Diversity", "", "```", _as_text(diversity), "```", ""]
    lines += ["## Examples", ""]
    for task in examples:
        prompt = task.prompt if len(task.prompt) <= EXAMPLE_CHARS else task.prompt[:EXAMPLE_CHARS] + "\n…"
        lines += [f"### `{task.kind}` (difficulty {task.difficulty}, id `{task.id}`)", "", "Prompt:", "",
                  "````", prompt, "````", "", "Answer:", "", "```", json.dumps(task.answer, ensure_ascii=False),
                  "```", ""]
    return "\n".join(lines).rstrip() + "\n"


# What each program counter means (docs/data.md lists the same reasons), in the order the build applies them.
STEPS = {
    "drawn": "drawn from the sources",
    "with_inputs": "with extra mutated inputs (`data.inputs_per_program`)",
    "to_engine": "left after deduplication and decontamination",
    "kept": "kept: every gate passed, tasks made from these",
}
REASONS = {
    "duplicates": ("draw", "same function and call as an earlier program (names, layout, comments ignored)"),
    "contaminated": ("decontamination", "shares an n-gram with a benchmark"),
    "static_identical_operands": ("static", "identical operands (`x == x`, `a - a`, `p and p`)"),
    "static_dead_local": ("static", "assigns a local it never reads"),
    "static_unused_loop_var": ("static", "a loop variable the loop never reads"),
    "static_literal_compare_return": ("static", "returns only a comparison with a literal"),
    "engine_status_error": ("engine", "raised an exception"),
    "engine_status_timeout": ("engine", "ran out of time"),
    "engine_status_memory_exceeded": ("engine", "ran out of memory"),
    "engine_status_output_exceeded": ("engine", "printed too much"),
    "engine_status_crashed": ("engine", "its process died"),
    "engine_status_invalid": ("engine", "not a runnable record"),
    "engine_too_long": ("engine", "result longer than `data.max_answer_chars`"),
    "engine_prints": ("engine", "prints (answers must not depend on stdout)"),
    "engine_not_literal": ("engine", "result is not a literal"),
    "engine_hash_order": ("engine", "a traced set of strings (its order follows the hash seed)"),
    "engine_no_trace": ("engine", "no trace came back"),
    "engine_nondeterministic": ("engine", "another result under hash seed 1"),
    "input_independent": ("input dependence", "the same output on every input tried (>= 4 distinct)"),
    "output_cap_same_result": ("output caps", "its result is already `data.filters.max_share` of the shard"),
    "output_cap_bool": ("output caps", "bool result over `data.filters.max_bool`"),
    "output_cap_none": ("output caps", "None result over `data.filters.max_none`"),
    "output_cap_empty": ("output caps", "empty result over `data.filters.max_empty`"),
    "output_cap_zero": ("output caps", "0 result over `data.filters.max_zero`"),
    "output_cap_one": ("output caps", "1/-1 result over `data.filters.max_one`"),
    "too_easy": ("hardness", "the model solved it >= t of k times (`data.hardness`)"),
}
NOTES = {"independence_unmeasured": "programs kept without an input-dependence verdict (too few inputs ran ok)"}


def _program_lines(programs: Mapping[str, Any]) -> list[str]:
    lines = ["| step | programs |", "|---|---|"]
    lines += [f"| {text} | {programs[k]} |" for k, text in STEPS.items() if k in programs]
    lines += ["", "Dropped, by the first gate that stopped each program (docs/data.md):", "",
              "| gate | reason | programs |", "|---|---|---|"]
    known = [k for k in REASONS if k in programs]
    unknown = sorted(k for k in programs if k not in REASONS and k not in STEPS and k not in NOTES
                     and isinstance(programs[k], int))
    lines += [f"| {REASONS[k][0]} | {REASONS[k][1]} | {programs[k]} |" for k in known]
    lines += [f"| other | {k} | {programs[k]} |" for k in unknown]
    lines += [f"\n{text}: {programs[k]}." for k, text in NOTES.items() if programs.get(k)]
    return lines


def _source_lines(notes: Mapping[str, Any]) -> list[str]:
    """Per source: programs drawn, its own counters (LLM: prompts, parsed, unparsable answers; corpus: why
    functions were not extracted), its licence."""
    if not notes:
        return []
    lines = ["## Sources", "", "| source | drawn | licence | its own counts |", "|---|---|---|---|"]
    for name, note in notes.items():
        counts = ", ".join(f"{k}: {v}" for k, v in note.get("stats", {}).items()) or "-"
        lines.append(f"| {name} | {note.get('drawn', 0)} | {note.get('licence') or '-'} | {counts} |")
    return lines + [""]


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
