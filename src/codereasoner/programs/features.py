"""Stage 2 (programs): what a function's source and a call's text show, read with `ast` (nothing runs).

`analyze` reads one function in a single parse and pass: its method calls, real-code constructs and lines
(`code_features`) and what real code rarely has — unused loop variables, dead locals, `x == x`,
`return expr == literal` (`degenerate_constructs`). With `string_arguments` this is the static half of
`stats` (realism measures); the synthesizer uses `degenerate_constructs` to reject what it wrote, so one
definition serves the measure, the synthesizer and the data filters.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from codereasoner.programs.inputs import parse_call_args

TARGETED = ("comprehension", "ternary", "try", "break_continue", "fstring")  # issue targets: >= half the reference
CONSTRUCTS = TARGETED + ("slicing", "while", "index_loop", "lambda", "recursion", "helper")
DEGENERATE = ("unused_loop_var", "dead_local", "identical_operands", "literal_compare_return")

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


@dataclass(frozen=True)
class Analysis:
    """What one parse of a function's source shows (`analyze`)."""

    methods: Counter[str]  # `x.name(...)` calls by name
    constructs: frozenset[str]  # CONSTRUCTS present
    lines: int  # non-blank lines
    degenerate: frozenset[str]  # DEGENERATE present, or {"unparsable"}


def analyze(code: str) -> Analysis:
    """Method calls, constructs, lines and degenerate constructs of `code`, in one parse and one pass."""
    lines = sum(1 for line in code.splitlines() if line.strip())
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return Analysis(Counter(), frozenset(), 0, frozenset({"unparsable"}))
    scan = _Scan()
    scan.loads(tree)
    if scan.defs > 1:
        scan.constructs.add("helper")
    return Analysis(scan.methods, frozenset(scan.constructs), lines, frozenset(scan.found))


def code_features(code: str) -> tuple[Counter[str], frozenset[str], int]:
    """(method-call names with counts, constructs present, non-blank lines) of one function's source."""
    a = analyze(code)
    return (a.methods, a.constructs, a.lines) if "unparsable" not in a.degenerate else (Counter(), frozenset(), 0)


def degenerate_constructs(code: str) -> frozenset[str]:
    """Constructs real code rarely has, found by `ast` (one definition for measuring and filtering):

    - unused_loop_var: a `for` (or comprehension) binds a name (not `_`-prefixed) its body never reads;
    - dead_local: a function assigns a local it never reads (parameters excepted);
    - identical_operands: `x == x`, `a and a`, `x - x`, ... (but not `x + x` or `x * x`: doubling and squaring);
    - literal_compare_return: `return <expr> <cmp> <literal>`: the result is a bool read off one comparison.

    Code that does not parse gives {"unparsable"}. (The synthesizer checks every function it writes, so this
    is on the data build's hot path: one pass over the tree.)
    """
    return analyze(code).degenerate


_CONSTRUCT_OF: dict[type, str] = {
    ast.ListComp: "comprehension", ast.SetComp: "comprehension", ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension", ast.IfExp: "ternary", ast.Try: "try", ast.Break: "break_continue",
    ast.Continue: "break_continue", ast.JoinedStr: "fstring", ast.Slice: "slicing", ast.While: "while",
    ast.Lambda: "lambda",
}
if hasattr(ast, "TryStar"):
    _CONSTRUCT_OF[ast.TryStar] = "try"


class _Scan:
    """One pass: names read under each node (bottom-up), the degenerate checks that need them, and the
    method calls and constructs of `code_features`."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self.methods: Counter[str] = Counter()
        self.constructs: set[str] = set()
        self.defs = 0
        self.stores: set[str] = set()  # names assigned in the function being scanned
        self.loops: set[str] = set()  # loop / comprehension targets there
        self.calls: set[str] = set()  # plain names called there (recursion)

    def loads(self, node: ast.AST) -> set[str]:
        kind = _CONSTRUCT_OF.get(type(node))
        if kind:
            self.constructs.add(kind)
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                return {node.id}
            if isinstance(node.ctx, ast.Store):
                self.stores.add(node.id)
            return set()
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                self.methods[node.func.attr] += 1
            elif isinstance(node.func, ast.Name):
                self.calls.add(node.func.id)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.function(node)
        if isinstance(node, ast.For):
            if _is_index_loop(node.iter):
                self.constructs.add("index_loop")
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
        self.defs += 1
        outer = self.stores, self.loops, self.calls
        self.stores, self.loops, self.calls = set(), set(), set()
        args = node.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, (args.vararg, args.kwarg))]
        extra = [*args.defaults, *args.kw_defaults, *node.decorator_list, node.returns,
                 *(a.annotation for a in every)]
        reads = self.union([*(n for n in extra if n is not None), *node.body])
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        if self.stores - params - self.loops - reads - {"_"}:
            self.found.add("dead_local")
        if node.name in self.calls:
            self.constructs.add("recursion")
        # an outer function sees its inner functions' names
        self.stores, self.loops, self.calls = outer[0] | self.stores, outer[1] | self.loops, outer[2] | self.calls
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
