"""Benchmark: official CRUXEval scoring with our engine vs the official process-per-check design.

Scores the CodeLlama-7B output generations (800 samples × the first 5 answers = 4,000 checks) in official
mode with `codereasoner.evaluation` (persistent isolated worker pool), and times the official harness's
design on a subset: per answer a fresh `multiprocessing.Manager()` + `multiprocessing.Process`
(utils_execute.check_correctness @ 190faf1), samples spread over a `ProcessPoolExecutor` with the same
number of workers; the subset time is extrapolated to all 800 samples. Prints both and the ratio
(target ≥ 20×). Both sides run here, in the same process tree, on the same machine.

    python bench/bench_score.py [--workers 2] [--subset 40] [--answers 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
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
    signal.setitimer(signal.ITIMER_REAL, 3.0)  # the harness's time_limit(3)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(program, {})  # noqa: S102 — the baseline being measured; benchmark data, not model text only
        result.append("passed")
    except TimeoutError:
        result.append("timed out")
    except BaseException as e:  # noqa: BLE001 — the harness records every failure as "failed"
        result.append(f"failed: {e}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _check_correctness(program: str) -> bool:
    """check_correctness(program, 3): a Manager and a Process per check, join timeout + 1."""
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


def _evaluate_sample(args: tuple[list[str], tuple[str, str, str]]) -> list[bool]:
    gs, (code, inp, out) = args
    return [False if f"f({inp})" in g else _check_correctness(f"{code}\nassert {out} == {g}") for g in gs]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", help="the benchmarks folder (default: $CODEREASONER_BENCHMARKS, else the cache that "
                    "`codereasoner benchmarks fetch cruxeval` fills)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--subset", type=int, default=40, help="samples timed with the process-per-check baseline")
    ap.add_argument("--answers", type=int, default=5, help="answers per sample")
    args = ap.parse_args()
    from codereasoner.config import benchmarks_root

    root = (Path(args.data) if args.data else benchmarks_root()) / "cruxeval"
    if not (root / "cruxeval.jsonl").is_file():
        raise SystemExit(f"bench_score: no CRUXEval data under {root} (run `codereasoner benchmarks fetch cruxeval` or pass --data)")
    rows = [json.loads(line) for line in (root / "cruxeval.jsonl").open()]
    gens = json.loads((root / "samples" / "codellama-7b_temp0.2_output_generations.json").read_text())
    gens = {f"sample_{i}": gens[f"sample_{i}"][: args.answers] for i in range(len(rows))}

    from codereasoner.evaluation.benchmarks import BENCHMARKS
    from codereasoner.evaluation.scoring import load_generations
    from codereasoner.execution import Executor

    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / "bench_score_gens.json"
    tmp.write_text(json.dumps(gens))
    bench = BENCHMARKS.get("cruxeval")()
    started = time.perf_counter()
    with Executor(workers=args.workers) as ex:  # pool start-up is counted
        tasks = bench.load(root / "cruxeval.jsonl", task="output")
        report = bench.score(tasks, load_generations(tmp), mode="official", executor=ex)
    ours = time.perf_counter() - started
    checks = sum(len(g) for g in gens.values())
    print(f"ours: {checks} checks in {ours:.2f} s (pass@1 {report.metrics['pass@1']:.4f}), {args.workers} workers")

    subset = [(gens[f"sample_{i}"], (r["code"], r["input"], r["output"])) for i, r in enumerate(rows[: args.subset])]
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        baseline_lists = list(pool.map(_evaluate_sample, subset))
    part = time.perf_counter() - started
    mine = [report.meta["scored"][f"sample_{i}"] for i in range(args.subset)]
    agree = sum(a == (b if True in b else [False] * len(b)) for a, b in zip(mine, baseline_lists))
    baseline = part * len(rows) / args.subset
    print(f"process-per-check: {args.subset} samples in {part:.2f} s → {baseline:.1f} s for {len(rows)} "
          f"(extrapolated); per-sample lists agree on {agree}/{args.subset}")
    print(f"speed-up: {baseline / ours:.1f}x (target >= 20x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
