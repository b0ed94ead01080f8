"""`codereasoner train sft|grpo|plan`: train any local checkpoint (or the tiny model) on built data with TRL, or
see what a recipe's GRPO batch means on your GPUs before renting them.

sft and grpo read DIR/tasks/*.jsonl from `codereasoner data build` (sft also reads a `codereasoner data
distill` output: teacher chains); they write OUT/final (model + tokenizer + model card), OUT/log.jsonl,
OUT/params.json and resumable checkpoints: rerun the same command to resume; changed settings are refused,
naming them (--overwrite starts over). `--model` takes a local Hugging Face directory (e.g.
Qwen2.5-Coder-7B-Instruct downloaded beforehand; never the hub) or `tiny`. The recipe's `train:` section sets
every hyperparameter; `--set train.grpo.learning_rate=...` overrides one. Several GPUs: launch the same command
with `accelerate launch -m codereasoner train ...` (docs/training.md); batch sizes are per rollout and per
update over all GPUs, so the optimisation does not change with the GPU count.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

EXAMPLE = ("examples:\n"
           "  codereasoner train sft --recipe execverify --data data/execverify -o runs/sft\n"
           "  codereasoner train grpo --recipe execverify --data data/execverify --model runs/sft/final -o runs/grpo\n"
           "  codereasoner train sft --recipe execverify --data runs/distill -o runs/sft   # teacher chains\n"
           "  codereasoner train plan --recipe execverify --model-size 7B --gpus 8 --gpu-memory-gb 80")

PLAN_HELP = ("The recipe's GRPO batch in verl's terms on N GPUs — prompts and sequences per rollout and per update, "
             "micro-batch per device, gradient accumulation, optimizer steps per rollout — and an estimate of the "
             "peak memory per GPU (weights, gradients, optimizer states, checkpointed activations, logits, the "
             "vLLM or KV-cache share; the formula is in docs/training.md). Exit status 1 when the estimate "
             "exceeds --gpu-memory-gb.")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("train", help="SFT or GRPO (Bi-Level GRPO, ExecVerify stage II) with TRL; plan a GRPO run",
                       description=__doc__.split("\n\n")[1] if __doc__ else None, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    stages = p.add_subparsers(dest="stage", metavar="{sft,grpo,plan}")
    for stage, text in (("sft", "warm-up on verified chains (trace-guided, or a teacher's from `data distill`)"),
                        ("grpo", "RL on execution-verified rewards (GRPO / Bi-Level GRPO)")):
        s = stages.add_parser(stage, help=text, description=text, epilog=EXAMPLE,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
        s.add_argument("--recipe", default="tiny", help="recipe name or YAML (default: tiny)")
        s.add_argument("--data", required=True,
                       help="a `codereasoner data build` directory" + (" or a `data distill` output" if stage == "sft"
                                                                      else ""))
        s.add_argument("--model", default=None, help="local checkpoint directory or 'tiny' (default: the recipe's)")
        s.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a recipe field, e.g. --set train.grpo.max_steps=100 (repeatable)")
        s.add_argument("--limit", type=int, default=None, help="use at most this many tasks")
        s.add_argument("-o", "--out", required=True,
                       help="output directory: a rerun with the same settings resumes; other settings are refused")
        s.add_argument("--overwrite", action="store_true", help="delete this stage's outputs in OUT and start over")
        s.add_argument("--no-progress", action="store_true", help="no progress bar")
        s.set_defaults(run=run)
    plan = stages.add_parser("plan", help="a recipe's GRPO batch on N GPUs and its estimated peak memory per GPU",
                             description=PLAN_HELP, epilog=EXAMPLE,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    plan.add_argument("--recipe", default="execverify", help="recipe name or YAML (default: execverify)")
    size = plan.add_mutually_exclusive_group()
    size.add_argument("--model-size", default="7B",
                      help="Qwen2.5-Coder size: 0.5B, 1.5B, 3B, 7B, 14B, 32B (default 7B)")
    size.add_argument("--model", default=None, help="read the shape from a local checkpoint's config.json instead")
    plan.add_argument("--gpus", type=int, default=8, help="training GPUs, all nodes together (default 8)")
    plan.add_argument("--gpu-memory-gb", type=float, default=80.0, help="memory of one GPU in GB (default 80)")
    plan.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                      help="override a recipe field, e.g. --set train.grpo.micro_batch_per_device=2")
    plan.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    plan.set_defaults(run=run_plan)
    p.set_defaults(run=lambda args: (p.print_help(), 2)[1])


def run(args: argparse.Namespace) -> int:
    from codereasoner.pipeline.training import train

    print(train(args.stage, args.recipe, args.data, args.out, model=args.model, overrides=args.overrides,
                limit=args.limit, overwrite=args.overwrite, progress=not args.no_progress))
    return 0


def run_plan(args: argparse.Namespace) -> int:
    from codereasoner.recipe import load_recipe
    from codereasoner.train.plan import ModelShape, make_plan, model_shape, plan_summary, render

    rec = load_recipe(args.recipe, args.overrides)
    shape = ModelShape.from_config(args.model) if args.model else model_shape(args.model_size)
    plan, memory = make_plan(rec.train.grpo, shape, args.gpus, args.gpu_memory_gb)
    print(json.dumps(plan_summary(plan, memory)) if args.json else render(rec.name, shape, plan, memory,
                                                                          args.gpu_memory_gb))
    return 0 if memory.peak <= args.gpu_memory_gb else 1
