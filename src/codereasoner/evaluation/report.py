"""Evaluation: run reports — JSON with every verdict, a markdown table beside the papers' numbers, a PNG.

Reads `Report` records, writes `RUNDIR/report.json`, `RUNDIR/report.md`, `RUNDIR/scores.png`; `compare`
reads two such run directories and says what changed per benchmark and per task kind. Every file
names each report's benchmark version, scoring mode, limits and how many items were scored (nothing
implicit changes a score), and every number in them is a percentage (docs/outputs.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from codereasoner.jsonl import write_atomic
from codereasoner.records import JSON, Report, from_json, to_json

# One unit everywhere: percent, as the official harnesses print pass@k. Benchmarks whose official rules
# compute fractions (REval's accuracy, precision, recall, F1) are converted once, by `in_percent`.
UNIT = "percent"
FRACTION_METRICS = frozenset({"accuracy", "precision", "recall", "f1"})

# The papers' numbers, pass@1 / accuracy in percent. Source: StepCodeReasoner (arXiv 2605.11922) Tables 2
# (CRUXEval, LiveCodeBench execution), 3 (REval) and 4 (code generation); all on the full benchmarks.
# Columns: CX-O CX-I LCB-O LCB-I | Cov State Path Output | HumanEval MBPP.
PAPER_COLUMNS = {
    "cruxeval/output": "CX-O",
    "cruxeval/input": "CX-I",
    "lcb_exec/output": "LCB-O",
    "lcb_exec/input": "LCB-I",
    "reval/coverage": "Cov",
    "reval/state": "State",
    "reval/path": "Path",
    "reval/output": "Output",
    "codegen/humaneval": "HumanEval",
    "codegen/mbpp": "MBPP",
}
PAPERS: dict[str, dict[str, float]] = {
    "GPT-4o": {"CX-O": 90.5, "CX-I": 80.6, "LCB-O": 84.8, "LCB-I": 65.3,
               "Cov": 87.5, "State": 72.4, "Path": 64.7, "Output": 84.5},
    "Qwen2.5-Coder-32B": {"CX-O": 75.2, "CX-I": 83.4, "LCB-O": 80.6, "LCB-I": 67.8,
                          "Cov": 85.6, "State": 66.7, "Path": 68.7, "Output": 83.3},
    "Qwen2.5-Coder-7B": {"HumanEval": 88.4, "MBPP": 83.5},
    "CodeReasoner-7B": {"CX-O": 85.6, "CX-I": 86.3, "LCB-O": 81.0, "LCB-I": 74.3,
                        "Cov": 86.4, "State": 67.2, "Path": 51.4, "Output": 84.3, "HumanEval": 87.6, "MBPP": 82.4},
    "CodeReasoner-14B": {"CX-O": 91.2, "CX-I": 86.8, "LCB-O": 86.6, "LCB-I": 82.5,
                         "Cov": 93.7, "State": 79.9, "Path": 60.6, "Output": 91.0, "HumanEval": 88.9, "MBPP": 84.1},
    "StepCodeReasoner-7B": {"CX-O": 91.6, "CX-I": 90.5, "LCB-O": 88.4, "LCB-I": 84.5,
                            "Cov": 94.4, "State": 82.3, "Path": 63.1, "Output": 91.8, "HumanEval": 90.1, "MBPP": 85.0},
}


def key_of(report: Report) -> str:
    """`benchmark/task`, e.g. `cruxeval/output` — how reports are matched across runs and to the papers."""
    return f"{report.benchmark}/{report.meta.get('task', '')}"


def in_percent(report: Report) -> Report:
    """The report with every metric in percent (`meta["unit"] == "percent"`); a no-op when it already is."""
    if report.meta.get("unit") == UNIT:
        return report
    metrics = {k: 100 * float(v) if k in FRACTION_METRICS else float(v) for k, v in report.metrics.items()}
    return Report(report.benchmark, report.version, report.mode, metrics, report.verdicts,
                  {**report.meta, "unit": UNIT})


def headline(report: Report) -> tuple[str, float]:
    """The one number a paper reports for this report (metric name, value in percent)."""
    report = in_percent(report)
    for name in ("pass@1", "accuracy", "ic"):
        if name in report.metrics:
            return name, float(report.metrics[name])
    name, value = next(iter(report.metrics.items()))
    return name, float(value)


def size(report: Report) -> tuple[int | None, int | None]:
    """(items scored, items in the whole benchmark), None where the report does not say."""
    items, total = report.meta.get("items"), report.meta.get("benchmark_items")
    return (int(items) if isinstance(items, int) else None, int(total) if isinstance(total, int) else None)


def is_subset(report: Report) -> bool:
    items, total = size(report)
    return items is not None and total is not None and items < total


def write_run(run_dir: str | Path, reports: Sequence[Report], config: Mapping[str, JSON] | None = None) -> Path:
    """Write report.json, report.md and scores.png for one run; returns report.json's path."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    reports = [in_percent(r) for r in reports]
    doc = {"unit": UNIT, "config": dict(config or {}), "reports": [to_json(r) for r in reports]}
    write_atomic(run_dir / "report.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    write_atomic(run_dir / "report.md", markdown(reports, config))
    plot(reports, run_dir / "scores.png")
    return run_dir / "report.json"


def load_run(run_dir: str | Path) -> list[Report]:
    """The reports of a run directory (or a report.json path), metrics in percent."""
    path = Path(run_dir)
    path = path / "report.json" if path.is_dir() else path
    if not path.exists():
        raise FileNotFoundError(f"{path}: no report.json (run `codereasoner eval run ... -o DIR` first)")
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [in_percent(from_json(Report, r, f"{path}: reports[{i}]")) for i, r in enumerate(doc.get("reports", []))]


def _items_cell(report: Report) -> str:
    items, total = size(report)
    if items is None:
        return "?"
    if total is None or items == total:
        return str(items)
    return f"{items} of {total} (subset)" if items < total else f"{items} (benchmark: {total})"


def markdown(reports: Sequence[Report], config: Mapping[str, JSON] | None = None) -> str:
    """Our numbers in one table, then the papers' numbers for the same columns beside ours."""
    reports = [in_percent(r) for r in reports]
    lines = ["# Evaluation report", "", "All scores are percentages (0–100): pass@k as the official harnesses compute "
             "it, accuracies ×100.", ""]
    if config:
        lines += [f"- {k}: `{v}`" for k, v in config.items()] + [""]
    lines += ["| benchmark | task | items | version | mode | scores (%) |", "|---|---|---|---|---|---|"]
    for r in reports:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in r.metrics.items())
        lines.append(f"| {r.benchmark} | {r.meta.get('task', '')} | {_items_cell(r)} | {r.version} | {r.mode} "
                     f"| {shown} |")
    cols = [(PAPER_COLUMNS[key_of(r)], r) for r in reports if key_of(r) in PAPER_COLUMNS]
    if cols:
        lines += ["", "## Beside the papers (StepCodeReasoner Tables 2–4; percent, full benchmarks)", ""]
        subset = [c for c, r in cols if is_subset(r)]
        if subset:
            lines += [f"**Not comparable as it stands:** this run scored only part of {', '.join(subset)} (marked †; "
                      "see the items column above); the papers' numbers are on every item.", ""]
        lines.append("| model | " + " | ".join(c for c, _ in cols) + " |")
        lines.append("|---" * (len(cols) + 1) + "|")
        lines.append("| **this run** | " + " | ".join(
            f"**{headline(r)[1]:.1f}**" + ("†" if is_subset(r) else "") for _, r in cols) + " |")
        for model, row in PAPERS.items():
            lines.append(f"| {model} | " + " | ".join(f"{row[c]:.1f}" if c in row else "–" for c, _ in cols) + " |")
    lines += ["", "Each report's sampling settings, time limits and per-item verdicts are in report.json."]
    return "\n".join(lines) + "\n"


def plot(reports: Sequence[Report], path: str | Path) -> None:
    """A bar chart of each report's headline number (Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [key_of(r) + (" (subset)" if is_subset(r) else "") for r in reports]
    values = [headline(r)[1] for r in reports]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(labels) + 1), 3.2))
    ax.bar(range(len(values)), values, color="#4C72B0")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("pass@1 / accuracy (%)")
    for i, v in enumerate(values):
        ax.text(i, v + 2, f"{v:.1f}", ha="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def compare(run_a: str | Path, run_b: str | Path) -> str:
    """Markdown: each metric before/after/delta, and how many items flipped, per benchmark and task kind."""
    a = {key_of(r): r for r in load_run(run_a)}
    b = {key_of(r): r for r in load_run(run_b)}
    lines = [f"# {run_a} → {run_b}", "", "Scores in percent; Δ in percentage points.", "",
             "| benchmark/task | metric | before | after | Δ | fixed | broken |", "|---|---|---|---|---|---|---|"]
    for key in sorted(a.keys() | b.keys()):
        ra, rb = a.get(key), b.get(key)
        if ra is None or rb is None:
            lines.append(f"| {key} | (only in {'the second' if ra is None else 'the first'} run) | | | | | |")
            continue
        flips = _flips(ra, rb)
        fixed, broken = str(flips[0]), str(flips[1])
        for name in sorted(ra.metrics.keys() | rb.metrics.keys()):
            va, vb = ra.metrics.get(name), rb.metrics.get(name)
            delta = f"{vb - va:+.4g}" if va is not None and vb is not None else ""
            lines.append(f"| {key} | {name} | {_fmt(va)} | {_fmt(vb)} | {delta} | {fixed} | {broken} |")
            fixed = broken = ""  # flips once per benchmark/task
        if size(ra)[0] != size(rb)[0]:
            lines.append(f"| {key} | ⚠ items differ: {_items_cell(ra)} vs {_items_cell(rb)} | | | | | |")
        if ra.mode != rb.mode or ra.version != rb.version:
            lines.append(f"| {key} | ⚠ mode/version differ: {ra.mode}/{ra.version} vs {rb.mode}/{rb.version} | | | | | |")
    return "\n".join(lines) + "\n"


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.4g}"


def _flips(ra: Report, rb: Report) -> tuple[int, int]:
    """Verdicts that went wrong → right (fixed) and right → wrong (broken), matched by verdict id."""
    before = {v.id: v.correct for v in ra.verdicts}
    fixed = broken = 0
    for v in rb.verdicts:
        if v.id in before and before[v.id] != v.correct:
            fixed += v.correct
            broken += not v.correct
    return fixed, broken
