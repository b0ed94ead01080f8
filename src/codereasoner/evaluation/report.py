"""Evaluation: run reports — JSON with every verdict, a markdown table beside the papers' numbers, a PNG.

Reads `Report` records, writes `RUNDIR/report.json`, `RUNDIR/report.md`, `RUNDIR/scores.png`; `compare`
reads two such run directories and says what changed per benchmark and per task kind. Every file
names each report's benchmark version, scoring mode and limits (nothing implicit changes a score).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from codereasoner.jsonl import write_atomic
from codereasoner.records import JSON, Report, from_json, to_json

# The papers' numbers, pass@1 / accuracy as fractions. Source: StepCodeReasoner (arXiv 2605.11922)
# Tables 2 (CRUXEval, LiveCodeBench execution), 3 (REval) and 4 (code generation), transcribed in
# shared/spec/SEEDS.md §3.7. Columns: CX-O CX-I LCB-O LCB-I | Cov State Path Output | HumanEval MBPP.
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
    "GPT-4o": {"CX-O": .905, "CX-I": .806, "LCB-O": .848, "LCB-I": .653,
               "Cov": .875, "State": .724, "Path": .647, "Output": .845},
    "Qwen2.5-Coder-32B": {"CX-O": .752, "CX-I": .834, "LCB-O": .806, "LCB-I": .678,
                          "Cov": .856, "State": .667, "Path": .687, "Output": .833},
    "Qwen2.5-Coder-7B": {"HumanEval": .884, "MBPP": .835},
    "CodeReasoner-7B": {"CX-O": .856, "CX-I": .863, "LCB-O": .810, "LCB-I": .743,
                        "Cov": .864, "State": .672, "Path": .514, "Output": .843, "HumanEval": .876, "MBPP": .824},
    "CodeReasoner-14B": {"CX-O": .912, "CX-I": .868, "LCB-O": .866, "LCB-I": .825,
                         "Cov": .937, "State": .799, "Path": .606, "Output": .910, "HumanEval": .889, "MBPP": .841},
    "StepCodeReasoner-7B": {"CX-O": .916, "CX-I": .905, "LCB-O": .884, "LCB-I": .845,
                            "Cov": .944, "State": .823, "Path": .631, "Output": .918, "HumanEval": .901, "MBPP": .850},
}


def key_of(report: Report) -> str:
    """`benchmark/task`, e.g. `cruxeval/output` — how reports are matched across runs and to the papers."""
    return f"{report.benchmark}/{report.meta.get('task', '')}"


def headline(report: Report) -> tuple[str, float]:
    """The one number a paper reports for this report (metric name, value as a fraction)."""
    for name in ("pass@1", "accuracy", "ic"):
        if name in report.metrics:
            value = float(report.metrics[name])
            return name, value / 100 if name in ("pass@1", "ic") else value  # percent → fraction
    name, value = next(iter(report.metrics.items()))
    return name, float(value)


def write_run(run_dir: str | Path, reports: Sequence[Report], config: Mapping[str, JSON] | None = None) -> Path:
    """Write report.json, report.md and scores.png for one run; returns report.json's path."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    doc = {"config": dict(config or {}), "reports": [to_json(r) for r in reports]}
    write_atomic(run_dir / "report.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    write_atomic(run_dir / "report.md", markdown(reports, config))
    plot(reports, run_dir / "scores.png")
    return run_dir / "report.json"


def load_run(run_dir: str | Path) -> list[Report]:
    path = Path(run_dir)
    path = path / "report.json" if path.is_dir() else path
    if not path.exists():
        raise FileNotFoundError(f"{path}: no report.json (run `codereasoner eval run ... -o DIR` first)")
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [from_json(Report, r, f"{path}: reports[{i}]") for i, r in enumerate(doc.get("reports", []))]


def markdown(reports: Sequence[Report], config: Mapping[str, JSON] | None = None) -> str:
    """Our numbers in one table, then the papers' numbers for the same columns beside ours."""
    lines = ["# Evaluation report", ""]
    if config:
        lines += [f"- {k}: `{v}`" for k, v in config.items()] + [""]
    lines += ["| benchmark | task | version | mode | metrics |", "|---|---|---|---|---|"]
    for r in reports:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in r.metrics.items())
        lines.append(f"| {r.benchmark} | {r.meta.get('task', '')} | {r.version} | {r.mode} | {shown} |")
    cols = [(PAPER_COLUMNS[key_of(r)], r) for r in reports if key_of(r) in PAPER_COLUMNS]
    if cols:
        lines += ["", "## Beside the papers (StepCodeReasoner Tables 2–4; fractions)", ""]
        lines.append("| model | " + " | ".join(c for c, _ in cols) + " |")
        lines.append("|---" * (len(cols) + 1) + "|")
        lines.append("| **this run** | " + " | ".join(f"**{headline(r)[1]:.3f}**" for _, r in cols) + " |")
        for model, row in PAPERS.items():
            lines.append(f"| {model} | " + " | ".join(f"{row[c]:.3f}" if c in row else "–" for c, _ in cols) + " |")
    lines += ["", "Limits and rules per report are in report.json (`meta`)."]
    return "\n".join(lines) + "\n"


def plot(reports: Sequence[Report], path: str | Path) -> None:
    """A bar chart of each report's headline number (Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [key_of(r) for r in reports]
    values = [headline(r)[1] for r in reports]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(labels) + 1), 3.2))
    ax.bar(range(len(values)), values, color="#4C72B0")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("pass@1 / accuracy")
    for i, v in enumerate(values):
        ax.text(i, v + 0.02, f"{v:.3f}", ha="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def compare(run_a: str | Path, run_b: str | Path) -> str:
    """Markdown: each metric before/after/delta, and how many items flipped, per benchmark and task kind."""
    a = {key_of(r): r for r in load_run(run_a)}
    b = {key_of(r): r for r in load_run(run_b)}
    lines = [f"# {run_a} → {run_b}", "", "| benchmark/task | metric | before | after | Δ | fixed | broken |",
             "|---|---|---|---|---|---|---|"]
    for key in sorted(a.keys() | b.keys()):
        ra, rb = a.get(key), b.get(key)
        if ra is None or rb is None:
            lines.append(f"| {key} | (only in {'the second' if ra is None else 'the first'} run) | | | | | |")
            continue
        fixed, broken = _flips(ra, rb)
        for name in sorted(ra.metrics.keys() | rb.metrics.keys()):
            va, vb = ra.metrics.get(name), rb.metrics.get(name)
            delta = f"{vb - va:+.4g}" if va is not None and vb is not None else ""
            lines.append(f"| {key} | {name} | {_fmt(va)} | {_fmt(vb)} | {delta} | {fixed} | {broken} |")
            fixed = broken = ""  # flips once per benchmark/task
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
