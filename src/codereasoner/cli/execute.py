"""`codereasoner exec`: run JSONL programs in the isolated executor (docs/formats.md, exec records).

Reads `{"id", "code", "call"}` lines, writes one `{"id", "status", "result", "error", "stdout",
"trace"?}` line per input line, in input order. Each result is written as soon as it and every
result before it are done, so an interrupted run (even kill -9) loses only the few records in flight
and resumes where it stopped: the first K output lines answer the first K input lines, and a rerun
skips exactly those (`--resume`, the default; `--overwrite` starts again). A bad line (not UTF-8,
not JSON, too deep, too long, a missing field, an id used before) gets an `invalid` result naming
file:line; no other record is lost.
"""

from __future__ import annotations

import argparse
import sys

CHUNK = 256  # records per executor call; results stream out one by one, so a kill loses only those in flight


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "exec",
        help="run programs in the isolated executor (optionally traced)",
        description="Run each record's `call` after its `code` in isolated worker processes; "
        "one JSON result per input line, same order.",
        epilog="example: codereasoner exec --examples --trace | head -c 600",
    )
    p.add_argument("input", nargs="?", help='JSONL of {"id", "code", "call"}; "-" reads stdin')
    p.add_argument("-o", "--output", default="-", help='output JSONL (default: "-", stdout)')
    p.add_argument("--examples", action="store_true", help="run the bundled example programs instead of INPUT")
    p.add_argument("--trace", action="store_true", help="record per-step events, locals and coverage")
    p.add_argument("--timeout", type=float, default=2.0, help="seconds per record (default: 2)")
    p.add_argument("--memory-mb", type=int, default=1024, help="memory per worker process (default: 1024)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count)")
    p.add_argument("--max-steps", type=int, default=10_000, help="trace steps kept per record (default: 10000)")
    p.add_argument("--max-repr", type=int, default=200, help="characters kept of each traced value (default: 200)")
    p.add_argument("--trust", choices=["untrusted", "trusted"], default="untrusted",
                   help="untrusted (default): each record runs in a process that dies with it and shares "
                   "nothing with what reports other records' results; trusted: the fast persistent pool, "
                   "only for the framework's own synthesised programs on literal inputs")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--resume", dest="overwrite", action="store_false", help="skip the records OUTPUT already answers (the default)")
    group.add_argument("--overwrite", dest="overwrite", action="store_true", help="start OUTPUT afresh")
    p.set_defaults(run=run, overwrite=False)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except BrokenPipeError:  # `| head`: the reader has all it wants
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace) -> int:
    import json
    from importlib import resources
    from pathlib import Path

    from codereasoner.execution import ExecLimits, Executor, Trust
    from codereasoner.jsonl import BadLine, ResumableWriter, read_records_at
    from codereasoner.records import Program, Run, RunStatus, to_json

    if args.examples:
        source = str(resources.files("codereasoner.execution").joinpath("examples.jsonl"))
    elif args.input:
        source = args.input
    else:
        raise ValueError("give an INPUT file (or - for stdin), or --examples")
    if source != "-" and not Path(source).exists():
        raise FileNotFoundError(f"no such input file: {source}")
    limits = ExecLimits(timeout_s=args.timeout, memory_mb=args.memory_mb, max_steps=args.max_steps,
                        max_repr=args.max_repr)

    writer = None
    skip = 0
    done_ids: list[object] = []
    if args.output != "-":
        writer = ResumableWriter(args.output, overwrite=args.overwrite, fsync=False)
        skip = writer.count
        if skip:
            with open(args.output, encoding="utf-8") as f:
                done_ids = [json.loads(line).get("id") for line in f if line.strip()]
    total = None
    if source != "-":
        with open(source, "rb") as raw:
            total = sum(1 for line in raw if line.strip())
    if total is not None and skip > total:
        raise ValueError(f"{args.output} has {skip} results but {source} only {total} records; use --overwrite")

    def emit(run: Run) -> None:
        obj = to_json(run)
        if obj.get("trace") is None:
            obj.pop("trace", None)
        else:
            for step in obj["trace"]["steps"]:
                if step["event"] != "return":
                    step.pop("value", None)  # docs/formats.md: `value` only on return steps
        if writer is not None:
            writer.write(obj)
        else:
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")

    bar = None
    if total is not None and total - skip > 200:
        from tqdm import tqdm

        bar = tqdm(total=total, initial=skip, file=sys.stderr, unit="rec", desc="exec")
    batch: list[Program | BadLine] = []
    with Executor(workers=args.workers, limits=limits) as executor:

        def flush() -> None:
            programs = [r for r in batch if isinstance(r, Program)]
            runs = executor.stream(programs, trace=args.trace, trust=Trust(args.trust))
            for record in batch:
                if isinstance(record, BadLine):
                    emit(Run(record.id, RunStatus.INVALID, error=record.error))  # type: ignore[arg-type]
                else:
                    result = next(runs)
                    emit(Run(result.id, result.status, result.result, result.error, result.stdout,
                             result.trace, meta=dict(record.meta)))
            if bar is not None:
                bar.update(len(batch))
            batch.clear()

        first_seen: dict[str, str] = {}
        for position, (where, record) in enumerate(read_records_at(source, Program)):
            if isinstance(record, Program):
                if record.id in first_seen:
                    record = BadLine(where, f"{where}: duplicate id {record.id!r} (first used at "
                                     f"{first_seen[record.id]})", "", record.id)
                else:
                    first_seen[record.id] = where
            if position < skip:
                rid = record.id if isinstance(record, (Program, BadLine)) else None
                if rid != done_ids[position]:
                    raise ValueError(f"{args.output} line {position + 1} is for id {done_ids[position]!r}, "
                                     f"but input record {position + 1} has id {rid!r}: not a run of this "
                                     "input; use --overwrite")
                continue
            batch.append(record)
            if len(batch) >= CHUNK:
                flush()
        if batch:
            flush()
    if bar is not None:
        bar.close()
    if writer is not None:
        writer.close()
        print(f"codereasoner: wrote {writer.count} results to {args.output}", file=sys.stderr)
    return 0
