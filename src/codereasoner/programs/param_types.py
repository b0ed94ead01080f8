"""Stage 2 (programs): the type of each parameter of a corpus function, for CodeReasoner-style input synthesis.

Corpus code rarely says what its arguments are. In order: the annotation (`s: str`), the parameter's name
(`s`, `text` → str; `n`, `k` → int; `nums` → list ...), and how the body uses it (`usage_tags`): its
methods (`p.upper()` → str, via the synthesizer's catalogue), arithmetic and comparisons with literals,
`range(p)`, `len(p)`, indexing, iteration, its default value. Tags are `inputs.py`'s (S str, I int, F float,
B bool, L list[int], W list[str], D dict, E set, T tuple); the engine drops calls that raise.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable

from codereasoner.programs.synth.catalogue import PAIRS

# Parameter name → type tag for generated inputs (annotations win when present).
NAME_TAGS = {
    "S": ("s", "text", "string", "word", "name", "line", "st", "sentence", "phrase", "chars", "prefix", "suffix",
          "sub", "pattern", "char", "c", "ch", "letter", "sep", "delimiter"),
    "I": ("n", "k", "m", "num", "count", "x", "y", "i", "j", "idx", "index", "size", "length", "limit", "target",
          "start", "end", "step", "base", "a", "b", "number", "val", "value"),
    "L": ("nums", "numbers", "arr", "array", "lst", "values", "items", "data", "xs", "seq", "nums1", "nums2",
          "list1", "list2", "l", "li", "elements", "scores", "prices"),
    "W": ("words", "strings", "names", "tokens", "strs", "lines"),
    "D": ("d", "dic", "dict1", "mapping", "counts", "table"),
}
_ANNOTATION_TAGS = {"int": "I", "str": "S", "float": "F", "bool": "B", "dict": "D", "set": "E", "tuple": "T",
                    "list": "L"}


def annotation_or_name_tag(arg: ast.arg) -> str | None:
    ann = arg.annotation
    if ann is not None:
        text = ast.unparse(ann).replace("typing.", "").lower()
        if text in ("list[str]",):
            return "W"
        base = text.split("[")[0]
        base = {"list": "list", "dict": "dict", "set": "set", "tuple": "tuple"}.get(base, base)
        if base in _ANNOTATION_TAGS:
            return _ANNOTATION_TAGS[base]
    for tag, names in NAME_TAGS.items():
        if arg.arg in names:
            return tag
    return None


# Method name → type tags from the synthesizer's catalogue (str.upper → S, list.append → L, ...).
_TYPE_TAGS = {"str": "S", "list": "L", "dict": "D", "set": "E", "tuple": "T", "float": "F"}
_METHOD_TAGS: dict[str, set[str]] = {}
for _pair in PAIRS:
    _type, _method = _pair.split(".", 1)
    if _method.isidentifier() and _type in _TYPE_TAGS:
        _METHOD_TAGS.setdefault(_method, set()).add(_TYPE_TAGS[_type])


def _constant_tag(node: ast.AST) -> str | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        return {int: "I", float: "F", str: "S"}.get(type(node.value))
    if isinstance(node, (ast.List, ast.ListComp)):
        return "L"
    if isinstance(node, (ast.Dict, ast.DictComp)):
        return "D"
    return None


def usage_tags(fn: ast.FunctionDef) -> dict[str, str]:
    """A type tag per parameter from how the body uses it (CodeReasoner-style input synthesis for code
    without annotations): its methods (`p.upper()` → str), arithmetic and comparisons with literals,
    `range(p)`, `len(p)`, indexing, iteration, and its default value (strongest)."""
    params = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
    votes: dict[str, Counter[str]] = {p: Counter() for p in params}

    def vote(node: ast.AST, tags: Iterable[str], weight: float = 1.0) -> None:
        if isinstance(node, ast.Name) and node.id in votes:
            tags = list(tags)
            for t in tags:
                votes[node.id][t] += weight / len(tags)  # type: ignore[assignment]  # Counter holds floats too

    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr in _METHOD_TAGS:
                vote(f.value, _METHOD_TAGS[f.attr])
            elif isinstance(f, ast.Name) and f.id == "range":
                for a in node.args:
                    vote(a, "I")
            elif isinstance(f, ast.Name) and f.id in ("len", "sorted", "reversed", "enumerate") and node.args:
                vote(node.args[0], "SL", 0.5)
        elif isinstance(node, ast.BinOp):
            for this, other in ((node.left, node.right), (node.right, node.left)):
                tag = _constant_tag(other)
                if isinstance(node.op, ast.Div):
                    vote(this, "F", 0.5)
                elif tag is not None and not (isinstance(node.op, ast.Mult) and tag == "I"
                                              and isinstance(this, ast.Name) and not votes.get(this.id)):
                    vote(this, tag)
                elif isinstance(node.op, (ast.Sub, ast.Pow, ast.FloorDiv, ast.Mod, ast.LShift, ast.RShift)):
                    vote(this, "I", 0.5)
        elif isinstance(node, ast.AugAssign):
            tag = _constant_tag(node.value)
            if tag is not None:
                vote(node.target, tag)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for a in sides:
                for b in sides:
                    if a is not b and _constant_tag(b) in ("I", "F", "S"):
                        vote(a, _constant_tag(b) or "I")
            for op, right in zip(node.ops, node.comparators):
                if isinstance(op, (ast.In, ast.NotIn)):
                    vote(right, "SL", 0.5)
        elif isinstance(node, ast.Subscript):
            vote(node.value, "SL", 0.5)
        elif isinstance(node, (ast.For, ast.comprehension)):
            vote(node.iter, "LS", 0.5)
    defaults = fn.args.defaults
    for name, default in zip(params[len(params) - len(defaults):], defaults):
        tag = _constant_tag(default)
        if tag is not None:
            votes[name][tag] += 10
    return {p: v.most_common(1)[0][0] for p, v in votes.items() if v}
