"""`codereasoner export verl`: task records → verl's RL parquet (data_source, prompt, ability, reward_model,
extra_info), scored in verl by `codereasoner.train.verl.compute_score` (RL_FRAMEWORKS.md §2.1, §2.4).

Reads DIR/tasks/*.jsonl (or one JSONL file); writes OUT.parquet atomically. The row's reward name travels in
`data_source` ("codereasoner:<reward>") and `extra_info.reward`, the task record in `reward_model.ground_truth`.
"""

from __future__ import annotations

import argparse
from typing import Any

EXAMPLE = "example:\n  codereasoner export verl data/ -o data/train.parquet --reward output"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="export data for other trainers (verl parquet)",
                       description=__doc__.split("\n\n")[0] if __doc__ else None, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("format", choices=["verl"], help="target format")
    p.add_argument("data", help="a `codereasoner data build` directory or a task JSONL file")
    p.add_argument("-o", "--out", required=True, help="output parquet file")
    p.add_argument("--reward", default="output", help="reward name (rewards.REWARDS) the rows are scored with")
    p.add_argument("--split", default="train", help="extra_info.split value (default: train)")
    p.add_argument("--kinds", default="", help="comma-separated task kinds to keep (default: all)")
    p.add_argument("--codegen", action="store_true",
                   help="export ExecVerify stage-II code-generation tasks made from the programs instead")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from codereasoner.rationale.sft import read_tasks
    from codereasoner.rewards import REWARDS
    from codereasoner.train.verl import export_rows, write_parquet

    REWARDS.get(args.reward)  # unknown reward names fail here, before reading anything
    tasks = sorted(read_tasks(args.data), key=lambda t: t.id)
    kinds = {k.strip() for k in args.kinds.split(",") if k.strip()}
    if kinds:
        tasks = [t for t in tasks if t.kind in kinds]
    reward = args.reward
    if args.codegen:
        from codereasoner.train.stage2 import codegen_tasks

        tasks, reward = codegen_tasks(tasks), "codegen"
    path = write_parquet(export_rows(tasks, reward=reward, split=args.split), args.out)
    print(f"{path}\t{len(tasks)} rows")
    return 0
