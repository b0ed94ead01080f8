"""Stage 2 (programs): quality gates between sources and tasks — engine verification, dedup, diversity.

`verify_runs`/`verify_programs` run programs through the Executor (the only place code runs; `run_programs`
picks each source's trust mode) and keep those whose traced run ends `ok` with a short literal result that
a rerun under another hash seed repeats; `normalized_key`/`dedupe` drop renamed copies;
`balance_outputs` caps how many programs share one result; `diversity_report` gives the numbers the data
card prints (distinct ratios, catalogue method coverage, per-level counts).
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import hashlib
import inspect
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from codereasoner.execution import TRUNCATED
from codereasoner.programs.inputs import is_literal_repr
from codereasoner.programs.synth.catalogue import PAIRS
from codereasoner.records import Program, Run

MAX_REPR = 200  # ExecVerify cuts values at 200 characters (docs/data.md); longer outputs are dropped
_BUILTINS = frozenset(dir(builtins))
_STR_SET = re.compile(r"^(frozenset\()?\{\s*[bBrRuU]?['\"]")  # a set whose first element is a str/bytes


def _hash_order_risk(run: Run) -> bool:
    """A set or frozenset of strings seen in a traced local: its order depends on the hash seed."""
    if run.trace is None:
        return False
    for step in run.trace.steps:
        for value in [*step.locals.values(), *([step.value] if step.value else [])]:
            if value.type in ("set", "frozenset") and _STR_SET.match(value.repr):
                return True
    return False


def trusted_source(name: str) -> bool:
    """Whether programs from source `name` may run in the engine's trusted mode: only the framework's own
    synthesiser on literal inputs (`ProgramSource.trusted`); LLM- and corpus-written code never."""
    from codereasoner.programs import PROGRAM_SOURCES

    try:
        return bool(getattr(PROGRAM_SOURCES.get(name), "trusted", False))
    except KeyError:
        return False


def run_programs(executor: Any, programs: Sequence[Program], *, trace: bool = False, limits: Any = None,
                 hash_seed: int | None = None) -> list[Run]:
    """`executor.run`, each program in the trust mode its source allows, results in input order.

    Passes `trust=` and `hash_seed=` only to executors that take them (test fakes, older engines).
    """
    params = inspect.signature(executor.run).parameters
    kwargs: dict[str, Any] = {"trace": trace}
    if limits is not None and "limits" in params:
        kwargs["limits"] = limits
    if hash_seed is not None and "hash_seed" in params:
        kwargs["hash_seed"] = hash_seed
    if "trust" not in params or not programs:
        return list(executor.run(list(programs), **kwargs)) if programs else []
    try:
        from codereasoner.execution import Trust
        modes: tuple[Any, Any] = (Trust.TRUSTED, Trust.UNTRUSTED)
    except ImportError:  # an engine that takes the mode's name
        modes = ("trusted", "untrusted")
    trusted = [trusted_source(p.source) for p in programs]
    out: list[Run | None] = [None] * len(programs)
    for flag, mode in zip((True, False), modes):
        idx = [i for i, t in enumerate(trusted) if t is flag]
        if idx:
            for i, run in zip(idx, executor.run([programs[i] for i in idx], trust=mode, **kwargs)):
                out[i] = run
    return [r for r in out if r is not None]


def run_problem(run: Run, max_repr: int = MAX_REPR) -> str | None:
    """Why a (traced) run cannot give ground truth, or None: not ok, a result longer than `max_repr` or not a
    literal, printed output, or a set of strings in a traced local (its order follows the hash seed)."""
    if not run.ok:
        return f"status_{run.status}"
    if run.result is None or run.result.endswith(TRUNCATED) or len(run.result) > max_repr:
        return "too_long"
    if run.stdout:
        return "prints"
    if not is_literal_repr(run.result):
        return "not_literal"
    if _hash_order_risk(run):
        return "hash_order"
    return None


def verify_runs(
    programs: Sequence[Program],
    executor: Any,
    *,
    max_repr: int = MAX_REPR,
    stats: dict[str, int] | None = None,
    limits: Any = None,
) -> list[tuple[Program, Run]]:
    """(program, traced run) for each program whose traced run gives ground truth and whose result is the
    same under another hash seed.

    One traced run at PYTHONHASHSEED 0 (the ground truth's seed, docs/formats.md) and one plain run under hash seed 1
    when the executor offers it (`run(..., hash_seed=)`): a different result is nondeterminism (docs/engine.md),
    and a set of strings in any traced local is dropped too (`run_problem`),
    because its printed order — which state questions ask about — changes with the seed even when the
    result does not. Kept programs get `meta["result"]`. `stats` (if given) accumulates counts by reason.
    """
    programs = list(programs)
    counts: Counter[str] = Counter()
    traced = run_programs(executor, programs, trace=True, limits=limits)
    candidates = []
    for prog, run in zip(programs, traced):
        problem = run_problem(run, max_repr)
        if problem is None and run.trace is None:
            problem = "no_trace"
        if problem:
            counts[problem] += 1
        else:
            candidates.append((prog, run))
    again = run_programs(executor, [p for p, _ in candidates], limits=limits, hash_seed=1)
    kept = []
    for (prog, run), rerun in zip(candidates, again):
        if rerun.status != run.status or rerun.result != run.result:
            counts["nondeterministic"] += 1
        else:
            kept.append((dataclasses.replace(prog, meta={**prog.meta, "result": run.result}), run))
    counts["kept"] = len(kept)
    counts["total"] = len(programs)
    if stats is not None:  # accumulate, so one dict can follow many batches
        for key, value in counts.items():
            stats[key] = stats.get(key, 0) + value
    return kept


def verify_programs(
    programs: Sequence[Program],
    executor: Any,
    *,
    max_repr: int = MAX_REPR,
    stats: dict[str, int] | None = None,
) -> list[Program]:
    """The programs `verify_runs` keeps (ok, literal result of at most `max_repr` chars, hash-seed stable)."""
    return [p for p, _ in verify_runs(programs, executor, max_repr=max_repr, stats=stats)]


def balance_outputs(programs: Sequence[Program], max_share: float = 0.05) -> list[Program]:
    """Cap how many verified programs may share one result, in order (e.g. `False`, `0`, `''`).

    Synthesized data is bool-heavy (a third of the catalogue's pairs return bool; measured ~30-40% of
    results are False/True/0/''/[] before capping): a model can score by guessing the common answer.
    Programs without `meta["result"]` are kept as they are.
    """
    if not 0 < max_share <= 1:
        raise ValueError(f"max_share must be in (0, 1], got {max_share}")
    limit = max(1, int(max_share * len(programs)))
    seen: Counter[str] = Counter()
    out = []
    for prog in programs:
        result = prog.meta.get("result")
        if isinstance(result, str):
            if seen[result] >= limit:
                continue
            seen[result] += 1
        out.append(prog)
    return out


class _Canon(ast.NodeTransformer):
    """Rename every non-builtin identifier to v0, v1, ... in order of appearance; drop docstrings; with
    `literals`, replace every constant by its type name (the program's skeleton)."""

    def __init__(self, literals: bool = False) -> None:
        self.names: dict[str, str] = {}
        self.literals = literals

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(value=f"<{type(node.value).__name__}>") if self.literals else node

    def _name(self, name: str) -> str:
        if name in _BUILTINS:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._name(node.arg)
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self._name(node.name)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        node.returns = None
        self.generic_visit(node)
        return node


def normalized_key(code: str, *, literals: bool = False) -> str:
    """A hash that ignores formatting, comments, docstrings and identifier names (not literals/methods);
    `literals=True` ignores the constants' values too (`skeleton_key`)."""
    try:
        tree = _Canon(literals).visit(ast.parse(code))
        text = ast.dump(tree, annotate_fields=False, include_attributes=False)
    except (SyntaxError, ValueError, RecursionError):
        text = " ".join(code.split())
    return hashlib.sha1(text.encode()).hexdigest()


def skeleton_key(code: str) -> str:
    """The program's skeleton: identifiers and literal values abstracted (types, operators, methods and
    structure kept). Two programs that differ only in names or constants share it; an honest held-out
    split keeps each skeleton on one side."""
    return normalized_key(code, literals=True)


def dedupe(programs: Iterable[Program], *, with_call: bool = False) -> list[Program]:
    """First program of each normalised function (or of each normalised function + call)."""
    seen: set[str] = set()
    out = []
    for prog in programs:
        key = normalized_key(prog.code) + ("\0" + " ".join(prog.call.split()) if with_call else "")
        if key not in seen:
            seen.add(key)
            out.append(prog)
    return out


_METHOD_NAMES = {p.split(".", 1)[1] for p in PAIRS}


def pairs_in_code(code: str) -> set[str]:
    """Catalogue pairs a program seems to use, from its attribute calls (over-approximate: `count` is
    str, list and tuple's); used for programs without synthesizer metadata."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    names |= {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return {p for p in PAIRS if p.split(".", 1)[1] in names & _METHOD_NAMES}


def diversity_report(programs: Sequence[Program]) -> dict[str, Any]:
    """Distinctness, catalogue method coverage and per-level counts of a program set."""
    programs = list(programs)
    codes = {p.code for p in programs}
    normalized = {normalized_key(c) for c in codes}
    pairs: set[str] = set()
    seeds: set[str] = set()
    for p in programs:
        ops = p.meta.get("ops")
        pairs.update(ops if isinstance(ops, list) else pairs_in_code(p.code))
        if isinstance(p.meta.get("seed"), str):
            seeds.add(p.meta["seed"])
    lines = [len(c.splitlines()) for c in codes]
    return {
        "programs": len(programs),
        "distinct_programs": len({(p.code, p.call) for p in programs}),
        "distinct_program_ratio": round(len({(p.code, p.call) for p in programs}) / max(1, len(programs)), 4),
        "functions": len(codes),
        "distinct_functions_normalized": len(normalized),
        "distinct_ratio": round(len(normalized) / max(1, len(codes)), 4),
        "method_coverage": {"covered": len(pairs & set(PAIRS)), "total": len(PAIRS),
                            "seed_covered": len(seeds & set(PAIRS))},
        "per_level": dict(sorted(Counter(p.difficulty for p in programs).items())),
        "per_source": dict(sorted(Counter(p.source for p in programs).items())),
        "mean_lines": round(sum(lines) / max(1, len(lines)), 2),
    }
