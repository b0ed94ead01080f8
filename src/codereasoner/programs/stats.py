"""Stage 2 (programs): realism measures — does a program set look like the code models are judged on?

One set of pure measures, applied identically to the framework's programs and to a benchmark's functions
(CRUXEval's 800), so the two can be compared in one run:

- input independence: the share of functions whose output is the same over >= 4 distinct inputs (their own
  call plus type-preserving mutations from `inputs.mutate_call`, run in the engine);
- trivial outputs: results that are a bool, None, 0, +-1 or empty;
- method-call frequencies (`x.name(...)` per function) and their Jensen-Shannon divergence to a reference;
- constructs: share of functions with a comprehension, ternary, try, break/continue, f-string, ... ;
- degenerate constructs (unused loop variables, dead locals, `x == x`, `return expr == literal`);
- string arguments (at any depth of the call's literals) that contain a space;
- lines per function, trace line-steps per level, output types.

`realism(programs, executor)` runs what it needs in the engine; `measure(programs, runs, ...)` is the pure
part; the static measures live in `features`. Nothing here plots or prints: `codereasoner data stats` and
`bench/bench_realism.py` do.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codereasoner.programs.features import (
    CONSTRUCTS,
    DEGENERATE,
    TARGETED,
    analyze,
    code_features,
    degenerate_constructs,
    string_arguments,
)
from codereasoner.programs.inputs import mutate_call, parse_call_args
from codereasoner.records import Program, Run

__all__ = ["CONSTRUCTS", "DEGENERATE", "TARGETED", "Check", "Realism", "analyze", "check_targets", "code_features",
           "degenerate_constructs", "independence_calls", "independence_results", "independent_functions",
           "is_trivial", "jensen_shannon", "load_cruxeval", "measure", "output_type", "realism",
           "string_arguments"]

INDEPENDENCE_INPUTS = 4  # distinct inputs that must run ok before a function counts as measured
_CANDIDATES = 8  # calls tried per function (own + mutations): some mutations raise


# ---- output measures (result reprs) --------------------------------------------------------------------

def _literal(text: str) -> tuple[bool, Any]:
    if text.strip() == "set()":
        return True, set()
    try:
        return True, ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def is_trivial(result: str) -> bool:
    """A result a model can guess without reading the code: a bool, None, 0, +-1 or an empty value."""
    ok, value = _literal(result)
    if not ok:
        return False
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return value in (0, 1, -1)
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        return len(value) == 0
    return False


def output_type(result: str) -> str:
    ok, value = _literal(result)
    return type(value).__name__ if ok else "other"


# ---- distributions -------------------------------------------------------------------------------------

def jensen_shannon(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen-Shannon divergence (base 2, so in [0, 1]) between two unnormalised distributions."""
    sp, sq = sum(p.values()), sum(q.values())
    if sp <= 0 or sq <= 0:
        raise ValueError("jensen_shannon needs two non-empty distributions")
    total = 0.0
    for key in sorted(set(p) | set(q)):  # a fixed order: the same sum under any hash seed
        a, b = p.get(key, 0) / sp, q.get(key, 0) / sq
        m = (a + b) / 2
        if a:
            total += a * math.log2(a / m) / 2
        if b:
            total += b * math.log2(b / m) / 2
    return max(0.0, min(1.0, total))


# ---- input independence (needs the engine) -------------------------------------------------------------

def independence_calls(code: str, calls: Sequence[str], k: int = _CANDIDATES, *, salt: str = "") -> list[str]:
    """A function's own distinct calls, then mutations of the first, up to `k` (same code → same calls; a
    smaller `k` gives a prefix of a larger one's). `salt` seeds the mutations apart for another user."""
    own = list(dict.fromkeys(calls))[:k]
    if len(own) < k and own:
        rng = random.Random(hashlib.sha1(f"{salt}{code}\0{own[0]}".encode()).hexdigest())
        for new in mutate_call(own[0], 2 * k, rng):
            if new not in own:
                own.append(new)
            if len(own) >= k:
                break
    return own


def independent_functions(results: Mapping[str, Sequence[str | None]], min_inputs: int = INDEPENDENCE_INPUTS
                          ) -> tuple[int, int]:
    """(functions measured, functions whose output never changes) from each function's results per input
    (None = that input did not run ok); a function is measured when >= `min_inputs` inputs ran ok."""
    measured = constant = 0
    for outs in results.values():
        ok = [o for o in outs if o is not None]
        if len(ok) >= min_inputs:
            measured += 1
            constant += len(set(ok)) == 1
    return measured, constant


def _run(executor: Any, programs: list[Program], *, trace: bool, trusted: bool) -> list[Run]:
    kwargs: dict[str, Any] = {"trace": trace}
    if "trust" in inspect.signature(executor.run).parameters:
        from codereasoner.execution import Trust

        kwargs["trust"] = Trust.TRUSTED if trusted else Trust.UNTRUSTED
    return executor.run(programs, **kwargs)


def independence_results(programs: Sequence[Program], executor: Any, *, trusted: bool = False
                         ) -> dict[str, list[str | None]]:
    """Each distinct function's results over its own calls plus mutations (None where a run failed)."""
    calls: dict[str, list[str]] = defaultdict(list)
    for p in programs:
        calls[p.code].append(p.call)
    jobs: list[Program] = []
    owner: list[str] = []
    for code, own in calls.items():
        for j, call in enumerate(independence_calls(code, own)):
            jobs.append(Program(id=f"indep-{len(owner)}-{j}", code=code, call=call))
            owner.append(code)
    results: dict[str, list[str | None]] = {code: [] for code in calls}
    for code, run in zip(owner, _run(executor, jobs, trace=False, trusted=trusted)):
        results[code].append(run.result if run.ok and not run.stdout else None)
    return results


# ---- the report ----------------------------------------------------------------------------------------

@dataclass
class Realism:
    """Realism measures of one program set; shares are fractions in [0, 1], None when nothing was measured."""

    programs: int
    functions: int
    input_independent: float | None = None
    independence_measured: int = 0
    trivial_outputs: float | None = None
    outputs: int = 0
    method_calls: dict[str, int] = field(default_factory=dict)
    method_jsd: float | None = None  # to the reference's method calls, when one was given
    constructs: dict[str, float] = field(default_factory=dict)
    degenerate: dict[str, float] = field(default_factory=dict)  # share of functions with each (DEGENERATE)
    string_args: int = 0
    string_args_with_space: float | None = None
    empty_collection_args: float | None = None  # share of collection arguments that are empty
    lines_mean: float = 0.0
    lines_per_level: dict[int, float] = field(default_factory=dict)
    steps_mean: float | None = None
    steps_per_level: dict[int, float] = field(default_factory=dict)
    output_types: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _mean_by(pairs: Iterable[tuple[int, int]]) -> dict[int, float]:
    groups: dict[int, list[int]] = defaultdict(list)
    for level, value in pairs:
        groups[level].append(value)
    return {k: round(sum(v) / len(v), 2) for k, v in sorted(groups.items())}


def _collection_args(call: str) -> list[bool]:
    """For each list/tuple/dict/set argument of a literal call: is it empty?"""
    parsed = parse_call_args(call)
    if parsed is None:
        return []
    return [len(a) == 0 for a in parsed[1] if isinstance(a, (list, tuple, dict, set, frozenset))]


def measure(programs: Sequence[Program], runs: Sequence[Run] | None = None, *,
            reference_methods: Mapping[str, int] | None = None,
            independence: Mapping[str, Sequence[str | None]] | None = None) -> Realism:
    """The measures of `programs` (with their `runs`, same order, for outputs and trace steps)."""
    programs = list(programs)
    if runs is not None and len(runs) != len(programs):
        raise ValueError(f"measure: {len(runs)} runs for {len(programs)} programs")
    by_code: dict[str, Program] = {}
    for p in programs:
        by_code.setdefault(p.code, p)
    methods: Counter[str] = Counter()
    constructs: Counter[str] = Counter()
    degenerate: Counter[str] = Counter()
    lines: list[tuple[int, int]] = []
    for code, p in by_code.items():
        a = analyze(code)
        methods.update(a.methods)
        constructs.update(a.constructs)
        degenerate.update(d for d in a.degenerate if d in DEGENERATE)
        n = a.lines if "unparsable" not in a.degenerate else 0
        lines.append((p.difficulty, n))
    strings = [s for p in programs for s in string_arguments(p.call)]
    empties = [e for p in programs for e in _collection_args(p.call)]
    report = Realism(
        programs=len(programs), functions=len(by_code), method_calls=dict(methods.most_common()),
        constructs={c: round(constructs[c] / max(1, len(by_code)), 4) for c in CONSTRUCTS},
        degenerate={d: round(degenerate[d] / max(1, len(by_code)), 4) for d in DEGENERATE},
        string_args=len(strings), string_args_with_space=_share(sum(" " in s for s in strings), len(strings)),
        empty_collection_args=_share(sum(empties), len(empties)),
        lines_mean=round(sum(n for _, n in lines) / max(1, len(lines)), 2), lines_per_level=_mean_by(lines),
    )
    if reference_methods and methods:
        report.method_jsd = round(jensen_shannon(methods, reference_methods), 4)
    if runs is not None:
        ok = [(p, r) for p, r in zip(programs, runs) if r.ok and r.result is not None]
        report.outputs = len(ok)
        report.trivial_outputs = _share(sum(is_trivial(r.result or "") for _, r in ok), len(ok))
        types = Counter(output_type(r.result or "") for _, r in ok)
        report.output_types = {t: round(c / max(1, len(ok)), 4) for t, c in types.most_common()}
        steps = [(p.difficulty, sum(s.event == "line" for s in r.trace.steps)) for p, r in ok if r.trace]
        if steps:
            report.steps_mean = round(sum(n for _, n in steps) / len(steps), 2)
            report.steps_per_level = _mean_by(steps)
    if independence is not None:
        measured, constant = independent_functions(independence)
        report.independence_measured = measured
        report.input_independent = _share(constant, measured)
    return report


def realism(programs: Sequence[Program], executor: Any, *, reference: Realism | None = None,
            trusted: bool = False) -> Realism:
    """Run `programs` (traced) and their mutated inputs in the engine, then `measure` them.

    `trusted=True` only for the framework's own synthesised programs; anything else (benchmarks, LLM or
    corpus code) runs untrusted.
    """
    programs = list(programs)
    runs = _run(executor, programs, trace=True, trusted=trusted)
    independence = independence_results(programs, executor, trusted=trusted)
    return measure(programs, runs, reference_methods=reference.method_calls if reference else None,
                   independence=independence)


# ---- benchmarks and targets ----------------------------------------------------------------------------

def load_cruxeval(path: str | Path) -> list[Program]:
    """CRUXEval's functions as Programs (`call` = `f(<input>)`), from cruxeval.jsonl or its folder."""
    path = Path(path)
    if path.is_dir():
        path = path / "cruxeval.jsonl"
    out = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                out.append(Program(id=str(row["id"]), code=row["code"], call=f"f({row['input']})",
                                   source="cruxeval"))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{lineno}: not a CRUXEval row ({exc})") from exc
    return out


@dataclass(frozen=True)
class Check:
    name: str
    ours: float | None
    reference: float | None
    target: str
    passed: bool


def check_targets(ours: Realism, ref: Realism, max_jsd: float = 0.12) -> list[Check]:
    """The realism targets: input independence <= 1.25x the reference, trivial outputs <= reference + 3
    points, method JSD <= `max_jsd`, each targeted construct and strings-with-spaces >= half the reference."""
    def ok(value: float | None, bound: float | None, below: bool) -> bool:
        if value is None or bound is None:
            return False
        return value <= bound + 1e-12 if below else value >= bound - 1e-12

    checks = []
    ii, rii = ours.input_independent, ref.input_independent
    bound = None if rii is None else 1.25 * rii
    checks.append(Check("input_independent", ii, rii, f"<= {bound:.3f}" if bound is not None else "n/a",
                        ok(ii, bound, True)))
    tr, rtr = ours.trivial_outputs, ref.trivial_outputs
    bound = None if rtr is None else rtr + 0.03
    checks.append(Check("trivial_outputs", tr, rtr, f"<= {bound:.3f}" if bound is not None else "n/a",
                        ok(tr, bound, True)))
    checks.append(Check("method_jsd", ours.method_jsd, None, f"<= {max_jsd}", ok(ours.method_jsd, max_jsd, True)))
    for name in TARGETED:
        mine, theirs = ours.constructs.get(name), ref.constructs.get(name)
        bound = None if theirs is None else theirs / 2
        checks.append(Check(name, mine, theirs, f">= {bound:.4f}" if bound is not None else "n/a",
                            ok(mine, bound, False)))
    sp, rsp = ours.string_args_with_space, ref.string_args_with_space
    bound = None if rsp is None else rsp / 2
    checks.append(Check("string_args_with_space", sp, rsp, f">= {bound:.4f}" if bound is not None else "n/a",
                        ok(sp, bound, False)))
    return checks
