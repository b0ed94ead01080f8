"""`codereasoner data build|inspect|push`: make a recipe's verified execution-reasoning tasks, summarise a build,
or publish it as a Hugging Face dataset."""

from __future__ import annotations

import argparse
import sys

BUILD_EXAMPLE = "example: codereasoner data build --recipe execverify --n 150 --seed 0 -o data/execverify"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="build task data from programs (build), summarise it (inspect), publish it (push)",
                                   description="Build verified execution-reasoning tasks from programs.",
                                   epilog=BUILD_EXAMPLE)
    sub = parser.add_subparsers(dest="data_command", metavar="{build,inspect,push}")
    build = sub.add_parser(
        "build", help="programs → engine → traces → tasks (sharded JSONL + dataset card)",
        description="Draw N programs from the recipe's sources, keep those the engine runs cleanly, trace them and "
                    "write tasks under DIR/tasks/ with a dataset card DIR/README.md. Resumes an interrupted build "
                    "of the same arguments; the same seed gives the same bytes.",
        epilog=BUILD_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("--recipe", required=True, help="built-in recipe name (codereasoner, execverify, "
                       "stepcodereasoner, tiny) or a recipe YAML file")
    build.add_argument("--n", type=int, required=True,
                       help="number of programs to draw from the sources (before deduplication, decontamination "
                            "and engine filtering; each program gives one or more tasks)")
    build.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    build.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    build.add_argument("--workers", type=int, default=None, help="executor worker processes (default: CPU count)")
    build.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a recipe field, e.g. --set data.kinds=output,next_line (repeatable)")
    build.add_argument("--overwrite", action="store_true",
                       help="replace a build of other parameters (or other files) in DIR; the same parameters resume")
    build.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    build.add_argument("--print-config", action="store_true", help="print the resolved recipe and exit")
    build.set_defaults(run=run_build)
    inspect = sub.add_parser("inspect", help="print a build's summary (its dataset card)",
                             epilog="example: codereasoner data inspect data/execverify")
    inspect.add_argument("dir", metavar="DIR")
    inspect.set_defaults(run=run_inspect)
    push = sub.add_parser(
        "push", help="upload a build to the Hugging Face hub as a dataset repository",
        description="Upload DIR's card, config.json, programs.jsonl and tasks/*.jsonl to the dataset repository "
                    "ORG/NAME (created if missing; task files the build lacks are deleted there). The files are "
                    "checked first (finished build, one type per column). The token comes from --token, $HF_TOKEN "
                    "or `hf auth login`; $HF_ENDPOINT selects another hub. Afterwards "
                    "`datasets.load_dataset(\"ORG/NAME\", \"output\")` loads one kind.",
        epilog="example: codereasoner data push data/execverify --repo my-org/execverify-tasks --private",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    push.add_argument("dir", metavar="DIR", help="a finished `codereasoner data build` output folder")
    push.add_argument("--repo", required=True, metavar="ORG/NAME", help="dataset repository id on the hub")
    push.add_argument("--private", action="store_true", help="create the repository private (if it is new)")
    push.add_argument("--token", default=None, help="hub token (default: $HF_TOKEN or the saved login)")
    push.add_argument("--revision", default=None, help="branch to commit to (default: main)")
    push.add_argument("--message", default=None, help="commit message")
    push.set_defaults(run=run_push)
    parser.set_defaults(run=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    return int(args.run(args))


def run_build(args: argparse.Namespace) -> int:
    import json

    from codereasoner.config import to_dict
    from codereasoner.recipe import load_recipe

    recipe = load_recipe(args.recipe, args.overrides)  # config errors surface here, before any work
    if args.print_config:
        print(json.dumps(to_dict(recipe), indent=2))
        return 0
    from codereasoner.pipeline import build_data

    summary = build_data(recipe, args.n, args.seed, args.output, workers=args.workers,
                         progress=not args.no_progress, overwrite=args.overwrite)
    rate = summary.total_tasks / summary.seconds if summary.seconds else 0.0
    print(json.dumps({"out_dir": summary.out_dir, "recipe": summary.recipe, "tasks": summary.tasks,
                      "total_tasks": summary.total_tasks, "programs": summary.programs, "drops": summary.drops,
                      "seconds": summary.seconds, "tasks_per_s": round(rate, 1),
                      "resumed_shards": summary.resumed_shards}, indent=2))
    return 0


def run_inspect(args: argparse.Namespace) -> int:
    from pathlib import Path

    card = Path(args.dir) / "README.md"
    if not card.is_file():
        raise FileNotFoundError(f"{card} not found: is {args.dir} a finished `codereasoner data build`?")
    text = card.read_text(encoding="utf-8")
    if text.startswith("---\n"):  # the YAML front matter is for the hub's tools, not for reading
        text = text.split("\n---\n", 1)[-1]
    # The summary is everything before the examples; the examples can be long.
    print(text.split("\n## Examples", 1)[0].strip())
    return 0


def run_push(args: argparse.Namespace) -> int:
    from codereasoner.tasks.hub import push

    try:
        url = push(args.dir, args.repo, private=args.private, token=args.token, revision=args.revision,
                   message=args.message)
    except ImportError as e:
        print(f"codereasoner: error: {e}", file=sys.stderr)
        return 2
    print(url)
    return 0
