"""`codereasoner experiment`: the seed papers' claims in miniature, several seeds per arm, with 95 % intervals.

Each claim trains two arms that differ only in what the paper credits (same data, split, start model and
optimizer steps) on the embedded tiny model, scores them greedily on test tasks whose programs share no
skeleton with training, and reports mean accuracy over seeds, the paired difference and its interval, in
OUT/results.md, OUT/results.json and one PNG per claim. Rerunning resumes; see docs/experiments.md.
"""

from __future__ import annotations

import argparse
from typing import Any

EXAMPLE = ("examples:\n"
           "  codereasoner experiment -o runs/experiment                      # every claim, seeds 0 1 2\n"
           "  codereasoner experiment rl_vs_sft --seeds 0 1 2 3 4 -o runs/rl\n"
           "  codereasoner experiment rl_vs_sft --set data.kinds=[input] -o runs/rl_input")


def add_parser(sub: Any) -> None:
    from codereasoner.pipeline.experiment import CLAIMS, describe

    p = sub.add_parser("experiment", help="the papers' claims in miniature: arms x seeds, intervals, plots",
                       description=(__doc__.split("\n\n")[1] if __doc__ else "") + "\n\nclaims:\n" + describe(),
                       epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("claims", nargs="*", metavar="CLAIM", help=f"claims to run (default: all): {', '.join(CLAIMS)}")
    p.add_argument("-o", "--out", required=True, help="output directory (resumable)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds (default: 0 1 2)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a recipe field for every claim, e.g. --set train.grpo.max_steps=400 (repeatable)")
    p.add_argument("--programs", type=int, default=None, help="programs to draw per claim (default: the claim's)")
    p.add_argument("--test", type=int, default=None, help="test tasks per claim (default: the claim's, 500)")
    p.add_argument("--validation", type=int, default=None, help="validation tasks held out per claim")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from codereasoner.pipeline.experiment import run_experiment

    sizes = {k: v for k in ("programs", "test", "validation") if (v := getattr(args, k)) is not None}
    results = run_experiment(args.out, args.claims, seeds=args.seeds, overrides=args.overrides,
                             threads=args.threads, progress=not args.no_progress, sizes=sizes)
    for name, claim in results["claims"].items():
        d = claim["difference"]
        print(f"{name}: {d['points']:+.1f} points [{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}] ({claim['reading']})")
    print(f"table: {args.out}/results.md")
    return 0
