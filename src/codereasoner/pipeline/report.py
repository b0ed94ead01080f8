"""The report stage: report.json, report.md and PNG plots for the quickstart (and the plot helpers the
experiment command shares).

report.json keeps the contract of `docs/experiments.md`: `sft`, `sft_matched` and `grpo`, each
`{"accuracy", "ci95": [lo, hi], ...}`, on the same `heldout_tasks` test tasks, plus the paired differences
with their intervals and whether GRPO beat the compute-matched control by the goal margin. Plots use
matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from codereasoner.jsonl import write_atomic
from codereasoner.pipeline.common import load_info, read_curve
from codereasoner.pipeline.evaluate import Evaluation
from codereasoner.pipeline.stats import METHOD, bootstrap

ARMS = {"sft": "SFT", "sft_matched": "SFT, compute-matched", "grpo": "SFT + GRPO"}
GOAL_POINTS = 2.0  # GRPO must beat the compute-matched SFT control by this much to count as an RL gain


def difference(a: Evaluation, b: Evaluation) -> dict[str, Any]:
    """a - b in accuracy points, with the paired bootstrap interval over the shared test tasks' skeletons."""
    lo, hi = bootstrap([a.correct], [b.correct], clusters=a.clusters or None)
    return {"points": round(100 * (a.accuracy - b.accuracy), 2), "ci95": [round(100 * lo, 2), round(100 * hi, 2)]}


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def bar_plot(rows: Sequence[tuple[str, float, float, float]], path: Path, title: str,
             ylabel: str = "test accuracy (greedy)") -> Path:
    """One bar per (label, value, lo, hi) with its 95 % interval as an error bar."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 1.3 * len(rows) + 1.5), 3.6))
    labels = [r[0] for r in rows]
    values = [r[1] for r in rows]
    err = [[r[1] - r[2] for r in rows], [r[3] - r[1] for r in rows]]
    ax.bar(range(len(rows)), values, yerr=err, capsize=6, color="#4c72b0", alpha=0.85)
    for i, v in enumerate(values):
        ax.text(i, v, f" {v:.3f}", ha="left", va="bottom", fontsize=8)
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def line_plot(series: Mapping[str, tuple[Sequence[float], Sequence[float]]], path: Path, title: str,
              xlabel: str, ylabel: str, marker: str = "o") -> Path:
    """One line per labelled (xs, ys)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for label, (xs, ys) in series.items():
        if xs:
            ax.plot(xs, ys, marker=marker, markersize=3, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    if any(xs for xs, _ in series.values()):
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def column(rows: Sequence[Mapping[str, Any]], key: str, offset: int = 0) -> tuple[list[int], list[float]]:
    from codereasoner.train.curves import series

    return series(rows, key, offset)


def quickstart_plots(out: Path, evals: Mapping[str, Evaluation], steps: Mapping[str, int]) -> list[str]:
    """accuracy.png (test accuracy per arm with 95 % intervals), validation.png (validation curves over
    optimizer steps from the shared start), reward.png (GRPO reward), loss.png (SFT losses)."""
    rows = [(ARMS[k], evals[k].accuracy, *evals[k].ci95) for k in ARMS if k in evals]
    bar_plot(rows, out / "accuracy.png", f"Test accuracy on {next(iter(evals.values())).n} unseen-skeleton tasks")
    val = {k: read_curve(out / k / "validation.jsonl") for k in ARMS}
    offset = {"sft": 0, "sft_matched": 0, "grpo": steps["sft"]}
    line_plot({ARMS[k]: column(val[k], "validation_accuracy", offset[k]) for k in ARMS}, out / "validation.png",
              "Validation accuracy during training", "optimizer steps from the tiny start model",
              "validation accuracy (greedy)")
    log = read_curve(out / "grpo" / "log.jsonl")
    line_plot({"mean sampled reward": column(log, "reward"),
               "groups with zero spread": column(log, "frac_reward_zero_std")},
              out / "reward.png", "GRPO reward", "GRPO step", "", marker="")
    line_plot({ARMS[k]: column(read_curve(out / k / "log.jsonl"), "loss") for k in ("sft", "sft_matched")},
              out / "loss.png", "SFT loss (completion tokens)", "SFT step", "loss", marker="")
    return ["accuracy.png", "validation.png", "reward.png", "loss.png"]


def write_quickstart_report(out: Path, rec: Any, evals: Mapping[str, Evaluation], models: Mapping[str, Path],
                            steps: Mapping[str, int], split: Any, stages: Mapping[str, Any],
                            data: Mapping[str, Any], parameters: int, seconds: float = 0.0) -> dict[str, Any]:
    """Write OUT/report.json, OUT/report.md and the plots; return the report."""
    from codereasoner.config import to_dict

    goal = difference(evals["grpo"], evals["sft_matched"])
    report: dict[str, Any] = {
        **{k: {**evals[k].to_json(), "steps": steps[k], "model": str(models[k])} for k in ARMS},
        "heldout_tasks": evals["grpo"].n,
        "validation_tasks": len(split.validation),
        "differences": {"grpo_minus_sft_matched": goal, "grpo_minus_sft": difference(evals["grpo"], evals["sft"]),
                        "sft_matched_minus_sft": difference(evals["sft_matched"], evals["sft"])},
        "goal": {"grpo_minus_sft_matched_points_at_least": GOAL_POINTS, "met": goal["points"] >= GOAL_POINTS},
        "intervals": METHOD,
        "split": {"by": "program skeleton (identifiers and literal values abstracted)", **split.counts()},
        "recipe": rec.name,
        "reward": rec.rl_reward().name,
        "model": {"parameters": parameters},
        "data": dict(data),
        "stages": dict(stages),
        "seconds": seconds,  # this run's wall time (resumed stages take ~0)
        "cpu_seconds": round(sum(v["cpu_seconds"] for v in stages.values()), 1),
        "machine": load_info(),
        "config": to_dict(rec.train),
        "decoding": "greedy",
        "verifier": "strict",
    }
    report["plots"] = quickstart_plots(out, evals, steps)
    write_atomic(out / "report.json", json.dumps(report, indent=2, default=str) + "\n")
    write_atomic(out / "report.md", quickstart_markdown(report))
    return report


def quickstart_markdown(report: Mapping[str, Any]) -> str:
    """A short human summary of report.json."""
    n = report["heldout_tasks"]
    lines = [
        "# codereasoner quickstart", "",
        f"Tiny model ({report['model']['parameters']:,} parameters, trained from scratch), recipe "
        f"`{report['recipe']}`, RL reward `{report['reward']}`. Test: {n} tasks whose programs share no skeleton "
        f"(identifiers and literals abstracted) with any training program; validation: "
        f"{report['validation_tasks']} more such tasks, used for the training curves only.", "",
        "| arm | optimizer steps | test accuracy (greedy) | 95 % interval |", "|---|---|---|---|",
    ]
    for key, label in ARMS.items():
        arm = report[key]
        lines.append(f"| {label} | {arm['steps']} | {arm['accuracy']:.3f} | "
                     f"[{arm['ci95'][0]:.3f}, {arm['ci95'][1]:.3f}] |")
    lines += ["", "| difference | points | 95 % interval (paired) |", "|---|---|---|"]
    for key, d in report["differences"].items():
        lines.append(f"| {key.replace('_minus_', ' − ')} | {d['points']:+.1f} | [{d['ci95'][0]:+.1f}, "
                     f"{d['ci95'][1]:+.1f}] |")
    goal = report["goal"]
    verdict = "met" if goal["met"] else "not met"
    lines += ["", f"Goal (GRPO ≥ compute-matched SFT + {goal['grpo_minus_sft_matched_points_at_least']:.0f} "
                  f"points): **{verdict}**. The control trains as many optimizer steps as SFT + GRPO, on the "
                  "same tasks (SFT and RL tasks, with their answers), from the same start model.",
              "", f"Intervals: {report['intervals']}.", "",
              f"Wall time {report['seconds']:.0f} s, CPU time {report['cpu_seconds']:.0f} s ({report['machine']}).",
              "", "## Stages", ""]
    for name, info in report["stages"].items():
        lines.append(f"- {name}: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    lines += ["", "Plots: " + ", ".join(f"[{p}]({p})" for p in report["plots"]), ""]
    return "\n".join(lines)
