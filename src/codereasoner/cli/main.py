"""The root parser. Each subcommand module exposes `add_parser(subparsers)` and `run(args) -> int`.

Subcommand modules import only argparse-level code at the top; stage code (and torch) is imported
inside `run()`, so `codereasoner --help` stays fast and torch-free.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules under codereasoner.cli, in the order `--help` lists them.
COMMANDS = [
    "execute",
    "verify",
    "data",
    "train",
    "evaluate",
    "export",
    "serve",
    "quickstart",
    "experiment",
    "benchmarks",
    "list_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    from codereasoner import __version__

    parser = argparse.ArgumentParser(
        prog="codereasoner",
        description="Teach language models to reason about code execution "
        "(CodeReasoner, ExecVerify, StepCodeReasoner).",
        epilog="Start with `codereasoner quickstart` (tiny model, CPU, offline). "
        "Every subcommand has its own --help.",
    )
    parser.add_argument("--version", action="version", version=f"codereasoner {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"codereasoner.cli.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except (ValueError, KeyError, FileNotFoundError) as e:
        # Config and input errors: one clear line, exit 2 (usage), no traceback.
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"codereasoner: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("codereasoner: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
