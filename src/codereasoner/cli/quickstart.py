"""`codereasoner quickstart`: the README's main job on the embedded tiny model, offline, on a CPU.

Builds the tiny recipe's data, holds out test and validation tasks whose programs share no skeleton
(identifiers and literals abstracted) with any training program, then trains three arms from one tiny start
model: SFT; SFT + GRPO; and SFT for as many optimizer steps as both together on the same tasks (the
compute-matched control). Reports greedy test accuracy of each with 95 % intervals in OUT/report.json and
OUT/report.md, with PNG plots. Rerunning the same command resumes; changed settings are refused naming
them (or start over with --overwrite). See docs/experiments.md.
"""

from __future__ import annotations

import argparse
from typing import Any

EXAMPLE = "example:\n  codereasoner quickstart -o runs/quickstart --threads 2"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "quickstart",
        help="tiny model, CPU, offline: data -> SFT / SFT+GRPO / compute-matched SFT -> held-out report",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-o", "--out", default="quickstart_out", help="output directory (default: quickstart_out)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2; use 1 on a shared CPU)")
    p.add_argument("--recipe", default="tiny", help="recipe name or YAML (default: tiny)")
    p.add_argument("--programs", type=int, default=None,
                   help="programs to draw (default 12000: >= 500 test and 500 validation tasks from unseen "
                        "skeletons, and the training tasks)")
    p.add_argument("--heldout", type=int, default=500, help="test tasks to evaluate on (default 500)")
    p.add_argument("--validation", type=int, default=500,
                   help="validation tasks for the training curves (default 500; never the test tasks)")
    p.add_argument("--seed", type=int, default=0, help="seed for data, split and training")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a recipe field, e.g. --set train.grpo.max_steps=100 (repeatable)")
    p.add_argument("--overwrite", action="store_true", help="redo the stages whose settings changed")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from codereasoner.pipeline.quickstart import quickstart

    report = quickstart(args.out, args.recipe, threads=args.threads, programs=args.programs, heldout=args.heldout,
                        validation=args.validation, seed=args.seed, overrides=args.overrides,
                        progress=not args.no_progress, overwrite=args.overwrite)
    acc = {k: report[k]["accuracy"] for k in ("sft", "sft_matched", "grpo")}
    gain = report["differences"]["grpo_minus_sft_matched"]
    print(f"test tasks: {report['heldout_tasks']}  SFT {acc['sft']:.3f}  compute-matched SFT "
          f"{acc['sft_matched']:.3f}  SFT + GRPO {acc['grpo']:.3f}  (GRPO - matched: {gain['points']:+.1f} points, "
          f"95% [{gain['ci95'][0]:+.1f}, {gain['ci95'][1]:+.1f}])  report: {args.out}/report.md")
    return 0
