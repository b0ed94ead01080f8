"""Rewards stage: assert-style tests turned into data the parent can judge.

HumanEval's `check(candidate)` and MBPP's `assert f(x) == y` lines are benchmark code that, run in the
candidate's process, hands the candidate its expected values (its frames hold them, its `==` decides,
its `abs`/`len` are the ones it patched). `plain_asserts` reads such a test with `ast` instead: every
call of a function the test does not define becomes a *candidate call* (its source, evaluated in the
candidate's process; the only thing that process sees), and the rest of the assertion is evaluated here
by `evaluate`, a small interpreter over literals and a few pure builtins, with the returned values
substituted. Tests that are not plain comparisons (loops, random inputs, helper functions) return None:
`harness.py` judges those by replaying the test against the recorded values in a separate process.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from codereasoner.tasks.answers import literal_source, parse_source

MAX_ITEMS = 10_000_000  # largest sequence the parent builds with `*`
MAX_POW_BITS = 100_000  # largest power the parent computes

_MATH = {name: getattr(math, name) for name in (
    "isclose", "fabs", "sqrt", "floor", "ceil", "isnan", "isinf", "isfinite", "pi", "e", "inf", "nan", "log",
    "exp", "prod", "fsum", "trunc", "gcd", "comb", "factorial", "hypot")}
SAFE_CALLS: dict[str, Any] = {
    f.__name__: f for f in (abs, all, any, bool, dict, float, frozenset, int, len, list, max, min, round, set,
                            sorted, str, sum, tuple, isinstance, complex, reversed, repr)}
SAFE_NAMES: dict[str, Any] = {"True": True, "False": False, "None": None, "math": _MATH}
_BIN: dict[type, Callable[[Any, Any], Any]] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_CMP: dict[type, Callable[[Any, Any], Any]] = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
        ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}


class NotPlain(ValueError):
    """The test needs more than literals, pure builtins and candidate calls."""


@dataclass(frozen=True)
class PlainAssert:
    """One assertion: candidate calls (sources run in the candidate's process) and the test to evaluate here."""

    calls: tuple[str, ...]
    test: ast.expr = field(repr=False)  # the assertion with call i replaced by the name `__v{i}`
    env: Mapping[str, Any] = field(default_factory=dict, repr=False)  # names the test assigned before it
    source: str = ""

    def holds(self, values: list[Any]) -> bool:
        """Whether the assertion holds for the candidate's values (one per call); never raises."""
        names = {**self.env, **{f"__v{i}": v for i, v in enumerate(values)}}
        try:
            return bool(evaluate(self.test, names))
        except Exception:  # noqa: BLE001 — a value that breaks the test (TypeError, huge size…) fails it
            return False


def evaluate(node: ast.AST, names: Mapping[str, Any]) -> Any:
    """The value of a plain expression; raises NotPlain for anything else. Never executes code."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        if node.id in SAFE_NAMES:
            return SAFE_NAMES[node.id]
        if node.id in SAFE_CALLS:
            return SAFE_CALLS[node.id]
        raise NotPlain(f"unknown name {node.id!r}")
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [evaluate(e, names) for e in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise NotPlain("** in a dict")
        return {evaluate(k, names): evaluate(v, names) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](evaluate(node.operand, names))
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        left, right = evaluate(node.left, names), evaluate(node.right, names)
        _check_size(node.op, left, right)
        return _BIN[type(node.op)](left, right)
    if isinstance(node, ast.BoolOp):
        value: Any = None
        for operand in node.values:
            value = evaluate(operand, names)
            if isinstance(node.op, ast.And) and not value or isinstance(node.op, ast.Or) and value:
                return value
        return value
    if isinstance(node, ast.Compare):
        left = evaluate(node.left, names)
        for op, right_node in zip(node.ops, node.comparators):
            right = evaluate(right_node, names)
            if not _CMP[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return evaluate(node.body if evaluate(node.test, names) else node.orelse, names)
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
        return evaluate(node.value, names)[evaluate(node.slice, names)]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math":
        if node.attr in _MATH:
            return _MATH[node.attr]
        raise NotPlain(f"math.{node.attr} is not allowed")
    if isinstance(node, ast.Call):
        func = evaluate(node.func, names)
        if func not in SAFE_CALLS.values() and func not in _MATH.values():
            raise NotPlain("call of something other than a pure builtin")
        args = [evaluate(a, names) for a in node.args]
        kwargs = {k.arg: evaluate(k.value, names) for k in node.keywords if k.arg is not None}
        if len(kwargs) != len(node.keywords):
            raise NotPlain("** in a call")
        return func(*args, **kwargs)
    raise NotPlain(f"{type(node).__name__} is not evaluated here")


def _check_size(op: ast.operator, left: Any, right: Any) -> None:
    """Refuse the arithmetic that could make the parent build something huge from a candidate's value."""
    if isinstance(op, ast.Mult):
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_ITEMS:
                raise ValueError("sequence repetition too large")
    if isinstance(op, ast.Pow) and isinstance(left, int) and isinstance(right, int):
        if right > 0 and abs(left) > 1 and right * max(1, abs(left).bit_length()) > MAX_POW_BITS:
            raise ValueError("power too large")


def _is_candidate_call(node: ast.AST, known: set[str], own: frozenset[str]) -> bool:
    """A call of the code under test: a name the solution owns (even one shadowing a builtin, as MBPP's
    `sum`), or any name the test does not know."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return False
    return node.func.id in own or (node.func.id not in known and node.func.id not in SAFE_CALLS)


class _Split(ast.NodeTransformer):
    """Replace each candidate call by `__v{i}`, keeping its source (names bound here become literals)."""

    def __init__(self, known: set[str], own: frozenset[str], env: Mapping[str, Any], alias: str | None,
                 entry: str | None) -> None:
        self.known, self.own, self.env, self.alias, self.entry = known, own, env, alias, entry
        self.calls: list[str] = []

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not _is_candidate_call(node, self.known, self.own):
            self.generic_visit(node)
            return node
        call = _Inline(self.env, self.alias, self.entry).visit(ast.parse(ast.unparse(node), mode="eval").body)
        self.calls.append(ast.unparse(call))
        return ast.Name(f"__v{len(self.calls) - 1}", ast.Load())


class _Inline(ast.NodeTransformer):
    """Inside a candidate call: the test's own names become their literal values, `candidate` the entry point."""

    def __init__(self, env: Mapping[str, Any], alias: str | None, entry: str | None) -> None:
        self.env, self.alias, self.entry = env, alias, entry

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.alias and self.entry:
            return ast.Name(self.entry, ast.Load())
        if node.id in self.env:
            return ast.parse(literal_source(self.env[node.id]), mode="eval").body
        return node


def _assert(stmt: ast.Assert, env: dict[str, Any], own: frozenset[str], alias: str | None,
            entry: str | None) -> PlainAssert:
    split = _Split(set(env) | set(SAFE_NAMES), own, env, alias, entry)
    test = split.visit(ast.parse(ast.unparse(stmt.test), mode="eval").body)
    _plain_shape(test, set(env) | {f"__v{i}" for i in range(len(split.calls))})
    return PlainAssert(tuple(split.calls), test, dict(env), ast.unparse(stmt))


def _plain_shape(node: ast.AST, names: set[str]) -> None:
    """Raise NotPlain unless `evaluate` can handle every node (checked before any candidate runs)."""
    allowed = (ast.Constant, ast.Name, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.UnaryOp, ast.BinOp,
               ast.BoolOp, ast.Compare, ast.IfExp, ast.Subscript, ast.Attribute, ast.Call, ast.Load, ast.keyword,
               ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.expr_context)
    for sub in ast.walk(node):
        if not isinstance(sub, allowed) or isinstance(sub, (ast.MatMult, ast.BitOr, ast.BitAnd, ast.BitXor,
                                                            ast.LShift, ast.RShift)):
            raise NotPlain(f"{type(sub).__name__} in an assertion")
        if isinstance(sub, ast.Name) and not (sub.id in names or sub.id in SAFE_NAMES or sub.id in SAFE_CALLS):
            raise NotPlain(f"unknown name {sub.id!r}")
        if isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Slice):
            raise NotPlain("slice in an assertion")
        if isinstance(sub, ast.Attribute) and not (isinstance(sub.value, ast.Name) and sub.value.id == "math"):
            raise NotPlain("attribute access in an assertion")


@lru_cache(maxsize=4096)
def defined_names(code: str) -> frozenset[str]:
    """Top-level function and class names of trusted code (a reference solution); empty if it does not parse."""
    try:
        tree = parse_source(code, "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    body = tree.body if isinstance(tree, ast.Module) else []
    return frozenset(s.name for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))


def _statements(tree: ast.Module, alias: str | None) -> list[ast.stmt]:
    """The test's statements in run order: HumanEval's `def check(candidate)` body runs last (the harness
    appends `check(entry_point)`; an explicit call of it is the same thing)."""
    out: list[ast.stmt] = []
    check: list[ast.stmt] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            if stmt.name != "check" or [a.arg for a in stmt.args.args] != [alias] or check:
                raise NotPlain(f"the test defines a function {stmt.name!r}")
            check = stmt.body
        elif not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                  and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "check"):
            out.append(stmt)
    return out + check


@lru_cache(maxsize=4096)
def plain_asserts(test: str, entry: str | None = None, alias: str | None = "candidate",
                  own: frozenset[str] = frozenset()) -> tuple[PlainAssert, ...] | None:
    """The assertions of `test` as data, or None when the test is not a list of plain comparisons.

    `entry`: the function under test; `alias`: HumanEval's parameter name for it inside `check`; `own`:
    names the reference solution defines (never the candidate's: a candidate defining `abs` must not turn
    the test's `abs` into its own call). Simple assignments of plain values (`odd_sum = 34`) and
    `import math` are followed; anything else is not plain.
    """
    own = frozenset(own) | {n for n in (entry, alias) if n}
    try:
        tree = parse_source(test, "exec")
        env: dict[str, Any] = {}
        out: list[PlainAssert] = []
        for stmt in _statements(tree, alias):
            if isinstance(stmt, ast.Assert):
                out.append(_assert(stmt, env, own, alias, entry))
            elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                  and not any(_is_candidate_call(n, set(env) | set(SAFE_NAMES), own) for n in ast.walk(stmt.value))):
                _plain_shape(stmt.value, set(env))
                env[stmt.targets[0].id] = evaluate(stmt.value, env)
            elif isinstance(stmt, ast.Import) and [a.name for a in stmt.names] == ["math"] and not stmt.names[0].asname:
                continue
            elif isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr)
                                                and isinstance(stmt.value, (ast.Constant, ast.Name))):
                continue  # docstrings, and HumanEval/129's bare `print`
            else:
                raise NotPlain(f"{type(stmt).__name__} statement")
        return tuple(out) if out else None
    except (NotPlain, SyntaxError, ValueError, TypeError, RecursionError, MemoryError, OverflowError, KeyError):
        return None
