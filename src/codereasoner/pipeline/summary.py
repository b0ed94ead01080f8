"""The experiment's results: per claim, each arm's mean test accuracy over seeds with its 95 % interval, the
paired difference treatment − control with its interval, a plain reading, and a PNG; all claims in
OUT/results.json and OUT/results.md.

Reading of a difference (in accuracy points): "holds" when its 95 % interval lies above 0, "reversed" when
it lies below 0, "not shown" when it contains 0 (the miniature cannot tell the arms apart).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.jsonl import write_atomic
from codereasoner.pipeline.common import load_info
from codereasoner.pipeline.stats import METHOD, bootstrap, mean

if TYPE_CHECKING:
    from codereasoner.pipeline.evaluate import Evaluation
    from codereasoner.pipeline.experiment import Claim


def reading(lo: float, hi: float) -> str:
    return "holds" if lo > 0 else "reversed" if hi < 0 else "not shown"


def _timing(out: Path, arm: str, seeds: Sequence[int]) -> dict[str, float]:
    total = {"seconds": 0.0, "cpu_seconds": 0.0}
    for seed in seeds:
        path = out / f"seed-{seed}" / arm / "timing.json"
        if path.is_file():
            for key, value in json.loads(path.read_text(encoding="utf-8")).items():
                total[key] = round(total.get(key, 0.0) + float(value), 1)
    return total


def summarise(claim: Claim, results: Mapping[str, list[Evaluation]], out: Path,
              seeds: Sequence[int]) -> dict[str, Any]:
    """One claim's table rows, difference and reading; writes OUT/<claim>.png beside its runs."""
    arms = {}
    for arm in claim.arms:
        runs = [list(e.correct) for e in results[arm.name]]
        lo, hi = bootstrap(runs, clusters=list(results[arm.name][0].clusters) or None)
        arms[arm.name] = {"label": arm.label, "accuracy": round(mean(runs), 4),
                          "ci95": [round(lo, 4), round(hi, 4)],
                          "per_seed": [round(e.accuracy, 4) for e in results[arm.name]],
                          **_timing(out, arm.name, seeds)}
    treated = [list(e.correct) for e in results[claim.treatment.name]]
    control = [list(e.correct) for e in results[claim.control.name]]
    clusters = list(results[claim.control.name][0].clusters) or None
    lo, hi = bootstrap(treated, control, clusters=clusters)
    diff = {"points": round(100 * (mean(treated) - mean(control)), 2),
            "ci95": [round(100 * lo, 2), round(100 * hi, 2)]}
    summary = {"paper": claim.paper, "statement": claim.statement, "control": claim.control.name,
               "treatment": claim.treatment.name, "arms": arms, "difference": diff, "reading": reading(lo, hi),
               "test_tasks": results[claim.control.name][0].n, "seeds": list(seeds),
               "overrides": list(claim.overrides)}
    summary["plot"] = str(plot_claim(claim.name, summary, out.parent / f"{claim.name}.png").name)
    return summary


def plot_claim(name: str, summary: Mapping[str, Any], path: Path) -> Path:
    """Bars: each arm's mean test accuracy with its 95 % interval; dots: the seeds."""
    from codereasoner.pipeline.report import pyplot

    plt = pyplot()
    arms = list(summary["arms"].values())
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 * len(arms) + 1.5), 3.6))
    for i, arm in enumerate(arms):
        ax.bar(i, arm["accuracy"], yerr=[[arm["accuracy"] - arm["ci95"][0]], [arm["ci95"][1] - arm["accuracy"]]],
               capsize=6, color="#4c72b0", alpha=0.8)
        ax.scatter([i] * len(arm["per_seed"]), arm["per_seed"], color="black", s=10, zorder=3)
    ax.set_xticks(range(len(arms)), [a["label"] for a in arms], fontsize=8)
    ax.set_ylabel(f"test accuracy ({summary['test_tasks']} tasks)")
    d = summary["difference"]
    ax.set_title(f"{name}: {d['points']:+.1f} points [{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}] "
                 f"({summary['reading']})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_results(out: Path, summaries: Mapping[str, Mapping[str, Any]], seeds: list[int],
                  overrides: list[str]) -> dict[str, Any]:
    results = {"claims": dict(summaries), "seeds": seeds, "overrides": overrides, "intervals": METHOD,
               "machine": load_info()}
    write_atomic(out / "results.json", json.dumps(results, indent=2) + "\n")
    write_atomic(out / "results.md", markdown(results))
    return results


def markdown(results: Mapping[str, Any]) -> str:
    lines = ["| claim (paper) | arm | test accuracy, mean over seeds | 95 % interval | per seed | CPU s (wall s) |",
             "|---|---|---|---|---|---|"]
    for name, c in results["claims"].items():
        for key, arm in c["arms"].items():
            role = " (treatment)" if key == c["treatment"] else " (control)" if key == c["control"] else ""
            seeds = ", ".join(f"{a:.3f}" for a in arm["per_seed"])
            lines.append(f"| {name} ({c['paper']}) | {arm['label']}{role} | {arm['accuracy']:.3f} | "
                         f"[{arm['ci95'][0]:.3f}, {arm['ci95'][1]:.3f}] | {seeds} | "
                         f"{arm['cpu_seconds']:.0f} ({arm['seconds']:.0f}) |")
    lines += ["", "| claim | statement | treatment − control (points) | 95 % interval | reading |",
              "|---|---|---|---|---|"]
    for name, c in results["claims"].items():
        d = c["difference"]
        lines.append(f"| {name} | {c['statement']} | {d['points']:+.1f} | "
                     f"[{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}] | {c['reading']} |")
    lines += ["", f"Seeds: {', '.join(map(str, results['seeds']))}. Intervals: {results['intervals']}. "
                  f"Timings are summed over seeds ({results['machine']}).", ""]
    lines += [f"![{name}]({c['plot']})" for name, c in results["claims"].items()]
    return "\n".join(lines) + "\n"


__all__ = ["markdown", "plot_claim", "reading", "summarise", "write_results"]
