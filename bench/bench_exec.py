"""Engine speed on CRUXEval's 800 calls, as ratios against a process-per-check baseline run alongside.

    python bench/bench_exec.py [--baseline-n 100] [--repeat 3] [--workers N]

Baseline: one `python -c "<code>\\nassert f(<input>) == <output>"` per check (the official CRUXEval
harness's design: a new process per check), `workers` at a time, on the first `--baseline-n` checks.
Untrusted (a forked child per check, `workers` x 2 fork servers, docs/engine.md): the 800 assertion programs (`call="None"`), and
the 800 calls `f(<input>)` as `run_calls` jobs whose decoded values the parent compares with the
expected output. Trusted (the persistent pool): the assertion programs, and the calls with full traces.
Also the unsafe in-process rate (compile + exec in this process), the ceiling of any isolated design.
Targets: untrusted >= 1,000 checks/s and >= 10x baseline; trusted plain >= 50x, trusted traced >= 15x.
Also the CPU time one untrusted check costs (this process, the fork servers, the task processes they
reaped; from /proc), which a loaded machine inflates less than wall-clock rates: 2 cores / that = the
rate two idle cores could reach; and beside it the floor of any fork-per-check design on this machine
now: a bare `python -s -S` with the fork servers' modules, warmed, forking a child per check that only
compiles and runs it (no sandbox, no pipes). Prints a table; not a test.

`--ab` adds an A/B of the untrusted design choices in this one run: one fork server per worker with
common modules preloaded (the earlier design), two per worker, and two per worker with slim servers for
tasks that name no import (the default), each on the 800 assertion programs, in alternating rounds.
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

import ast

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.cruxeval import load_items
from codereasoner.execution import Executor, Trust
from codereasoner.execution.values import decode
from codereasoner.records import CallJob, Program

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


def pool_rate(ex: Executor, programs: list[Program], trace: bool, repeat: int, trust: Trust) -> tuple[float, int]:
    rates, ok = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        runs = ex.run(programs, trace=trace, trust=trust)
        rates.append(len(programs) / (time.perf_counter() - start))
        ok = sum(r.ok for r in runs)
    return statistics.median(rates), ok


def calls_rate(ex: Executor, rows: list[dict], repeat: int) -> tuple[float, int]:
    """run_calls + the parent's comparison of decoded values with the expected outputs (a judge's loop)."""
    jobs = [CallJob(r["id"], r["code"], calls=(f"f({r['input']})",)) for r in rows]
    rates, ok = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        runs = ex.run_calls(jobs)
        ok = 0
        for row, run in zip(rows, runs):
            result = run.results[0] if run.results else None
            if result is not None and result.status == "ok":
                try:
                    ok += decode(result.value) == ast.literal_eval(row["output"])
                except ValueError:
                    pass
        rates.append(len(jobs) / (time.perf_counter() - start))
    return statistics.median(rates), ok


FORK_FLOOR = """
import json, os, sys
sys.path.insert(0, sys.argv[1])  # the engine's sandbox-side modules, imported as a fork server does
import harden, runner, tracer, values
for name in harden.SERVER_PRELOAD:
    __import__(name)
exec(compile("def f(x):\\n    return [str(x), {x: (x, 1.5)}, sorted([x])]\\nassert f(1) == f(1)", "<warm>", "exec"), {})
sources = json.load(sys.stdin)
import gc
gc.collect()
gc.freeze()
start = os.times()
for source in sources:
    pid = os.fork()
    if pid == 0:
        try:
            exec(compile(source, "<check>", "exec"), {"__name__": "__main__"})
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
end = os.times()
print((end.user + end.system + end.children_user + end.children_system
       - start.user - start.system - start.children_user - start.children_system) / len(sources))
"""


def fork_floor_ms(sources: list[str]) -> float:
    """CPU ms per check of the bare fork-per-check loop above (see the module docstring)."""
    import codereasoner.execution

    here = str(Path(codereasoner.execution.__file__).parent)
    out = subprocess.run([sys.executable, "-s", "-S", "-c", FORK_FLOOR, here], input=json.dumps(sources),
                         capture_output=True, text=True, timeout=600, check=True).stdout
    return float(out) * 1000


def _cpu_seconds() -> tuple[float, float, float]:
    """CPU seconds used so far by this process, by its live descendants (the fork servers), and by the
    processes those reaped (the task processes): /proc's utime+stime and cutime+cstime."""
    tick, stats = os.sysconf("SC_CLK_TCK"), {}
    for name in os.listdir("/proc"):
        try:
            text = Path(f"/proc/{name}/stat").read_text() if name.isdigit() else ""
        except OSError:
            continue
        if text:
            fields = text[text.rindex(")") + 2:].split()  # state, ppid, ...; utime is field 14 of stat
            stats[int(name)] = (int(fields[1]), [int(x) for x in fields[11:15]])
    tree, grown = {os.getpid()}, True
    while grown:
        kids = {pid for pid, (ppid, _) in stats.items() if ppid in tree} - tree
        tree |= kids
        grown = bool(kids)
    tree.discard(os.getpid())
    own = sum(t[0] + t[1] for _, t in (stats[p] for p in tree)) / tick
    reaped = sum(t[2] + t[3] for _, t in (stats[p] for p in tree)) / tick
    me = os.times()
    return me.user + me.system, own, reaped


AB_DESIGNS = (  # (name, fork servers per worker, slim servers)
    ("1 fork server per worker, preloaded", 1, False),
    ("2 fork servers per worker, preloaded", 2, False),
    ("2 fork servers per worker, slim (default)", 2, True),
)


def untrusted_ab(programs: list[Program], workers: int, rounds: int) -> list[tuple[str, float, float]]:
    """(design, median checks/s, CPU ms per check) for each of AB_DESIGNS, rounds alternating."""
    executors = [Executor(workers=workers, fork_servers=per * workers, slim_servers=slim) for _, per, slim in AB_DESIGNS]
    rates: list[list[float]] = [[] for _ in AB_DESIGNS]
    cpu: list[float] = [0.0] * len(AB_DESIGNS)
    try:
        for ex in executors:
            ex.run(programs[:50])  # starts its fork servers
        for _ in range(rounds):
            for k, ex in enumerate(executors):
                before, start = _cpu_seconds(), time.perf_counter()
                assert all(r.ok for r in ex.run(programs))
                rates[k].append(len(programs) / (time.perf_counter() - start))
                cpu[k] += sum(_cpu_seconds()) - sum(before)
    finally:
        for ex in executors:
            ex.close()
    return [(name, statistics.median(r), c * 1000 / (len(programs) * rounds))
            for (name, _, _), r, c in zip(AB_DESIGNS, rates, cpu)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="cruxeval.jsonl or its folder (default: $CODEREASONER_BENCHMARKS/cruxeval/, "
                        "else the copy `codereasoner benchmarks fetch cruxeval` keeps)")
    parser.add_argument("--baseline-n", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--ab", action="store_true", help="also compare the untrusted design choices (see above)")
    args = parser.parse_args()

    data = BENCHMARKS.get("cruxeval")().resolve_data(args.data)  # --data, else under benchmarks_root()
    if data is None:
        raise SystemExit("bench_exec: no local CRUXEval (run `codereasoner benchmarks fetch cruxeval` or pass --data)")
    rows = load_items(data)
    sources = checks(rows)
    plain = [Program(r["id"], s, "None") for r, s in zip(rows, sources)]
    traced = [Program(r["id"], r["code"], f"f({r['input']})") for r in rows]

    base = baseline_rate(sources[: args.baseline_n], args.workers)
    unsafe = statistics.median(in_process_rate(sources) for _ in range(args.repeat))
    floor_ms = statistics.median(fork_floor_ms(sources) for _ in range(args.repeat))
    with Executor(workers=args.workers) as ex:
        servers = ex.fork_servers
        start = time.perf_counter()
        ex.run(plain[:50])  # starts the fork servers (warm-up)
        cold = time.perf_counter() - start
        before = _cpu_seconds()
        untrusted_rate, untrusted_ok = pool_rate(ex, plain, False, args.repeat, Trust.UNTRUSTED)
        cpu_ms = [(b - a) * 1000 / (len(plain) * args.repeat) for a, b in zip(before, _cpu_seconds())]
        call_rate, call_ok = calls_rate(ex, rows, args.repeat)
        ex.run(plain[:50], trust=Trust.TRUSTED)
        plain_rate, plain_ok = pool_rate(ex, plain, False, args.repeat, Trust.TRUSTED)
        trace_rate, trace_ok = pool_rate(ex, traced, True, args.repeat, Trust.TRUSTED)

    print(f"CRUXEval {len(rows)} checks, {args.workers} workers ({servers} fork servers), load {os.getloadavg()[0]:.1f}, "
          f"untrusted cold start + 50 checks {cold * 1000:.0f} ms")
    print(f"{'design':46s} {'checks/s':>10s} {'vs baseline':>12s} {'target':>16s}")
    rows_out = [
        ("baseline: new process per check", base, ""),
        (f"untrusted, assert programs ({untrusted_ok} ok)", untrusted_rate, ">= 1000/s, >= 10x"),
        (f"untrusted, run_calls + parent compare ({call_ok} ok)", call_rate, ""),
        (f"trusted pool, plain ({plain_ok} ok)", plain_rate, ">= 50x"),
        (f"trusted pool, traced ({trace_ok} ok)", trace_rate, ">= 15x"),
        ("unsafe in-process compile+exec, 1 core", unsafe, ""),
    ]
    for name, rate, target in rows_out:
        print(f"{name:46s} {rate:10.1f} {rate / base:11.1f}x {target:>16s}")
    print(f"untrusted CPU per check: {cpu_ms[0]:.2f} ms this process + {cpu_ms[1]:.2f} ms fork servers + "
          f"{cpu_ms[2]:.2f} ms task processes = {sum(cpu_ms):.2f} ms: {2000 / sum(cpu_ms):.0f}/s on 2 idle cores")
    print(f"fork-per-check floor (fork, compile, exec; no sandbox, no pipes): {floor_ms:.2f} ms CPU per check: "
          f"{2000 / floor_ms:.0f}/s on 2 idle cores")
    per_core = plain_rate / args.workers
    print(f"trusted plain per core: {per_core:.0f}/s = {per_core / UNSAFE_LIMIT:.1%} of the {UNSAFE_LIMIT:,}/s unsafe limit")
    checks_ok = {
        "untrusted >= 1000/s": untrusted_rate >= 1000,
        "untrusted >= 10x": untrusted_rate / base >= 10,
        "trusted plain >= 50x": plain_rate / base >= 50,
        "trusted traced >= 15x": trace_rate / base >= 15,
    }
    print("targets: " + ", ".join(f"{k}: {'PASS' if v else 'MISS'}" for k, v in checks_ok.items()))
    if args.ab:
        print(f"A/B, untrusted assertion programs, {args.repeat} alternating rounds:")
        for name, rate, ms in untrusted_ab(plain, args.workers, args.repeat):
            print(f"  {name:44s} {rate:8.1f} checks/s {rate / base:6.1f}x  {ms:.2f} ms CPU per check")
        print(f"load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
