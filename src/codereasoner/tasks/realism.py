"""Tasks stage (data build): what the data teaches, in the dataset card — the realism measures of the kept programs.

The build measures what it already has (no extra runs): the static measures of `programs.stats` (constructs,
method calls, degenerate constructs, lines, string arguments), output types and trivial outputs from each
program's result, and trace line-steps per level from its traced run (`meta["steps"]`). Input independence
is 0 by construction there (the filter dropped those programs); `codereasoner data stats DIR` re-measures
everything in the engine on fresh inputs, optionally beside a benchmark, and rewrites the card's section.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from codereasoner.programs.stats import CONSTRUCTS, DEGENERATE, TARGETED, Realism, is_trivial, measure, output_type
from codereasoner.records import Program

SECTION = "## What the data teaches"


def from_build(programs: Sequence[Program]) -> Realism:
    """The realism measures of kept programs, from their code, call, `meta["result"]` and `meta["steps"]`."""
    report = measure(programs)
    results = [p.meta["result"] for p in programs if isinstance(p.meta.get("result"), str)]
    if results:
        report.outputs = len(results)
        report.trivial_outputs = round(sum(map(is_trivial, results)) / len(results), 4)
        types = Counter(output_type(r) for r in results)
        report.output_types = {t: round(c / len(results), 4) for t, c in types.most_common()}
    steps: dict[int, list[int]] = defaultdict(list)
    for p in programs:
        if isinstance(p.meta.get("steps"), int):
            steps[p.difficulty].append(p.meta["steps"])
    if steps:
        flat = [s for v in steps.values() for s in v]
        report.steps_mean = round(sum(flat) / len(flat), 2)
        report.steps_per_level = {k: round(sum(v) / len(v), 2) for k, v in sorted(steps.items())}
    return report


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def section(ours: Mapping[str, Any], reference: Mapping[str, Any] | None = None, against: str | None = None,
            checks: Sequence[Mapping[str, Any]] | None = None, note: str = "") -> list[str]:
    """The card's section: a table of the headline measures (beside the reference's when there is one),
    constructs, output types, lines and trace steps per level, the most frequent method calls."""
    ref = reference or {}
    head = ["| measure | this data |" + (f" {against} |" if reference else ""),
            "|---|---|" + ("---|" if reference else "")]

    def row(name: str, key: str, fmt: Any = _pct, sub: str | None = None) -> str:
        mine = ours.get(key) if sub is None else ours.get(key, {}).get(sub)
        theirs = ref.get(key) if sub is None else ref.get(key, {}).get(sub)
        return f"| {name} | {fmt(mine)} |" + (f" {fmt(theirs)} |" if reference else "")

    lines = [SECTION, "", *([note, ""] if note else []), *head,
             row("programs (function + call)", "programs", lambda v: "–" if v is None else str(v)),
             row("functions", "functions", lambda v: "–" if v is None else str(v)),
             row("output never changes over >= 4 inputs", "input_independent"),
             row("trivial outputs (bool, None, 0, ±1, empty)", "trivial_outputs"),
             row("method-call JSD to the reference", "method_jsd", lambda v: "–" if v is None else f"{v:.3f}"),
             row("string arguments with a space", "string_args_with_space"),
             row("empty collection arguments", "empty_collection_args"),
             row("lines per function (mean)", "lines_mean", lambda v: "–" if v is None else f"{v:.1f}"),
             row("trace line-steps per call (mean)", "steps_mean", lambda v: "–" if v is None else f"{v:.1f}")]
    lines += [row(f"functions with {c.replace('_', '/')}" + (" (target)" if c in TARGETED else ""), "constructs",
                  sub=c) for c in CONSTRUCTS]
    lines += [row(f"functions with {d.replace('_', ' ')}", "degenerate", sub=d) for d in DEGENERATE]
    levels = sorted(set(ours.get("lines_per_level", {})) | set(ours.get("steps_per_level", {})), key=int)
    if levels:
        lines += ["", "| level | lines | trace line-steps |", "|---|---|---|"]
        for lv in levels:
            n_lines = ours.get("lines_per_level", {}).get(lv, "–")
            n_steps = ours.get("steps_per_level", {}).get(lv, "–")
            lines.append(f"| {lv} | {n_lines} | {n_steps} |")
    if ours.get("output_types"):
        kinds = list(ours["output_types"])[:8]
        lines += ["", "Output types: " + ", ".join(f"{k} {_pct(ours['output_types'][k])}" for k in kinds) + "."]
    if ours.get("method_calls"):
        top = list(ours["method_calls"].items())[:12]
        lines += ["", "Most called methods: " + ", ".join(f"`{m}` {n}" for m, n in top) + "."]
    if checks:
        lines += ["", f"Targets against {against} (docs/data.md):", "", "| measure | this data | target | met |",
                  "|---|---|---|---|"]
        for c in checks:
            value = "–" if c["ours"] is None else f"{c['ours']:.4f}"
            lines.append(f"| {c['name']} | {value} | {c['target']} | {'yes' if c['passed'] else 'no'} |")
    return lines + [""]


def replace_section(card: str, lines: Sequence[str]) -> str:
    """`card` with its realism section replaced by `lines` (inserted before the examples if it has none)."""
    text = "\n".join(lines).rstrip() + "\n\n"
    if SECTION in card:
        before, _, rest = card.partition(SECTION)
        after = rest.split("\n## ", 1)
        return before + text + ("## " + after[1] if len(after) > 1 else "")
    if "\n## Examples" in card:
        before, _, rest = card.partition("\n## Examples")
        return before.rstrip("\n") + "\n\n" + text + "## Examples" + rest
    return card.rstrip("\n") + "\n\n" + text
