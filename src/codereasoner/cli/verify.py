"""`codereasoner verify IN.jsonl [-o OUT.jsonl] [--mode strict|official] [--workers N]` (docs/formats.md).

Reads CRUXEval-style answer records `{"id", "task": "output"|"input", "code", "input", "output", "answer"}`
and writes one `{"id", "correct", "status", "detail", "mode"}` line per input line, same order. A malformed
line gets status `invalid` with its file:line and the others are still checked. Stage code is imported
inside `run()` so `--help` stays light.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXAMPLE = """example:
  echo '{"id": "0", "task": "output", "code": "def f(x):\\n    return x + 1", "input": "1", "output": "2", "answer": "2"}' > answers.jsonl
  codereasoner verify answers.jsonl --mode strict -o verdicts.jsonl
"""

FIELDS = ("id", "task", "code", "input", "output", "answer")
CHUNK = 512  # verdicts per executor batch: big enough to keep the pool busy, small enough for progress


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="check answers to output/input prediction (strict literal check, or CRUXEval's official rule)",
        description="Verify CRUXEval-style answers. strict: answers must be literals, compared by type and "
        "value; no answer code runs. official: CRUXEval's harness rule (executes the answer, isolated).",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="IN.jsonl", help="answer records, one JSON object per line ('-' = stdin)")
    p.add_argument("-o", "--output", metavar="OUT.jsonl", help="where to write verdicts (default: stdout)")
    p.add_argument("--mode", choices=("strict", "official"), default="strict",
                   help="strict (default; for rewards) or official (reproduces published CRUXEval numbers)")
    p.add_argument("--workers", type=int, default=None, help="executor worker processes (default: CPU count)")
    p.set_defaults(run=run)


def row_task(obj: Any, where: str) -> Any:
    """A Task from one answer record, or raise ValueError naming `where` and the problem."""
    from codereasoner.rewards.official import cruxeval_task

    if not isinstance(obj, dict):
        raise ValueError(f"{where}: expected a JSON object")
    for name in FIELDS:
        if not isinstance(obj.get(name), str):
            raise ValueError(f"{where}: field {name!r} must be a string")
    if obj["task"] not in ("output", "input"):
        raise ValueError(f"{where}: field 'task' must be 'output' or 'input', got {obj['task']!r}")
    return cruxeval_task(obj["id"], obj["task"], obj["code"], obj["input"], obj["output"])


def verdict_rows(records: Sequence[tuple[str, Any]], mode: str, executor: Any = None,
                 on_chunk: Callable[[int], Any] | None = None) -> list[dict[str, Any]]:
    """One `{"id", "correct", "status", "detail", "mode"}` row per (where, record), same order: a malformed
    record (a `BadLine`, a wrong field) gets status `invalid` naming `where`; the rest are verified in chunks
    (`on_chunk(n)` after each). `codereasoner serve`'s /verify answers with the same rows."""
    from codereasoner.jsonl import BadLine
    from codereasoner.rewards.verify import verify_batch

    rows: list[dict[str, Any]] = []  # output rows; {} placeholders for the records still to check
    pending: list[tuple[int, Any, str]] = []
    for where, obj in records:
        rid = obj.get("id") if isinstance(obj, dict) else None
        try:
            if isinstance(obj, BadLine):
                raise ValueError(obj.error)
            task = row_task(obj, where)
        except ValueError as e:
            rows.append({"id": rid, "correct": False, "status": "invalid", "detail": str(e), "mode": mode})
            continue
        rows.append({})
        pending.append((len(rows) - 1, task, obj["answer"]))
    if on_chunk is not None and len(rows) > len(pending):
        on_chunk(len(rows) - len(pending))  # the invalid ones are done
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start:start + CHUNK]
        verdicts = verify_batch([t for _, t, _ in chunk], [a for _, _, a in chunk], mode=mode, executor=executor)
        for (slot, task, _), v in zip(chunk, verdicts):
            rows[slot] = {"id": task.id, "correct": v.correct, "status": v.status.value, "detail": v.detail,
                          "mode": mode}
        if on_chunk is not None:
            on_chunk(len(chunk))
    return rows


def run(args: argparse.Namespace) -> int:
    import json

    from tqdm import tqdm

    from codereasoner.jsonl import read_jsonl, write_atomic

    records = list(read_jsonl(args.input))
    executor = None
    if args.workers is not None and records:
        from codereasoner.execution import Executor

        executor = Executor(workers=args.workers)
    try:
        with tqdm(total=len(records), desc=f"verify ({args.mode})", unit="answer", file=sys.stderr,
                  disable=len(records) < CHUNK) as bar:
            rows = verdict_rows(records, args.mode, executor, on_chunk=bar.update)
    finally:
        if executor is not None:
            executor.close()

    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    print(f"verify: {len(rows)} records ({summary}); mode={args.mode}", file=sys.stderr)
    return 1 if counts.get("invalid") else 0
