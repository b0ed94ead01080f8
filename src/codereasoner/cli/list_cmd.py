"""`codereasoner list`: what is registered — task kinds, program sources, rewards, benchmarks, backends, recipes."""

from __future__ import annotations

import argparse
import importlib

# what -> (module owning the registry, registry attribute)
REGISTRIES = {
    "task-kinds": ("codereasoner.tasks", "TASK_KINDS"),
    "sources": ("codereasoner.programs", "PROGRAM_SOURCES"),
    "rewards": ("codereasoner.rewards", "REWARDS"),
    "benchmarks": ("codereasoner.evaluation.benchmarks", "BENCHMARKS"),
    "backends": ("codereasoner.evaluation.backends", "BACKENDS"),
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "list",
        help="list registered task kinds, sources, rewards, benchmarks, backends, recipes",
        epilog="example: codereasoner list recipes --explain",
    )
    p.add_argument("what", choices=[*REGISTRIES, "recipes"])
    p.add_argument("--explain", action="store_true", help="with recipes: every config key, its default and help")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.what == "recipes":
        from codereasoner.config import describe
        from codereasoner.recipe import Recipe, recipe_names

        for name in recipe_names():
            print(name)
        if args.explain:
            print()
            for key, default, help_ in describe(Recipe):
                print(f"{key:40s} {default:20s} {help_}")
        return 0
    module, attr = REGISTRIES[args.what]
    for name in getattr(importlib.import_module(module), attr).names():
        print(name)
    return 0
