"""Verifier throughput: verdicts per second of `verify_batch` by mode and task kind, on CRUXEval rows.

Run: `python bench/bench_verify.py [--n 4000] [--workers 2]`. Prints one JSON line per case (stdout).
Strict output answers are literal comparisons (no process runs); strict input and official answers each
run once in the executor, so they scale with the worker count.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000, help="verdicts per case")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data", help="cruxeval.jsonl (default: the copy `codereasoner benchmarks fetch cruxeval` keeps, "
                    "or $CODEREASONER_BENCHMARKS/cruxeval/cruxeval.jsonl)")
    args = ap.parse_args()

    from codereasoner.execution import Executor
    from codereasoner.rewards.official import cruxeval_task
    from codereasoner.rewards.verify import verify_batch

    from codereasoner.config import benchmarks_root

    data = Path(args.data) if args.data else benchmarks_root() / "cruxeval" / "cruxeval.jsonl"
    if not data.is_file():
        raise SystemExit(f"bench_verify: no CRUXEval file at {data} (run `codereasoner benchmarks fetch cruxeval` or pass --data)")
    rows = [json.loads(x) for x in data.read_text().splitlines()]
    rows = (rows * (args.n // len(rows) + 1))[: args.n]
    cases = {
        ("strict", "output"): ([cruxeval_task(r["id"], "output", r["code"], r["input"], r["output"]) for r in rows],
                               [f"<reasoning>\nx\n</reasoning>\n<answer>\nassert f({r['input']}) == {r['output']}\n"
                                "</answer>" for r in rows]),
        ("strict", "input"): ([cruxeval_task(r["id"], "input", r["code"], r["input"], r["output"]) for r in rows],
                              [f"f({r['input']})" for r in rows]),
        ("official", "output"): ([cruxeval_task(r["id"], "output", r["code"], r["input"], r["output"]) for r in rows],
                                 [r["output"] for r in rows]),
    }
    with Executor(workers=args.workers) as ex:
        verify_batch(cases[("strict", "input")][0][:8], cases[("strict", "input")][1][:8], executor=ex)  # warm up
        for (mode, kind), (tasks, comps) in cases.items():
            start = time.perf_counter()
            verdicts = verify_batch(tasks, comps, mode=mode, executor=ex)
            secs = time.perf_counter() - start
            correct = sum(v.correct for v in verdicts)
            print(json.dumps({"mode": mode, "kind": kind, "n": len(tasks), "workers": args.workers,
                              "seconds": round(secs, 3), "verdicts_per_s": round(len(tasks) / secs, 1),
                              "correct": correct}))


if __name__ == "__main__":
    main()
