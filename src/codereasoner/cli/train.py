"""`codereasoner train sft|grpo`: train any local checkpoint (or the tiny model) on built data with TRL.

Reads DIR/tasks/*.jsonl from `codereasoner data build`; writes OUT/final (model + tokenizer), OUT/log.jsonl
and resumable checkpoints (rerun the same command to resume). `--model` takes a local Hugging Face directory
(e.g. Qwen2.5-Coder-7B-Instruct downloaded beforehand; never the hub) or `tiny`. The recipe's `train:`
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
    p.add_argument("-o", "--out", required=True, help="output directory (resumes when it has checkpoints)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from codereasoner.config import apply_overrides
    from codereasoner.execution import Executor
    from codereasoner.rationale.sft import read_tasks, samples_from_trace
    from codereasoner.recipe import load_recipe
    from codereasoner.records import Sample
    from codereasoner.train import runner

    rec = load_recipe(args.recipe, args.overrides)
    if args.model:
        rec = apply_overrides(rec, [f"train.model={args.model}"])
    cfg = rec.train
    tasks = sorted(read_tasks(args.data), key=lambda t: t.id)[: args.limit]
    out = Path(args.out)
    with Executor() as executor:
        if args.stage == "sft":
            if cfg.sft.chains:
                samples = [s for s in samples_from_trace(tasks, executor=executor, concise=cfg.sft.concise)
                           if s.verified]
            else:
                samples = [Sample(task=t, completion=str(t.answer), origin="trace", verified=True) for t in tasks]
            start = runner.init_model(cfg, [s.task.prompt + "\n" + s.completion for s in samples], out / "model0")
            final = runner.run_sft(start, samples, cfg, out, progress=not args.no_progress)
        else:
            if cfg.model == "tiny":
                raise ValueError("train grpo needs --model: the SFT output (e.g. runs/sft/final)")
            reward = cfg.grpo.reward or getattr(getattr(rec, "reward", None), "name", None) or "output"
            if cfg.grpo.stage == "codegen":
                from codereasoner.train.stage2 import codegen_tasks

                tasks = codegen_tasks(tasks, recipe=rec.name)
                reward = "codegen"
            if not tasks:
                raise ValueError(f"no tasks for GRPO in {args.data}")
            final = runner.run_grpo(Path(cfg.model), tasks, cfg, out, reward=reward, executor=executor,
                                    progress=not args.no_progress, reward_cfg=_reward_cfg(rec, reward))
    print(final)
    return 0


def _reward_cfg(rec: Any, name: str) -> Any:
    """The recipe's reward section, renamed to the reward actually used."""
    import dataclasses

    from codereasoner.rewards.config import RewardConfig

    section = getattr(rec, "reward", None)
    if isinstance(section, RewardConfig):
        return dataclasses.replace(section, name=name)
    return RewardConfig(name=name)
