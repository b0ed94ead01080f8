"""Training curves and the quickstart report: PNG plots (reward, accuracy, loss) and report.md.

Stage: train. Reads the JSONL logs `runner.log_callback` wrote (SFT and GRPO), writes PNGs with matplotlib's
Agg backend (no display needed) and a Markdown summary; report.json itself is written by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _series(rows: Sequence[Mapping[str, Any]], key: str, offset: int = 0) -> tuple[list[int], list[float]]:
    pts = [(int(r["step"]) + offset, float(r[key])) for r in rows if key in r]
    return [p[0] for p in pts], [p[1] for p in pts]


def plot_curves(sft_log: Sequence[Mapping[str, Any]], grpo_log: Sequence[Mapping[str, Any]], out_dir: str | Path,
                sft_accuracy: float | None = None, grpo_accuracy: float | None = None) -> list[Path]:
    """reward.png (GRPO mean sampled reward), accuracy.png (held-out greedy accuracy over SFT then GRPO
    steps), loss.png (SFT loss). Returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    written = []
    sft_steps = max((int(r["step"]) for r in sft_log), default=0)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    x, y = _series(grpo_log, "reward")
    ax.plot(x, y, label="mean reward (sampled)")
    x2, y2 = _series(grpo_log, "frac_reward_zero_std")
    if x2:
        ax.plot(x2, y2, label="groups with zero spread", alpha=0.6)
    ax.set_xlabel("GRPO step")
    ax.set_title("GRPO reward")
    ax.legend()
    fig.tight_layout()
    written.append(out / "reward.png")
    fig.savefig(written[-1], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    x, y = _series(sft_log, "heldout_accuracy")
    if sft_accuracy is not None:
        x, y = x + [sft_steps], y + [sft_accuracy]
    ax.plot(x, y, marker="o", label="SFT")
    gx, gy = _series(grpo_log, "heldout_accuracy", offset=sft_steps)
    gx, gy = [sft_steps] + gx, ([sft_accuracy] if sft_accuracy is not None else [float("nan")]) + gy
    if grpo_accuracy is not None:
        last = max(gx) if gx else sft_steps
        gx, gy = gx + [last], gy + [grpo_accuracy]
    ax.plot(gx, gy, marker="o", label="GRPO")
    ax.axvline(sft_steps, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("optimizer step (SFT, then GRPO)")
    ax.set_ylabel("held-out greedy accuracy")
    ax.set_title("Held-out accuracy")
    ax.legend()
    fig.tight_layout()
    written.append(out / "accuracy.png")
    fig.savefig(written[-1], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    x, y = _series(sft_log, "loss")
    ax.plot(x, y)
    ax.set_xlabel("SFT step")
    ax.set_ylabel("loss")
    ax.set_title("SFT loss (completion tokens)")
    fig.tight_layout()
    written.append(out / "loss.png")
    fig.savefig(written[-1], dpi=100)
    plt.close(fig)
    return written


def report_markdown(report: Mapping[str, Any]) -> str:
    """A short human summary of report.json."""
    sft, grpo = report["sft"], report["grpo"]
    delta = 100 * (grpo["accuracy"] - sft["accuracy"])
    lines = [
        "# codereasoner quickstart",
        "",
        f"Tiny model ({report.get('model', {}).get('parameters', '?')} parameters, trained from scratch on CPU), "
        f"recipe `{report.get('recipe', 'tiny')}`.",
        "",
        f"| model | held-out greedy accuracy ({report['heldout_tasks']} tasks) |",
        "|---|---|",
        f"| SFT | {sft['accuracy']:.3f} |",
        f"| SFT + GRPO | {grpo['accuracy']:.3f} |",
        "",
        f"GRPO - SFT: **{delta:+.1f} points** on the same held-out tasks (programs never seen in training; "
        "greedy decoding; strict verifier).",
        "",
        "## Stages",
        "",
    ]
    for name, info in report.get("stages", {}).items():
        lines.append(f"- {name}: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    lines += ["", "Plots: reward.png, accuracy.png, loss.png.", ""]
    return "\n".join(lines)
