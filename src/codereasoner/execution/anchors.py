"""Execution stage: StepCodeReasoner's print anchors, inserted by AST rules instead of a teacher model.

StepCodeReasoner (arXiv 2605.11922, §3.2 and App. A) has GPT-4o insert `print(f'NAME: {NAME}')` lines by
these rules; `instrument` applies them deterministically from the AST:
  1. no prints inside for/while loops; after a loop, print the variables it changed;
  2. after key assignments/updates (assignment, augmented assignment, item assignment, a mutating method
     call such as `xs.append(...)`) in function scope, outside loops;
  3. exactly `print(f'NAME: {NAME}')`;
  4. before each `return` of a value, `print(f'return_val: ...')`;
  6. no logic change. (Rule 5, unrolling one-liners, is optional and not done.)
At most `max_prints` print statements are kept (return prints first, then the earliest others). Prints go
in as new lines with the statement's own indentation, so the rest of the code keeps its text. Only names
that are certainly bound are printed (a variable first set inside a loop may not exist after it), prints
are never put inside `try` blocks (a print must not change which handler runs), and generator functions
are left alone. `check_equivalent` proves the result is unchanged by running both programs in the engine.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from codereasoner.execution.limits import trust_for
from codereasoner.records import Program, Run

MAX_PRINTS = 10  # StepCodeReasoner §4.2: samples with more than 10 printed lines are filtered out
RETURN_NAME = "return_val"  # App. A rule 4: print(f'return_val: {res}')
# Methods that change their receiver in place: a call `name.method(...)` counts as an update of `name`.
MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "add",
                      "discard", "update", "setdefault", "popitem", "difference_update", "intersection_update",
                      "symmetric_difference_update"})


@dataclass(frozen=True)
class _Print:
    line: int  # 1-based line the print goes after (or before, for a return of a plain name)
    indent: str
    name: str  # the printed label
    expr: str  # the printed expression (a variable name)
    order: int
    before: bool = False
    is_return: bool = False


@dataclass(frozen=True)
class _ReturnRewrite:
    """`return EXPR` → `return_val = EXPR`, print, `return return_val` (EXPR is evaluated once, as before)."""

    line: int
    end_line: int
    col: int  # character column of the `return` keyword
    indent: str


def instrument(code: str, max_prints: int = MAX_PRINTS, entry: str | None = None) -> str:
    """`code` with print anchors inserted by the rules above; `entry` limits it to that function."""
    tree = ast.parse(code)
    lines = code.split("\n")
    prints: list[_Print] = []
    rewrites: dict[int, _ReturnRewrite] = {}
    if _rebinds_print(tree):
        return code  # `print` means something else here: an anchor could change the program
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef) or (entry is not None and fn.name != entry) or _is_generator(fn):
            continue
        args = fn.args
        bound = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        bound |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        free_return_name = RETURN_NAME not in {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} and not any(
            isinstance(n, (ast.Global, ast.Nonlocal)) and RETURN_NAME in n.names for n in ast.walk(fn))
        _Walker(lines, prints, rewrites, free_return_name).block(fn.body, bound)
    kept = _select(prints, max_prints)
    kept_rewrites = {p.line: rewrites[p.line] for p in kept if p.is_return and p.line in rewrites}
    return _apply(lines, kept, kept_rewrites)


def _rebinds_print(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "print" and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.arg) and node.arg == "print":
            return True
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == "print":
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name) == "print" for a in node.names):
            return True
    return False


def _is_generator(fn: ast.FunctionDef) -> bool:
    own = [n for n in ast.walk(fn) if isinstance(n, (ast.Yield, ast.YieldFrom))]
    return bool(own)


class _Walker:
    """Collects where prints go in one function body."""

    def __init__(self, lines: list[str], prints: list[_Print], rewrites: dict[int, _ReturnRewrite],
                 may_rewrite_returns: bool) -> None:
        self.lines, self.prints, self.rewrites = lines, prints, rewrites
        self.may_rewrite_returns = may_rewrite_returns

    def block(self, body: list[ast.stmt], bound: set[str]) -> None:
        for stmt in body:
            self.statement(stmt, bound)

    def statement(self, s: ast.stmt, bound: set[str]) -> None:
        if isinstance(s, (ast.For, ast.AsyncFor, ast.While)):
            targets = _names(s.target) if isinstance(s, (ast.For, ast.AsyncFor)) else set()
            changed = [n for n in _changed(s.body) if n in bound and n not in targets]
            self.after(s, changed)  # rule 1: after the loop, what it changed (nothing inside it)
        elif isinstance(s, ast.If):
            left, right = set(bound), set(bound)
            self.block(s.body, left)
            self.block(s.orelse, right)
            bound |= left & right  # bound after the if only when bound on both paths
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                if item.optional_vars is not None:
                    bound |= _names(item.optional_vars)
            self.block(s.body, bound)
        elif isinstance(s, ast.Return):
            if s.value is not None:
                self.ret(s)
        elif isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            if isinstance(s, ast.AnnAssign) and s.value is None:
                return
            assigned = s.targets if isinstance(s, ast.Assign) else [s.target]
            names = [n for t in assigned for n in _ordered_names(t)]
            bound.update(n for t in assigned for n in _names(t))
            self.after(s, [n for n in dict.fromkeys(names) if n in bound])  # rule 2
        elif isinstance(s, ast.Expr):
            base = _mutated(s.value)
            if base is not None and base in bound:
                self.after(s, [base])
        elif isinstance(s, ast.Delete):
            for t in s.targets:
                bound -= _names(t)
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(s.name)
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in s.names)
        # try/match/raise/pass/...: no prints inside try (a print must never change which handler runs)

    def _indent(self, s: ast.stmt) -> str | None:
        """The statement's indentation, or None when it does not start its own line or others follow it."""
        first = self.lines[s.lineno - 1]
        prefix = first.encode("utf-8")[:s.col_offset].decode("utf-8", "replace")
        if prefix.strip():
            return None  # `if c: x = 1` or `a = 1; b = 2`: no line of its own
        end = s.end_lineno or s.lineno
        last = self.lines[end - 1].encode("utf-8")[s.end_col_offset:].decode("utf-8", "replace").strip()
        if last and not last.startswith("#"):
            return None  # something follows on the same line (`x = 1; y = 2`)
        return prefix

    def after(self, s: ast.stmt, names: Iterable[str]) -> None:
        indent = self._indent(s)
        if indent is None:
            return
        for name in names:
            self.prints.append(_Print(s.end_lineno or s.lineno, indent, name, name, len(self.prints)))

    def ret(self, s: ast.Return) -> None:
        indent = self._indent(s)
        if indent is None:
            return
        if isinstance(s.value, ast.Name):  # print the name right before the return: nothing to rewrite
            self.prints.append(_Print(s.lineno, indent, RETURN_NAME, s.value.id, len(self.prints), before=True,
                                      is_return=True))
            return
        first = self.lines[s.lineno - 1]
        col = len(indent)
        if not self.may_rewrite_returns or not first[col:].startswith("return"):
            return
        self.rewrites[s.lineno] = _ReturnRewrite(s.lineno, s.end_lineno or s.lineno, col, indent)
        self.prints.append(_Print(s.lineno, indent, RETURN_NAME, RETURN_NAME, len(self.prints), is_return=True))


def _names(target: ast.AST) -> set[str]:
    return set(_ordered_names(target))


def _ordered_names(target: ast.AST) -> list[str]:
    """Variables an assignment target binds or updates: `x`, `a, *b`, and the base of `d[k]`."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _ordered_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _ordered_names(e)]
    if isinstance(target, ast.Subscript):
        base = target.value
        while isinstance(base, ast.Subscript):
            base = base.value
        return [base.id] if isinstance(base, ast.Name) else []
    return []


def _mutated(expr: ast.expr) -> str | None:
    """`xs.append(1)` → "xs"."""
    if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in MUTATORS
            and isinstance(expr.func.value, ast.Name)):
        return expr.func.value.id
    return None


def _changed(body: list[ast.stmt]) -> list[str]:
    """Variables a loop body assigns or updates, in order of first appearance (nested functions excluded)."""
    out: list[str] = []
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out += [n for t in targets for n in _ordered_names(t)]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            out += _ordered_names(node.target)
        elif isinstance(node, ast.Expr) and _mutated(node.value):
            out.append(_mutated(node.value))  # type: ignore[arg-type]
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return list(dict.fromkeys(out))


def _select(prints: list[_Print], max_prints: int) -> list[_Print]:
    """Keep return prints first, then the earliest other prints, up to `max_prints`."""
    returns = [p for p in prints if p.is_return][:max_prints]
    others = [p for p in prints if not p.is_return][:max_prints - len(returns)]
    return sorted(returns + others, key=lambda p: p.order)


def _apply(lines: list[str], prints: list[_Print], rewrites: dict[int, _ReturnRewrite]) -> str:
    before: dict[int, list[str]] = {}
    after: dict[int, list[str]] = {}
    for p in prints:
        text = f"{p.indent}print(f'{p.name}: {{{p.expr}}}')"
        if p.before:
            before.setdefault(p.line, []).append(text)
        elif p.is_return:
            rw = rewrites[p.line]
            after.setdefault(rw.end_line, []).extend([text, f"{rw.indent}return {RETURN_NAME}"])
        else:
            after.setdefault(p.line, []).append(text)
    out: list[str] = []
    for number, line in enumerate(lines, 1):
        out += before.get(number, [])
        if number in rewrites:
            rw = rewrites[number]
            line = line[:rw.col] + f"{RETURN_NAME} =" + line[rw.col + len("return"):]
        out.append(line)
        out += after.get(number, [])
    return "\n".join(out)


def check_equivalent(original: Program, instrumented_code: str, executor: Any) -> bool:
    """True when the instrumented program returns exactly what the original returns (both run `ok`)."""
    runs = executor.run([original, Program(id=f"{original.id}#anchors", code=instrumented_code,
                                           call=original.call, source=original.source)],
                        trust=trust_for([original.source]))
    return same_result(runs[0], runs[1])


def same_result(original: Run, instrumented: Run) -> bool:
    return original.ok and instrumented.ok and original.result == instrumented.result
