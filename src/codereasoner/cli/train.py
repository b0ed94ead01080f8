"""`codereasoner train sft|grpo`: train any local checkpoint (or the tiny model) on built data with TRL.

Reads DIR/tasks/*.jsonl from `codereasoner data build`; writes OUT/final (model + tokenizer), OUT/log.jsonl
and resumable checkpoints: rerun the same command to resume; changed settings are refused, naming them.
`--model` takes a local Hugging Face directory (e.g. Qwen2.5-Coder-7B-Instruct downloaded beforehand; never
the hub) or `tiny`. The recipe's `train:`
section sets every hyperparameter; `--set train.grpo.learning_rate=...` overrides one.
"""

from __future__ import annotations

import argparse
from typing import Any

EXAMPLE = ("examples:\n"
           "  codereasoner train sft --recipe tiny --data data/ -o runs/sft\n"
           "  codereasoner train grpo --recipe tiny --data data/ --model runs/sft/final -o runs/grpo")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("train", help="SFT or GRPO (Bi-Level GRPO, ExecVerify stage II) with TRL",
                       description=__doc__.split("\n\n")[1] if __doc__ else None, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage", choices=["sft", "grpo"], help="sft: warm-up on verified chains; grpo: RL on rewards")
    p.add_argument("--recipe", default="tiny", help="recipe name or YAML (default: tiny)")
    p.add_argument("--data", required=True, help="a `codereasoner data build` directory")
    p.add_argument("--model", default=None, help="local checkpoint directory or 'tiny' (default: the recipe's)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a recipe field, e.g. --set train.grpo.max_steps=100 (repeatable)")
    p.add_argument("--limit", type=int, default=None, help="use at most this many tasks")
    p.add_argument("-o", "--out", required=True,
                   help="output directory: a rerun with the same settings resumes; other settings are refused")
    p.add_argument("--overwrite", action="store_true", help="delete this stage's outputs in OUT and start over")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from codereasoner.pipeline.training import train

    print(train(args.stage, args.recipe, args.data, args.out, model=args.model, overrides=args.overrides,
                limit=args.limit, overwrite=args.overwrite, progress=not args.no_progress))
    return 0
