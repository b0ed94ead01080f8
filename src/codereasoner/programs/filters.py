"""Stage 2 (programs): the filters that keep degenerate programs out of the data, on by default for every source.

A model trained on functions whose output never depends on their input, or on results that are mostly
`False`, `0` and `''`, learns to guess. Three filters, in the order the data build applies them:

- static (`ast` only, before anything runs): identical operands (`x == x`, `a - a`), dead locals, unused
  loop variables, and returns that only compare with a literal (`stats.degenerate_constructs`, the same
  definition `codereasoner data stats` measures with);
- input dependence (needs the engine): each function runs on >= `independence_inputs` distinct inputs (its
  own calls, then type-preserving mutations, `candidate_calls`), in rounds that stop as soon as two outputs
  differ; a function whose output never changes is dropped;
- output caps: at most `max_share` of the programs share one result, and bool / None / empty / 0 / +-1
  results are each capped at a share of what is kept (defaults near CRUXEval's own shares).

Every drop is counted by reason; the dataset card prints the counts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from codereasoner.programs.stats import DEGENERATE, degenerate_constructs, independence_calls, is_trivial
from codereasoner.records import Program, Run

# Output classes a model can guess without reading the code, with default caps (share of kept programs).
# CRUXEval's 800 outputs, measured with `output_class`: bool 6.1 %, None 0 %, empty 7.6 %, 0 1.9 %, +-1 3.1 %.
OUTPUT_CLASSES = ("bool", "none", "empty", "zero", "one")


@dataclass(frozen=True)
class FilterConfig:
    """`data.filters` in a recipe: which degenerate programs the build drops (all on by default)."""

    static: tuple[str, ...] = field(default=DEGENERATE, metadata={
        "help": "static checks that drop a program: " + ", ".join(DEGENERATE) + " (empty = none)"})
    independence_inputs: int = field(default=4, metadata={
        "help": "distinct inputs a function must run ok on before an unchanging output drops it (0 = off)"})
    independence_candidates: int = field(default=8, metadata={
        "help": "inputs tried at most per function (own calls first, then mutations; some mutations raise)"})
    max_share: float = field(default=0.05, metadata={
        "help": "at most this share of a shard's programs may share one result (1 = off)"})
    max_bool: float = field(default=0.06, metadata={"help": "cap on the share of bool results (CRUXEval: 0.061)"})
    max_none: float = field(default=0.01, metadata={"help": "cap on the share of None results (CRUXEval: 0)"})
    max_empty: float = field(default=0.07, metadata={
        "help": "cap on the share of empty str/list/tuple/dict/set results (CRUXEval: 0.076)"})
    max_zero: float = field(default=0.02, metadata={"help": "cap on the share of 0 / 0.0 results (CRUXEval: 0.019)"})
    max_one: float = field(default=0.03, metadata={"help": "cap on the share of 1 / -1 results (CRUXEval: 0.031)"})

    def __post_init__(self) -> None:
        unknown = set(self.static) - set(DEGENERATE)
        if unknown:
            raise ValueError(f"data.filters.static: unknown check(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(DEGENERATE)}")
        if self.independence_inputs < 0 or self.independence_candidates < self.independence_inputs:
            raise ValueError("data.filters.independence_inputs must be >= 0 and <= independence_candidates, got "
                             f"{self.independence_inputs} and {self.independence_candidates}")
        for name in ("max_share", *(f"max_{c}" for c in OUTPUT_CLASSES)):
            value = getattr(self, name)
            if not 0 <= value <= 1 or (name == "max_share" and value == 0):
                raise ValueError(f"data.filters.{name} must be in [0, 1] (max_share in (0, 1]), got {value!r}")

    def cap(self, output: str) -> float:
        return float(getattr(self, f"max_{output}"))


# ---- static -------------------------------------------------------------------------------------------

def static_reason(code: str, checks: Sequence[str] = DEGENERATE) -> str | None:
    """The first of `checks` (in DEGENERATE order) that `code` fails, or None."""
    found = degenerate_constructs(code)
    return next((c for c in DEGENERATE if c in checks and c in found), None)


def static_filter(programs: Sequence[Program], config: FilterConfig, counts: Counter[str]) -> list[Program]:
    """Programs whose code passes the static checks; drops counted as `static_<check>`."""
    if not config.static:
        return list(programs)
    verdicts: dict[str, str | None] = {}  # several calls share one function
    kept = []
    for p in programs:
        if p.code not in verdicts:
            verdicts[p.code] = static_reason(p.code, config.static)
        reason = verdicts[p.code]
        if reason is None:
            kept.append(p)
        else:
            counts[f"static_{reason}"] += 1
    return kept


# ---- input dependence ---------------------------------------------------------------------------------

RunCalls = Callable[[list[Program]], list[Run]]


def candidate_calls(code: str, calls: Sequence[str], k: int) -> list[str]:
    """`stats.independence_calls` seeded apart, so `codereasoner data stats` measures input independence on
    inputs the filter never saw."""
    return independence_calls(code, calls, k, salt="filter\0")


def input_dependence(programs: Sequence[Program], results: Mapping[str, str], run: RunCalls, *,
                     min_inputs: int = 4, candidates: int = 8) -> dict[str, str]:
    """Each function's verdict — "varies", "constant" or "unmeasured" — from its outputs on distinct inputs.

    `results` holds the programs' own results (by program id, from the run that already happened); `run`
    runs more calls (plain, in the engine). Rounds: every undecided function runs just enough new inputs to
    reach `min_inputs` ok results, so most functions are decided by their own call plus one mutation. A
    function is "constant" when >= `min_inputs` distinct inputs ran ok and gave one output; "unmeasured"
    when the candidates ran out first (mutations that raise): such functions are kept.
    """
    calls: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    seen: dict[str, dict[str, str | None]] = {}  # code -> call -> ok result (None: did not run ok)
    for p in programs:
        calls.setdefault(p.code, []).append(p.call)
        sources.setdefault(p.code, p.source)
        seen.setdefault(p.code, {})[p.call] = results.get(p.id)
    plan: dict[str, list[str]] = {}  # made lazily: most functions are settled by their first new input
    verdict: dict[str, str] = {}
    while True:
        jobs: list[Program] = []
        for code, tried in seen.items():
            if code in verdict:
                continue
            ok = [r for r in tried.values() if r is not None]
            if len(set(ok)) > 1:
                verdict[code] = "varies"
                continue
            if len(ok) >= min_inputs:
                verdict[code] = "constant"
                continue
            # One new input settles most functions (a different output); else as many as are still missing.
            # The plan grows lazily: candidate_calls(k) is a prefix of candidate_calls(k') for k < k'.
            first_round = code not in plan
            if first_round:
                plan[code] = candidate_calls(code, calls[code], len(calls[code]) + 1)
            untried = [c for c in plan[code] if c not in tried]
            if not untried and len(plan[code]) < candidates:
                plan[code] = candidate_calls(code, calls[code], candidates)
                untried = [c for c in plan[code] if c not in tried]
            if not untried:
                verdict[code] = "unmeasured"
                continue
            want = 1 if first_round else min_inputs - len(ok)
            jobs += [Program(id=f"indep-{len(jobs) + i}", code=code, call=c, source=sources[code])
                     for i, c in enumerate(untried[:want])]
        if not jobs:
            return verdict
        for job, out in zip(jobs, run(jobs)):
            seen[job.code][job.call] = out.result if out.ok and not out.stdout else None


# ---- output caps --------------------------------------------------------------------------------------

def output_class(result: str) -> str | None:
    """"bool", "none", "empty", "zero" or "one" for a trivial result's repr, else None."""
    if not is_trivial(result):
        return None
    text = result.strip()
    if text in ("True", "False"):
        return "bool"
    if text == "None":
        return "none"
    if text.lstrip("-+").replace(".0", "", 1) in ("1",):
        return "one"
    if text.lstrip("-+") in ("0", "0.0"):
        return "zero"
    return "empty"


def _class_limits(available: Mapping[str, int], other: int, caps: Mapping[str, float]) -> dict[str, int]:
    """How many programs of each trivial class to keep so that each class's share of the *kept* programs
    stays within its cap: the largest counts c_k <= available_k with c_k <= cap_k * (other + sum c)."""
    limits = {k: 0 for k in available}
    while True:
        total = other + sum(limits.values())
        # c <= cap * (total_without_c + c)  <=>  c <= cap * total_without_c / (1 - cap)
        grown = {k: min(available[k], math.floor(caps[k] * (total - limits[k]) / (1 - caps[k])))
                 if caps[k] < 1 else available[k] for k in available}
        if grown == limits:
            return limits
        limits = grown


def cap_outputs(programs: Sequence[Program], results: Mapping[str, str], config: FilterConfig,
                counts: Counter[str]) -> list[Program]:
    """Programs kept, in order, under the per-result and per-class caps; drops counted as
    `output_cap_<class>` (bool, none, empty, zero, one) and `output_cap_same_result`."""
    limit = max(1, int(config.max_share * len(programs))) if config.max_share < 1 else len(programs)
    per_result: Counter[str] = Counter()
    first = []
    for p in programs:
        result = results[p.id]
        if per_result[result] >= limit:
            counts["output_cap_same_result"] += 1
            continue
        per_result[result] += 1
        first.append(p)
    classes = {p.id: output_class(results[p.id]) for p in first}
    available = Counter(c for c in classes.values() if c is not None)
    other = sum(1 for c in classes.values() if c is None)
    limits = _class_limits({k: available.get(k, 0) for k in OUTPUT_CLASSES}, other,
                           {k: config.cap(k) for k in OUTPUT_CLASSES})
    used: Counter[str] = Counter()
    kept = []
    for p in first:
        cls = classes[p.id]
        if cls is not None:
            if used[cls] >= limits[cls]:
                counts[f"output_cap_{cls}"] += 1
                continue
            used[cls] += 1
        kept.append(p)
    return kept
