"""Stage 2 (programs): what a function's source and a call's text show, read with `ast` (nothing runs).

`code_features` (method calls, real-code constructs, lines), `degenerate_constructs` (what real code rarely
has: unused loop variables, dead locals, `x == x`, `return expr == literal`) and `string_arguments` are the
static half of `stats` (realism measures); the synthesizer also uses `degenerate_constructs` to reject what
it wrote, so one definition serves the measure, the synthesizer and the data filters.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable
from typing import Any

from codereasoner.programs.inputs import parse_call_args

TARGETED = ("comprehension", "ternary", "try", "break_continue", "fstring")  # issue targets: >= half the reference
CONSTRUCTS = TARGETED + ("slicing", "while", "index_loop", "lambda", "recursion", "helper")
DEGENERATE = ("unused_loop_var", "dead_local", "identical_operands", "literal_compare_return")

def code_features(code: str) -> tuple[Counter[str], frozenset[str], int]:
    """(method-call names with counts, constructs present, non-blank lines) of one function's source."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return Counter(), frozenset(), 0
    methods: Counter[str] = Counter()
    found: set[str] = set()
    defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            methods[node.func.attr] += 1
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            found.add("comprehension")
        elif isinstance(node, ast.IfExp):
            found.add("ternary")
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            found.add("try")
        elif isinstance(node, (ast.Break, ast.Continue)):
            found.add("break_continue")
        elif isinstance(node, ast.JoinedStr):
            found.add("fstring")
        elif isinstance(node, ast.Slice):
            found.add("slicing")
        elif isinstance(node, ast.While):
            found.add("while")
        elif isinstance(node, ast.Lambda):
            found.add("lambda")
        elif isinstance(node, ast.For) and _is_index_loop(node.iter):
            found.add("index_loop")
    if len(defs) > 1:
        found.add("helper")
    for d in defs:
        if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == d.name
               for n in ast.walk(d)):
            found.add("recursion")
    lines = sum(1 for line in code.splitlines() if line.strip())
    return methods, frozenset(found), lines


def _is_index_loop(node: ast.expr) -> bool:
    """`range(len(x))`, `range(1, len(x))`, ...: a loop over positions rather than items."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
            and any(isinstance(a, ast.Call) and isinstance(a.func, ast.Name) and a.func.id == "len"
                    for arg in node.args for a in ast.walk(arg)))


_CONSTANT_OPS = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.BitAnd, ast.BitOr, ast.BitXor)


def _targets(node: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not n.id.startswith("_")}


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def degenerate_constructs(code: str) -> frozenset[str]:
    """Constructs real code rarely has, found by `ast` (one definition for measuring and filtering):

    - unused_loop_var: a `for` (or comprehension) binds a name (not `_`-prefixed) its body never reads;
    - dead_local: a function assigns a local it never reads (parameters excepted);
    - identical_operands: `x == x`, `a and a`, `x - x`, ... (but not `x + x` or `x * x`: doubling and squaring);
    - literal_compare_return: `return <expr> <cmp> <literal>`: the result is a bool read off one comparison.

    Code that does not parse gives {"unparsable"}. One pass over the tree (the synthesizer checks every
    function it writes, so this is on the data build's hot path).
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return frozenset({"unparsable"})
    found: set[str] = set()
    _Scan(found).loads(tree)
    return frozenset(found)


class _Scan:
    """Names read under each node, bottom-up, with the checks that need them along the way."""

    def __init__(self, found: set[str]) -> None:
        self.found = found
        self.stores: set[str] = set()  # names assigned in the function being scanned
        self.loops: set[str] = set()  # loop / comprehension targets there

    def loads(self, node: ast.AST) -> set[str]:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                return {node.id}
            if isinstance(node.ctx, ast.Store):
                self.stores.add(node.id)
            return set()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.function(node)
        if isinstance(node, ast.For):
            self.loops |= _targets(node.target)
            self.loads(node.target)
            body = self.union(node.body + node.orelse)
            if _targets(node.target) - body:
                self.found.add("unused_loop_var")
            return body | self.loads(node.iter)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node)
        self.check(node)
        return self.union(ast.iter_child_nodes(node))

    def union(self, nodes: Iterable[ast.AST]) -> set[str]:
        out: set[str] = set()
        for child in nodes:
            out |= self.loads(child)
        return out

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
        outer = self.stores, self.loops
        self.stores, self.loops = set(), set()
        defaults = [d for d in [*node.args.defaults, *node.args.kw_defaults] if d is not None]
        reads = self.union([*defaults, *node.decorator_list, *node.body])
        params = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
        if self.stores - params - self.loops - reads - {"_"}:
            self.found.add("dead_local")
        self.stores, self.loops = outer[0] | self.stores, outer[1] | self.loops  # an outer def sees inner names
        return reads

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> set[str]:
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        used = self.union(parts)
        reads = set(used)
        for i, gen in enumerate(node.generators):
            self.loops |= _targets(gen.target)
            self.loads(gen.target)
            iter_reads = self.loads(gen.iter)
            if_reads = self.union(gen.ifs)
            used |= if_reads | (iter_reads if i else set())
            reads |= iter_reads | if_reads
        if any(_targets(g.target) - used for g in node.generators):
            self.found.add("unused_loop_var")
        return reads

    def check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            if ast.dump(node.left) == ast.dump(node.comparators[0]):
                self.found.add("identical_operands")
        elif isinstance(node, ast.BoolOp):
            dumps = [ast.dump(v) for v in node.values]
            if len(set(dumps)) < len(dumps):
                self.found.add("identical_operands")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, _CONSTANT_OPS):
            if ast.dump(node.left) == ast.dump(node.right):
                self.found.add("identical_operands")
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Compare):
            if any(_is_literal(c) for c in [node.value.left, *node.value.comparators]):
                self.found.add("literal_compare_return")


def string_arguments(call: str) -> list[str]:
    """Every str in a literal call's arguments, at any depth (dict keys included); [] if not literal."""
    parsed = parse_call_args(call)
    if parsed is None:
        return []
    out: list[str] = []
    stack: list[Any] = list(parsed[1])
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
    return out
