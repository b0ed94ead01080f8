"""`codereasoner export verl`: task records → verl's RL parquet (data_source, prompt, ability, reward_model,
extra_info), scored in verl by `codereasoner.train.verl.compute_score` (docs/training.md "verl").

Reads DIR/tasks/*.jsonl (or one JSONL file); writes OUT atomically and prints its path alone on stdout (the
row count goes to stderr), so launch scripts can write `TRAIN=$(codereasoner export verl DIR -o OUT)`. The
reward is the recipe's (the build's own recipe, or --recipe; --reward overrides): its name travels in
`data_source` ("codereasoner:<reward>") and `extra_info.reward`, its constants in `extra_info.reward_config`,
and `reward_model.ground_truth` holds the task as the verifier needs it (no prompt, no provenance). With the
recipe, only the tasks of its RL slice are exported (train.grpo.kinds, train.grpo.data_range).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

EXAMPLE = ("examples:\n"
           "  TRAIN=$(codereasoner export verl data/execverify -o data/ev.parquet)   # the recipe's whitebox reward\n"
           "  codereasoner export verl data/execverify -o data/train.parquet --reward output --all")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="export data for other trainers (verl parquet)",
                       description=__doc__.split("\n\n")[1] if __doc__ else None, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("format", choices=["verl"], help="target format")
    p.add_argument("data", help="a `codereasoner data build` directory or a task JSONL file")
    p.add_argument("-o", "--out", required=True, help="output parquet file")
    p.add_argument("--recipe", default=None,
                   help="recipe whose RL reward and RL slice are used (default: the one the build was made with)")
    p.add_argument("--reward", default=None, help="reward name (rewards.REWARDS) instead of the recipe's")
    p.add_argument("--all", action="store_true", help="every task, not only the recipe's RL slice")
    p.add_argument("--split", default="train", help="extra_info.split value (default: train)")
    p.add_argument("--kinds", default="", help="comma-separated task kinds to keep (default: the recipe's)")
    p.add_argument("--codegen", action="store_true",
                   help="export ExecVerify stage-II code-generation tasks made from the programs instead")
    p.set_defaults(run=run)


def _recipe(args: argparse.Namespace, tasks: Sequence[Any]) -> Any:
    """--recipe, else the build's config.json, else the one built-in recipe every task names; None if unknown."""
    from codereasoner.recipe import build_recipe, load_recipe, recipe_names

    if args.recipe:
        return load_recipe(args.recipe)
    found = build_recipe(args.data)
    if found is not None:
        return found
    names = {t.recipe for t in tasks}
    if len(names) == 1 and next(iter(names)) in recipe_names():
        return load_recipe(next(iter(names)))
    return None


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from codereasoner.config import to_dict
    from codereasoner.rationale.sft import read_tasks
    from codereasoner.rewards import REWARDS, RewardConfig
    from codereasoner.train.batch import stage_tasks
    from codereasoner.train.verl import export_rows, write_parquet

    if args.reward:
        REWARDS.check(args.reward, "--reward")  # unknown reward names fail here, before the export
    tasks = sorted(read_tasks(args.data), key=lambda t: t.id)
    rec = _recipe(args, tasks)
    if rec is not None and args.codegen:
        rec = dataclasses.replace(rec, train=dataclasses.replace(
            rec.train, grpo=dataclasses.replace(rec.train.grpo, stage="codegen")))
    if args.reward:
        reward = dataclasses.replace(rec.rl_reward(), name=args.reward) if rec else RewardConfig(name=args.reward)
    elif rec is not None:
        reward = rec.rl_reward()
    elif args.codegen:
        reward = RewardConfig(name="codegen")
    else:
        raise ValueError(f"{args.data}: no recipe found (no config.json from `data build`, and the tasks do not name "
                         "one built-in recipe): pass --recipe NAME or --reward NAME")
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()] or \
        (list(rec.train.grpo.kinds) if rec and not args.codegen else [])  # codegen tasks come from output tasks
    span = rec.train.grpo.data_range if rec is not None and not args.all else (0.0, 1.0)
    tasks = stage_tasks(tasks, kinds, span)
    if args.codegen:
        from codereasoner.train.stage2 import codegen_tasks

        tasks = codegen_tasks(tasks)
    rows = export_rows(tasks, reward=reward.name, split=args.split, reward_config=to_dict(reward))
    path = write_parquet(rows, args.out)
    print(f"{len(rows)} rows, reward {reward.name}" + (f" (recipe {rec.name})" if rec else ""), file=sys.stderr)
    print(path)
    return 0
