"""Realism of the training programs against CRUXEval, measured in the same run with the same code.

    python bench/bench_realism.py [--n 3000] [--recipe execverify] [--seed 0] [--workers 2]
                                  [--cruxeval PATH] [--json OUT] [--set data.FIELD=VALUE ...] [--no-filters]

Builds the recipe's dataset for real (`codereasoner data build`: draw, dedupe, decontaminate, engine checks and
every filter the build applies) from `--n` drawn programs into a temporary folder, then measures its kept
programs and CRUXEval's 800 functions with `programs.stats.realism` (each function run on its own input and
on mutations of it, traced) and checks the targets:

- functions whose output never changes over >= 4 inputs: at most 1.25x CRUXEval's share;
- trivial outputs (bool, None, 0, +-1, empty): at most CRUXEval's share + 3 points;
- method-call frequency: Jensen-Shannon divergence to CRUXEval's at most 0.12;
- comprehension / ternary / try / break-continue / f-string, and string arguments with a space: each at
  least half of CRUXEval's share.

`--no-filters` turns the data build's filters off (static checks, input dependence, output caps), to see
what synthesis alone gives. Prints the table (and lines, trace steps per level, output types, degenerate
constructs); exits 1 when a target is missed. Not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from codereasoner.config import benchmarks_root
from codereasoner.execution import Executor
from codereasoner.jsonl import read_records
from codereasoner.pipeline import build_data
from codereasoner.programs.stats import DEGENERATE, Realism, check_targets, load_cruxeval, realism
from codereasoner.records import Program


NO_FILTERS = ["data.filters={static: [], independence_inputs: 0, max_share: 1, max_bool: 1, max_none: 1, "
              "max_empty: 1, max_zero: 1, max_one: 1}"]


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


def table(ours: Realism, ref: Realism) -> tuple[str, bool]:
    rows = [f"{'measure':<36}{'ours':>10}{'CRUXEval':>10}  {'target':<14}{'':>4}"]
    ok_all = True
    for c in check_targets(ours, ref):
        ok_all &= c.passed
        value = f"{c.ours:.3f}" if c.name == "method_jsd" and c.ours is not None else pct(c.ours)
        target = c.target if c.name == "method_jsd" else (
            c.target.split()[0] + " " + pct(float(c.target.split()[1])) if c.target != "n/a" else c.target)
        rows.append(f"{c.name:<36}{value:>10}{pct(c.reference) if c.name != 'method_jsd' else '-':>10}  "
                    f"{target:<14}{'ok' if c.passed else 'MISS':>4}")
    rows.append("")
    for name in DEGENERATE:
        rows.append(f"{'degenerate: ' + name:<36}{pct(ours.degenerate.get(name)):>10}"
                    f"{pct(ref.degenerate.get(name)):>10}")
    for name in ("slicing", "while", "index_loop", "lambda", "recursion", "helper"):
        rows.append(f"{'construct: ' + name:<36}{pct(ours.constructs.get(name)):>10}"
                    f"{pct(ref.constructs.get(name)):>10}")
    rows.append(f"{'empty collection arguments':<36}{pct(ours.empty_collection_args):>10}"
                f"{pct(ref.empty_collection_args):>10}")
    rows.append(f"{'lines per function':<36}{ours.lines_mean:>10}{ref.lines_mean:>10}")
    rows.append(f"{'trace line-steps per call':<36}{ours.steps_mean!s:>10}{ref.steps_mean!s:>10}")
    rows.append(f"lines per level:       {ours.lines_per_level}")
    rows.append(f"trace steps per level: {ours.steps_per_level}")
    top = lambda r: ", ".join(f"{t} {100 * s:.0f}%" for t, s in list(r.output_types.items())[:6])  # noqa: E731
    rows.append(f"output types (ours):     {top(ours)}")
    rows.append(f"output types (CRUXEval): {top(ref)}")
    return "\n".join(rows), ok_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="programs drawn for the build (before filters)")
    parser.add_argument("--recipe", default="execverify")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cruxeval", type=Path, default=None, help="cruxeval.jsonl (default: benchmark folder)")
    parser.add_argument("--json", type=Path, default=None, help="also write both reports here")
    parser.add_argument("--set", action="append", default=[], metavar="data.FIELD=VALUE",
                        help="recipe override for the build (repeatable)")
    parser.add_argument("--no-filters", action="store_true", help="build without the data filters")
    args = parser.parse_args()
    overrides = list(args.set) + (NO_FILTERS if args.no_filters else [])

    crux_path = args.cruxeval or benchmarks_root() / "cruxeval" / "cruxeval.jsonl"
    if not crux_path.is_file():
        sys.exit(f"bench_realism: CRUXEval not found at {crux_path} (pass --cruxeval or set CODEREASONER_BENCHMARKS)")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        summary = build_data(args.recipe, args.n, args.seed, Path(tmp) / "data", workers=args.workers,
                             progress=False, overrides=overrides)
        programs = [p for p in read_records(Path(tmp) / "data" / "programs.jsonl", Program)
                    if isinstance(p, Program)]
    built = time.perf_counter() - start
    with Executor(workers=args.workers) as executor:
        ref = realism(load_cruxeval(crux_path), executor)  # benchmark code: untrusted
        trusted = all(p.source == "synth" for p in programs)
        ours = realism(programs, executor, reference=ref, trusted=trusted)
    text, ok = table(ours, ref)
    print(f"recipe {args.recipe}{' ' + ' '.join(overrides) if overrides else ''}, seed {args.seed}: {args.n} drawn -> {len(programs)} programs kept "
          f"({ours.functions} functions, {summary.total_tasks} tasks) in {built:.0f} s; "
          f"CRUXEval: {ref.functions} functions; measured in {time.perf_counter() - start - built:.0f} s\n")
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"ours": ours.to_dict(), "cruxeval": ref.to_dict()}, indent=2) + "\n")
    print("\nall targets met" if ok else "\nsome targets missed")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
