"""`codereasoner data build|inspect|push|distill`: make a recipe's verified execution-reasoning tasks, summarise a
build, publish it as a Hugging Face dataset, or have a teacher model write verified reasoning chains for it."""

from __future__ import annotations

import argparse
import sys

BUILD_EXAMPLE = "example: codereasoner data build --recipe execverify --n 150 --seed 0 -o data/execverify"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="build task data from programs (build), summarise it (inspect), "
                                   "measure it (stats), publish it (push)",
                                   description="Build verified execution-reasoning tasks from programs.",
                                   epilog=BUILD_EXAMPLE)
    sub = parser.add_subparsers(dest="data_command", metavar="{build,inspect,stats,push}")
    build = sub.add_parser(
        "build", help="programs → engine → traces → tasks (sharded JSONL + dataset card)",
        description="Draw N programs from the recipe's sources, keep those the engine runs cleanly and that\n"
                    "pass the filters (degenerate code, output that never depends on the input, capped trivial\n"
                    "results; optionally ExecVerify's model-based difficulty filter: data.filters.*,\n"
                    "data.hardness.*, docs/data.md), trace them and write tasks under DIR/tasks/ with a dataset\n"
                    "card DIR/README.md that counts every drop. Resumes an interrupted build of the same\n"
                    "arguments; the same seed gives the same bytes.",
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
    stats = sub.add_parser(
        "stats", help="measure what a build teaches: realism figures, printed, in its card and as a PNG",
        description="Run a finished build's programs in the engine and measure them: functions whose output never "
                    "changes over >= 4 inputs, trivial outputs (bool, None, 0, ±1, empty), method-call frequencies "
                    "(Jensen-Shannon divergence to the benchmark), constructs (comprehension, ternary, try, "
                    "break/continue, f-string, ...), string arguments with spaces, lines and trace steps per level, "
                    "output types. With --against, the benchmark's functions are measured the same way in the same "
                    "run and the realism targets (docs/data.md) are checked. Writes DIR/stats.json, DIR/stats.png "
                    "and the card's \"What the data teaches\" section.",
        epilog="example: codereasoner data stats data/execverify --against cruxeval")
    stats.add_argument("dir", metavar="DIR", help="a finished `codereasoner data build` output folder")
    stats.add_argument("--against", choices=("cruxeval", "lcb_exec"), default=None,
                       help="measure this benchmark's functions too (found under $CODEREASONER_BENCHMARKS or --data)")
    stats.add_argument("--data", default=None, metavar="PATH",
                       help="the benchmark's data file (default: its usual place)")
    stats.add_argument("--workers", type=int, default=None, help="executor worker processes (default: CPU count)")
    stats.add_argument("--json", action="store_true", help="print the whole report as JSON instead of the table")
    stats.set_defaults(run=run_stats)
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
    _add_distill(sub)
    parser.set_defaults(run=lambda args: _usage(parser))


DISTILL_EXAMPLE = ("examples:\n"
                   "  codereasoner data distill --teacher http://127.0.0.1:8000/v1 --model Qwen/QwQ-32B "
                   "--data data/execverify -o runs/distill\n"
                   "  codereasoner data distill --teacher /models/QwQ-32B --data data/execverify -o runs/distill\n"
                   "  codereasoner train sft --recipe execverify --data runs/distill --model /models/qwen7b "
                   "-o runs/sft")


def _add_distill(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser(
        "distill", help="teacher reasoning chains for a build's tasks, kept only when verified",
        description="Send each task's prompt to a teacher — any OpenAI-compatible server (URL) or a local Hugging "
                    "Face model directory (run with vLLM when installed, else transformers) — and keep the chains "
                    "whose final answer the verifier accepts (with --check-trace, also those whose intermediate "
                    "claims agree with the execution trace). Writes OUT/distilled.jsonl (Sample records with "
                    "provenance: teacher, prompt style, sampling, verdict), OUT/distilled.rejected.jsonl and "
                    "OUT/summary.json; a rerun resumes and re-asks nothing. With the build's recipe (or --recipe), "
                    "only the tasks of its SFT slice are sent (train.sft.kinds, train.sft.data_range). "
                    "`codereasoner train sft --data OUT` trains on the result.",
        epilog=DISTILL_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("--teacher", required=True, metavar="URL|PATH",
                   help="http(s)://host:port/v1 of an OpenAI-compatible server, or a local model directory")
    d.add_argument("--model", default=None, help="the served model name (required with a URL)")
    d.add_argument("--api-key", default=None, help="URL teacher: API key (default: $OPENAI_API_KEY)")
    d.add_argument("--data", required=True, metavar="DIR", help="a `codereasoner data build` directory or task JSONL")
    d.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder")
    d.add_argument("--recipe", default=None, help="recipe whose SFT slice is distilled (default: the build's)")
    d.add_argument("--kinds", default="", help="comma-separated task kinds (default: the recipe's train.sft.kinds)")
    d.add_argument("--limit", type=int, default=None, help="at most this many tasks")
    d.add_argument("--n", type=int, default=1, help="teacher samples per task (default 1, as ExecVerify)")
    d.add_argument("--keep", type=int, default=1, help="verified chains kept per task (default 1)")
    d.add_argument("--temperature", type=float, default=0.6, help="default 0.6 (ExecVerify's QwQ-32B pass)")
    d.add_argument("--top-p", type=float, default=0.9, help="default 0.9")
    d.add_argument("--max-tokens", type=int, default=4096, help="default 4096")
    d.add_argument("--batch", type=int, default=64, help="tasks per round of requests (default 64)")
    d.add_argument("--concurrency", type=int, default=8, help="URL teacher: requests in flight (default 8)")
    d.add_argument("--check-trace", action="store_true",
                   help="also drop chains whose intermediate claims contradict the execution trace")
    d.add_argument("--overwrite", action="store_true", help="start over in OUT (other settings are refused otherwise)")
    d.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    d.set_defaults(run=run_distill)


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


def run_stats(args: argparse.Namespace) -> int:
    import json

    from codereasoner.pipeline.data_stats import PLOT_FILE, STATS_FILE, data_stats, table

    report = data_stats(args.dir, args.against, data=args.data, workers=args.workers)
    print(json.dumps(report, indent=2, sort_keys=True) if args.json else table(report))
    if not args.json:
        print(f"\nwritten: {args.dir}/{STATS_FILE}, {args.dir}/{PLOT_FILE}, the card's section in {args.dir}/README.md")
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


def _teacher(args: argparse.Namespace, out: str) -> object:
    """An OpenAI-compatible client for a URL, a local-model teacher for a directory; ValueError otherwise."""
    from pathlib import Path

    from codereasoner.rationale.distill import LocalTeacher

    spec = args.teacher
    if spec.startswith(("http://", "https://")):
        if not args.model:
            raise ValueError("--model: name the model the server serves (e.g. --model Qwen/QwQ-32B)")
        from codereasoner.openai_client import OpenAIClient

        return OpenAIClient(spec, args.model, api_key=args.api_key, concurrency=args.concurrency,
                            cache_dir=Path(out) / "cache")
    if not (Path(spec) / "config.json").is_file():
        raise ValueError(f"--teacher {spec}: neither an http(s) URL nor a local model directory (no config.json)")
    import importlib.util

    from codereasoner.evaluation.backends import BACKENDS, Sampling

    name = "vllm" if importlib.util.find_spec("vllm") is not None else "hf"
    backend = BACKENDS.get(name)(spec)

    def generate(messages_list: list, *, n: int, temperature: float, top_p: float, max_tokens: int) -> list:
        return backend.generate(messages_list, Sampling(n=n, temperature=temperature, top_p=top_p,
                                                        max_new_tokens=max_tokens))

    return LocalTeacher(spec, generate)


def run_distill(args: argparse.Namespace) -> int:
    import json

    from codereasoner.rationale.distill import DISTILLED, DistillConfig, distill_dir
    from codereasoner.rationale.sft import read_tasks
    from codereasoner.recipe import build_recipe, load_recipe
    from codereasoner.train.batch import stage_tasks

    cfg = DistillConfig(n=args.n, keep=args.keep, temperature=args.temperature, top_p=args.top_p,
                        max_tokens=args.max_tokens, batch=args.batch, check_trace=args.check_trace)
    rec = load_recipe(args.recipe) if args.recipe else build_recipe(args.data)
    tasks = sorted(read_tasks(args.data), key=lambda t: t.id)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()] or (list(rec.train.sft.kinds) if rec else [])
    tasks = stage_tasks(tasks, kinds, rec.train.sft.data_range if rec else (0.0, 1.0))[:args.limit]
    if not tasks:
        raise ValueError(f"no tasks to distill in {args.data} (kinds {kinds or 'all'}, the recipe's SFT slice)")
    teacher = _teacher(args, args.output)
    from codereasoner.execution import Executor

    with Executor() as executor:
        summary = distill_dir(tasks, teacher, args.output, cfg=cfg, executor=executor,
                              progress=not args.no_progress, overwrite=args.overwrite)
    from pathlib import Path

    print(json.dumps({"out": str(Path(args.output) / DISTILLED), "tasks": summary.tasks, "kept": summary.kept,
                      "rejected_tasks": summary.rejected_tasks, "resumed_tasks": summary.skipped_done,
                      "verdicts": dict(summary.verdicts)}, indent=2))
    return 0
