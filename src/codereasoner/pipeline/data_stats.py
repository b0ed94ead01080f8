"""The data stage's report: `codereasoner data stats DIR [--against cruxeval|lcb_exec]`.

Measures a finished build's programs in the engine (`programs.stats`: input independence on fresh inputs,
trivial outputs, method-call frequencies, constructs, string arguments, lines, trace steps per level, output
types), and the same measures of a benchmark's functions in the same run when `--against` names one (loaded
through the benchmark registry, from `config.benchmarks_root()`), with the realism targets checked. Writes
DIR/stats.json, DIR/stats.png and the card's "What the data teaches" section, so a user sees what the data
teaches before spending GPU hours.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.jsonl import write_atomic
from codereasoner.records import Program

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

AGAINST = ("cruxeval", "lcb_exec")
STATS_FILE = "stats.json"
PLOT_FILE = "stats.png"


def read_programs(out_dir: Path) -> list[Program]:
    from codereasoner.jsonl import BadLine, read_records

    path = out_dir / "programs.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: is {out_dir} a finished `codereasoner data build`?")
    programs = []
    for item in read_records(path, Program):
        if isinstance(item, BadLine):
            raise ValueError(item.error)
        programs.append(item)
    return programs


def positional(call: str) -> str:
    """`fn(a = 1, b = [2])` → `fn(1, [2])` (LiveCodeBench writes keyword calls in signature order), so the
    input mutations that measure input independence can read it."""
    node = ast.parse(call.strip(), mode="eval").body
    if not isinstance(node, ast.Call) or not node.keywords:
        return call
    args = [*node.args, *(k.value for k in node.keywords)]
    return ast.unparse(ast.Call(func=node.func, args=args, keywords=[]))


def benchmark_programs(name: str, data: str | Path | None = None) -> tuple[list[Program], list[Program]]:
    """(programs as measured, programs as run) of a benchmark's functions: LiveCodeBench code needs its
    harness's imports to run, which must not count as its lines."""
    from codereasoner.evaluation.benchmarks import BENCHMARKS

    if name not in AGAINST:
        raise ValueError(f"--against must be one of {', '.join(AGAINST)}, got {name!r}")
    tasks = BENCHMARKS.get(name)().load(data, task="output")
    shown = [Program(id=t.id, code=t.code, call=positional(t.call), source=name) for t in tasks]
    if name != "lcb_exec":
        return shown, shown
    from codereasoner.rewards.official import lcb_prefix

    return shown, [Program(id=p.id, code=f"{lcb_prefix(p.code, '')}\n{p.code}", call=p.call, source=name)
                   for p in shown]


def measure_set(shown: Sequence[Program], runnable: Sequence[Program], executor: ExecutorLike, *,
                reference_methods: dict[str, int] | None = None, label: str = "") -> Any:
    """`stats.measure` of `shown`, from traced runs and input-independence runs of `runnable` (same order),
    each program in the trust mode its source allows."""
    import sys

    from codereasoner.programs.checks import run_programs, trusted_source
    from codereasoner.programs.stats import independence_results, measure

    functions = len({p.code for p in runnable})
    print(f"data stats: {label}: {len(runnable)} programs traced, {functions} functions on up to 8 inputs each",
          file=sys.stderr, flush=True)
    runs = run_programs(executor, list(runnable), trace=True)
    code_of = {r.code: s.code for s, r in zip(shown, runnable)}
    independence: dict[str, list[str | None]] = {}
    for trusted in (True, False):
        part = [p for p in runnable if trusted_source(p.source) is trusted]
        if part:
            found = independence_results(part, executor, trusted=trusted)
            independence.update({code_of[c]: v for c, v in found.items()})
    return measure(list(shown), runs, reference_methods=reference_methods, independence=independence)


def data_stats(out_dir: str | Path, against: str | None = None, *, data: str | Path | None = None,
               workers: int | None = None) -> dict[str, Any]:
    """Measure DIR's programs (and a benchmark's), write stats.json, stats.png and the card's section."""
    from codereasoner.execution import Executor
    from codereasoner.programs.stats import check_targets
    from codereasoner.tasks import realism

    out = Path(out_dir)
    programs = read_programs(out)
    reference = None
    with Executor(workers=workers) as executor:
        if against is not None:
            shown, runnable = benchmark_programs(against, data)  # fails before measuring our own
            reference = measure_set(shown, runnable, executor, label=against)
        ours = measure_set(programs, programs, executor, label=out.name,
                           reference_methods=reference.method_calls if reference else None)
    checks = [vars(c) for c in check_targets(ours, reference)] if reference is not None else None
    report = {"dir": out.name, "against": against, "ours": ours.to_dict(),
              "reference": reference.to_dict() if reference else None, "checks": checks}
    write_atomic(out / STATS_FILE, json.dumps(report, indent=2, sort_keys=True) + "\n")
    plot(report, out / PLOT_FILE)
    card = out / "README.md"
    if card.is_file():
        command = "codereasoner data stats" + (f" --against {against}" if against else "")
        lines = realism.section(report["ours"], report["reference"], against, checks,
                                note=f"Measured by `{command}` in the engine (input independence on inputs the "
                                     "filter never used); plot: `stats.png`.")
        write_atomic(card, realism.replace_section(card.read_text(encoding="utf-8"), lines))
    return report


def table(report: dict[str, Any]) -> str:
    """The report as the text `data stats` prints."""
    from codereasoner.tasks import realism

    lines = realism.section(report["ours"], report["reference"], report["against"], report["checks"])
    return "\n".join(lines[2:]).rstrip()  # without the section heading


def plot(report: dict[str, Any], path: Path) -> None:
    """Six panels: headline shares, constructs, output types, steps and lines per level, top methods,
    degenerate constructs; this data beside the reference when there is one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from codereasoner.programs.stats import CONSTRUCTS, DEGENERATE

    ours, ref = report["ours"], report["reference"]
    name = report["against"] or "reference"
    fig, axes = plt.subplots(2, 3, figsize=(16, 9))

    def bars(ax: Any, labels: Sequence[str], mine: Sequence[float], theirs: Sequence[float] | None, title: str) -> None:
        xs = range(len(labels))
        width = 0.4 if theirs is not None else 0.8
        ax.bar([x - (width / 2 if theirs is not None else 0) for x in xs], mine, width, label="this data")
        if theirs is not None:
            ax.bar([x + width / 2 for x in xs], theirs, width, label=name)
        ax.set_xticks(list(xs), labels, rotation=35, ha="right", fontsize=8)
        ax.set_title(title)
        ax.legend(fontsize=8)

    def share(d: dict[str, Any] | None, key: str, sub: str | None = None) -> float:
        if d is None:
            return 0.0
        value = d.get(key) if sub is None else d.get(key, {}).get(sub)
        return float(value or 0.0)

    heads = ["input_independent", "trivial_outputs", "string_args_with_space", "empty_collection_args"]
    bars(axes[0][0], ["input-indep.", "trivial out", "str w/ space", "empty coll."],
         [share(ours, k) for k in heads], [share(ref, k) for k in heads] if ref else None, "Shares")
    bars(axes[0][1], list(CONSTRUCTS), [share(ours, "constructs", c) for c in CONSTRUCTS],
         [share(ref, "constructs", c) for c in CONSTRUCTS] if ref else None, "Functions with each construct")
    types = list(dict.fromkeys([*ours.get("output_types", {}), *((ref or {}).get("output_types", {}))]))[:10]
    bars(axes[0][2], types, [share(ours, "output_types", t) for t in types],
         [share(ref, "output_types", t) for t in types] if ref else None, "Output types")
    ax = axes[1][0]
    for key, label in (("steps_per_level", "trace line-steps"), ("lines_per_level", "lines")):
        levels = sorted(ours.get(key, {}), key=int)
        ax.plot([int(lv) for lv in levels], [ours[key][lv] for lv in levels], marker="o", label=label)
    if ref and ref.get("steps_mean") is not None:
        ax.axhline(ref["steps_mean"], linestyle="--", color="gray", label=f"{name} steps (mean)")
    ax.set_xlabel("level")
    ax.set_title("Per level")
    ax.legend(fontsize=8)
    methods = list(ours.get("method_calls", {}))[:15]
    total = sum(ours.get("method_calls", {}).values()) or 1
    ref_total = sum((ref or {}).get("method_calls", {}).values()) or 1
    bars(axes[1][1], methods, [ours["method_calls"][m] / total for m in methods],
         [ref["method_calls"].get(m, 0) / ref_total for m in methods] if ref else None,
         "Method calls (share of all calls)" + (f", JSD {ours['method_jsd']:.3f}" if ours.get("method_jsd") else ""))
    bars(axes[1][2], list(DEGENERATE), [share(ours, "degenerate", d) for d in DEGENERATE],
         [share(ref, "degenerate", d) for d in DEGENERATE] if ref else None, "Degenerate constructs")
    fig.suptitle(f"What {report['dir']} teaches ({ours['programs']} programs, {ours['functions']} functions)")
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png", dpi=80, metadata={"Software": None})
    plt.close(fig)
    tmp.replace(path)
