"""Stage 2 (programs): CodeReasoner-style "core execution logic" transforms on one function (ast only).

Used by corpus.py. `strip` removes docstrings, print/logging/warnings/sys.stdout calls, annotations,
decorators, `if False:` branches and statements after return/raise/break/continue. `closure` finds what a
function needs from its file (helper functions, literal constants, whitelisted pure modules) or why it
cannot stand alone; `unsafe` rejects constructs that are impure or nondeterministic (generators, globals,
classes, banned builtins such as open/input/eval/id/hash, non-whitelisted imports, dunder access).
"""

from __future__ import annotations

import ast
import builtins
import copy

SAFE_MODULES = frozenset({"math", "string", "collections", "itertools", "functools", "operator", "re", "heapq",
                          "bisect", "copy", "typing", "statistics", "fractions", "decimal"})
BANNED_BUILTINS = frozenset({"open", "input", "exec", "eval", "compile", "__import__", "globals", "locals", "vars",
                             "id", "hash", "breakpoint", "exit", "quit", "help", "memoryview", "setattr",
                             "delattr", "print", "object", "type", "super", "classmethod", "staticmethod",
                             "property", "dir"})
_LOGGERS = frozenset({"logging", "logger", "log", "LOGGER", "LOG", "warnings"})
BUILTIN_NAMES = frozenset(dir(builtins))


# ---- stripping -----------------------------------------------------------------------------------------
def _is_noise(stmt: ast.stmt) -> bool:
    """print/logging/warnings calls and bare string expressions (docstrings)."""
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, ast.Constant):
            return True
        if isinstance(value, ast.Call):
            fn = value.func
            if isinstance(fn, ast.Name) and fn.id == "print":
                return True
            root = fn
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in _LOGGERS:
                return True
            if isinstance(fn, ast.Attribute) and fn.attr in ("write", "flush") and isinstance(fn.value, ast.Attribute) \
                    and isinstance(fn.value.value, ast.Name) and fn.value.value.id == "sys":
                return True
    return False


class _Strip(ast.NodeTransformer):
    """Drop noise statements, annotations and statements after return/raise/break/continue."""

    def _block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in stmts:
            if _is_noise(s):
                continue
            if isinstance(s, ast.If) and isinstance(s.test, ast.Constant) and not s.test.value:
                out.extend(self._block(s.orelse))  # `if False:` / `if 0:` — dead branch
                continue
            new = self.visit(s)
            if new is None:
                continue
            out.append(new)
            if isinstance(s, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                break  # everything after is dead
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for name in ("body", "orelse", "finalbody"):
            stmts = getattr(node, name, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                kept = self._block(stmts)
                setattr(node, name, kept or ([ast.Pass()] if name == "body" else []))
        if isinstance(node, ast.Try):
            for h in node.handlers:
                h.body = self._block(h.body) or [ast.Pass()]
        for child_name, value in ast.iter_fields(node):
            if child_name in ("body", "orelse", "finalbody", "handlers"):
                continue
            if isinstance(value, ast.AST):
                setattr(node, child_name, self.visit(value))
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.returns = None
        node.decorator_list = []
        self.generic_visit(node)
        for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            a.annotation = None
        for star in (node.args.vararg, node.args.kwarg):
            if star is not None:
                star.annotation = None
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)


# ---- self-containment and determinism -------------------------------------------------------------------
def _free_names(fn: ast.FunctionDef) -> set[str]:
    bound = {a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)}
    bound |= {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
    bound |= {n.name for n in ast.walk(fn) if isinstance(n, (ast.FunctionDef, ast.Lambda, ast.ClassDef))
              and hasattr(n, "name")}
    for n in ast.walk(fn):
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in n.names}
        if isinstance(n, ast.ExceptHandler) and n.name:
            bound.add(n.name)
    used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return used - bound


def _unsafe_import(node: ast.Import | ast.ImportFrom) -> str | None:
    mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    return next((m for m in mods if m.split(".")[0] not in SAFE_MODULES), None)


def unsafe(fn: ast.FunctionDef) -> str | None:
    """Why `fn` is not pure, deterministic core logic (None if it is)."""
    for n in ast.walk(fn):
        if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await, ast.AsyncFunctionDef, ast.Global, ast.Nonlocal,
                          ast.ClassDef)):
            return type(n).__name__.lower()
        if isinstance(n, (ast.Import, ast.ImportFrom)) and _unsafe_import(n):
            return "import"
        if isinstance(n, ast.Name) and n.id in BANNED_BUILTINS and n.id != "print":
            return f"uses {n.id}"
        if isinstance(n, ast.Attribute) and n.attr.startswith("__") and n.attr.endswith("__"):
            return "dunder access"
    return None


def is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def strip(fn: ast.FunctionDef, *, in_place: bool = False) -> ast.FunctionDef:
    """`fn` without noise (a copy, unless `in_place`: a tree parsed just for this needs no copy)."""
    return ast.fix_missing_locations(_Strip().visit(fn if in_place else copy.deepcopy(fn)))


def closure(
    name: str, funcs: dict[str, ast.FunctionDef], constants: dict[str, ast.Assign],
    imported: dict[str, ast.Import | ast.ImportFrom],
) -> tuple[list[str], list[str], list[ast.Import | ast.ImportFrom], str | None]:
    """What `name` needs from its file — helper functions, literal constants, safe imports — or why it
    cannot stand alone (an unsafe construct, or a free name that is none of those)."""
    needed, deps, consts, mods = [name], [], [], []
    reason = None
    while needed and reason is None:
        node = funcs[needed.pop()]
        reason = unsafe(node)
        for free in sorted(_free_names(node)):
            if free in BUILTIN_NAMES and free not in BANNED_BUILTINS:
                continue
            if free in funcs:
                if free != name and free not in deps:
                    deps.append(free)
                    needed.append(free)
            elif free in constants:
                consts.append(free) if free not in consts else None
            elif free in imported and _unsafe_import(imported[free]) is None:
                mods.append(imported[free]) if imported[free] not in mods else None
            else:
                reason = reason or f"free name {free}"
    return deps, consts, mods, reason


def rename(fn: ast.FunctionDef, old: str, new: str, define: bool = True) -> ast.FunctionDef:
    if define:
        fn.name = new
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and n.id == old:
            n.id = new
    return fn


def returns_value(fn: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn))
