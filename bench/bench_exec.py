"""Engine speed on CRUXEval's 800 calls, as ratios against a process-per-check baseline run alongside.

    python bench/bench_exec.py [--baseline-n 100] [--repeat 3] [--workers N]

Baseline: one `python -c "<code>\\nassert f(<input>) == <output>"` per check (the official CRUXEval
harness's design: a new process per check), `workers` at a time, on the first `--baseline-n` checks.
Plain: the same 800 assertion programs through the Executor (`call="None"`). Traced: the 800 calls
`f(<input>)` with full traces. Also the unsafe in-process rate (compile + exec in this process), the
ceiling any isolated design can approach. Targets (issue 2): plain >= 50x baseline, traced >= 15x.
Prints a table; not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from codereasoner.execution import Executor
from codereasoner.records import Program

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "cruxeval" / "cruxeval.jsonl"
UNSAFE_LIMIT = 60_000  # checks/s on one core, in-process, no isolation (issue 2's reference figure)


def checks(rows: list[dict]) -> list[str]:
    return [f"{r['code']}\nassert f({r['input']}) == {r['output']}" for r in rows]


def baseline_rate(sources: list[str], workers: int) -> float:
    def one(source: str) -> int:
        return subprocess.run([sys.executable, "-c", source], capture_output=True, timeout=60).returncode

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        codes = list(pool.map(one, sources))
    assert codes.count(0) == len(codes), "baseline checks failed"
    return len(sources) / (time.perf_counter() - start)


def in_process_rate(sources: list[str]) -> float:
    start = time.perf_counter()
    for source in sources:
        exec(compile(source, "<check>", "exec"), {"__name__": "__main__"})  # noqa: S102 - trusted benchmark data
    return len(sources) / (time.perf_counter() - start)


def pool_rate(ex: Executor, programs: list[Program], trace: bool, repeat: int) -> tuple[float, int]:
    rates, ok = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        runs = ex.run(programs, trace=trace)
        rates.append(len(programs) / (time.perf_counter() - start))
        ok = sum(r.ok for r in runs)
    return statistics.median(rates), ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--baseline-n", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    sources = checks(rows)
    plain = [Program(r["id"], s, "None") for r, s in zip(rows, sources)]
    traced = [Program(r["id"], r["code"], f"f({r['input']})") for r in rows]

    base = baseline_rate(sources[: args.baseline_n], args.workers)
    unsafe = statistics.median(in_process_rate(sources) for _ in range(args.repeat))
    start = time.perf_counter()
    with Executor(workers=args.workers) as ex:
        cold = time.perf_counter() - start
        ex.run(plain[:50])  # warm-up
        plain_rate, plain_ok = pool_rate(ex, plain, False, args.repeat)
        trace_rate, trace_ok = pool_rate(ex, traced, True, args.repeat)

    print(f"CRUXEval {len(rows)} checks, {args.workers} workers, load {os.getloadavg()[0]:.1f}, pool cold start {cold * 1000:.0f} ms")
    print(f"{'design':42s} {'checks/s':>10s} {'vs baseline':>12s} {'target':>8s}")
    print(f"{'baseline: new process per check':42s} {base:10.1f} {1.0:11.1f}x {'':>8s}")
    print(f"{'executor, plain (' + str(plain_ok) + ' ok)':42s} {plain_rate:10.1f} {plain_rate / base:11.1f}x {'>= 50x':>8s}")
    print(f"{'executor, traced (' + str(trace_ok) + ' ok)':42s} {trace_rate:10.1f} {trace_rate / base:11.1f}x {'>= 15x':>8s}")
    print(f"{'unsafe in-process compile+exec, 1 core':42s} {unsafe:10.1f} {unsafe / base:11.1f}x")
    per_core = plain_rate / args.workers
    print(f"plain per core: {per_core:.0f}/s = {per_core / UNSAFE_LIMIT:.1%} of the {UNSAFE_LIMIT:,}/s unsafe limit "
          f"({per_core / unsafe:.1%} of the in-process rate measured here)")
    verdict = "PASS" if plain_rate / base >= 50 and trace_rate / base >= 15 else "MISS"
    print(f"targets: {verdict}")


if __name__ == "__main__":
    main()
