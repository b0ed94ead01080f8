"""Verifier throughput: verdicts per second of `verify_batch` by mode and task kind, on CRUXEval rows.

Run: `python bench/bench_verify.py [--n 4000] [--workers 2]`. Prints one JSON line per case (stdout).
Strict output answers are literal comparisons (no process runs); strict input and official answers each
run once in the executor, so they scale with the worker count.
"""

from __future__ import annotations

import argparse
import json
import time



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000, help="verdicts per case")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data", help="cruxeval.jsonl or its folder (default: $CODEREASONER_BENCHMARKS/cruxeval/, else "
                    "the copy `codereasoner benchmarks fetch cruxeval` keeps)")
    args = ap.parse_args()

    from codereasoner.evaluation.benchmarks import BENCHMARKS
    from codereasoner.evaluation.benchmarks.cruxeval import load_items
    from codereasoner.execution import Executor
    from codereasoner.rewards.official import cruxeval_task
    from codereasoner.rewards.verify import verify_batch

    data = BENCHMARKS.get("cruxeval")().resolve_data(args.data)  # --data, else under benchmarks_root()
    if data is None:
        raise SystemExit("bench_verify: no local CRUXEval (run `codereasoner benchmarks fetch cruxeval` or pass --data)")
    rows = load_items(data)
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
