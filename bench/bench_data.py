"""Data-build speed: tasks per second for `codereasoner data build` on 10,000 programs, against a naive baseline.

    python bench/bench_data.py [--n 10000] [--recipes codereasoner,execverify,stepcodereasoner]
                               [--workers 2] [--baseline-n 200]

Pipeline: the real build (draw, dedupe, decontaminate, engine checks, traced runs, tasks, shards, card) into a
temporary folder, per recipe. Baseline (the seed papers' design, e.g. ExecVerify's filter_by_execution.py /
extract_trace.py): one fresh `python -c` process per program that runs and traces the call, `--workers` at a
time, on the first `--baseline-n` programs; it makes no tasks at all, so the ratio understates the gap.
Per core: the machine is shared, so wall time says little; the build's CPU time (this process plus every
process under it — the executor's workers — sampled from /proc every 50 ms, since workers that die inside
their sandbox are never reaped into RUSAGE_CHILDREN) gives tasks per CPU-second, i.e. per core (target:
>= 400 for every recipe, with the default filters on). Prints a table; not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from codereasoner.pipeline import build_data
from codereasoner.recipe import load_recipe
from codereasoner.tasks.draw import draw_programs

# A minimal settrace tracer like ExecVerify's extract_trace.py: line events with repr'd locals, as JSON.
TRACER = """
import json, sys
steps = []
def local(frame, event, arg):
    steps.append([event, frame.f_lineno, {k: repr(v)[:200] for k, v in frame.f_locals.items()}])
    return local
def glob(frame, event, arg):
    return local if frame.f_code.co_filename == "<program>" else None
ns = {}
exec(compile(CODE, "<program>", "exec"), ns)
sys.settrace(glob)
result = eval(compile(CALL, "<call>", "eval"), ns)
sys.settrace(None)
print(json.dumps({"result": repr(result), "steps": steps}))
"""


def baseline_rate(programs: list, workers: int) -> float:
    def one(p) -> int:  # noqa: ANN001
        source = f"CODE = {p.code!r}\nCALL = {p.call!r}\n{TRACER}"
        return subprocess.run([sys.executable, "-c", source], capture_output=True, timeout=60).returncode

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, programs))
    return len(programs) / (time.perf_counter() - start)


class TreeCPU:
    """CPU seconds used by this process and all its descendants while the block runs (sampled /proc)."""

    def __enter__(self) -> TreeCPU:
        self.seen: dict[int, float] = {}  # pid -> utime + stime last seen
        self._sampler_cpu = 0.0
        self.start = self._own()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        # the sampler's own CPU is not the build's
        self.seconds = self._own() - self.start - self._sampler_cpu + sum(self.seen.values())

    @staticmethod
    def _own() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        return own.ru_utime + own.ru_stime

    def _sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        me = os.getpid()
        while not self._stop.wait(0.05):
            parents: dict[int, int] = {}
            cpu: dict[int, float] = {}
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        fields = fh.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry)] = int(fields[1])
                cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
            for pid, used in cpu.items():
                up, hops = parents.get(pid), 0
                while up not in (None, 0, 1, me) and hops < 20:
                    up, hops = parents.get(up), hops + 1
                if up == me and pid != me:
                    self.seen[pid] = max(self.seen.get(pid, 0.0), used)
            self._sampler_cpu = time.thread_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--recipes", default="codereasoner,execverify,stepcodereasoner")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rows = []
    for name in args.recipes.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            with TreeCPU() as usage:
                summary = build_data(name, args.n, args.seed, Path(tmp) / name, workers=args.workers,
                                     progress=False)
            seconds, cpu = time.perf_counter() - start, usage.seconds
        rows.append({"recipe": name, "programs": args.n, "kept": summary.programs.get("kept", 0),
                     "tasks": summary.total_tasks, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
                     "tasks_per_s": round(summary.total_tasks / seconds, 1),
                     "tasks_per_cpu_s": round(summary.total_tasks / cpu, 1),
                     "programs_per_s": round(args.n / seconds, 1)})
        print(json.dumps(rows[-1]), flush=True)

    programs, _ = draw_programs(load_recipe("codereasoner").data, args.baseline_n, args.seed)
    base = baseline_rate(programs, args.workers)
    print(f"\n{'recipe':<18}{'programs':>9}{'kept':>7}{'tasks':>8}{'seconds':>9}{'tasks/s':>9}"
          f"{'tasks/cpu-s':>13}{'programs/s':>12}{'vs naive':>10}")
    for r in rows:
        print(f"{r['recipe']:<18}{r['programs']:>9}{r['kept']:>7}{r['tasks']:>8}{r['seconds']:>9}"
              f"{r['tasks_per_s']:>9}{r['tasks_per_cpu_s']:>13}{r['programs_per_s']:>12}"
              f"{r['programs_per_s'] / base:>9.1f}x")
    print(f"naive baseline (process per program, run + trace only, no tasks): {base:.1f} programs/s "
          f"on {len(programs)} programs, {args.workers} at a time")


if __name__ == "__main__":
    main()
