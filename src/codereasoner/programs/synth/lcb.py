"""Stage 2 (programs/synth): the LiveCodeBench-style family — short algorithmic functions over arrays and strings.

LiveCodeBench's execution problems are contest solutions: array loops, counting with a dict, prefix sums,
two pointers, sliding windows, simple dynamic programming. Each template here writes one such function with
its own variation points (names, comparisons, constants, what is returned) at an exact control depth, so
ExecVerify's depth knob keeps its meaning; `call_chain` moves the template's condition into a helper `g`.
Loops run over inputs or ranges of input sizes, and every pointer moves on every pass: all terminate.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from codereasoner.programs.inputs import Hints
from codereasoner.programs.features import degenerate_constructs
from codereasoner.programs.synth.compose import Composed
from codereasoner.programs.synth.control import IND
from codereasoner.programs.synth.grammar import skeleton
from codereasoner.programs.synth.knobs import SynthConfig

_NAMES = {"L": ("nums", "arr", "a", "values", "heights", "scores", "prices"), "S": ("s", "word", "text", "t"),
          "I": ("k", "target", "limit", "m"), "N": ("n", "size", "steps")}
_CMP = (">", "<", ">=", "<=", "!=", "==")


@dataclass
class Builder:
    """Names, literals and conditions for one template; records params, hints and catalogue pairs used."""

    rng: random.Random
    call_chain: bool
    methods: bool = True  # other_methods: templates may call str/list/dict methods (depth 0 keeps to builtins)
    params: list[tuple[str, str]] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    hints: Hints = field(default_factory=lambda: Hints(min_size=3))
    used: list[str] = field(default_factory=list)
    helper: list[str] = field(default_factory=list)

    def param(self, tag: str) -> str:
        pool = [n for n in _NAMES["I" if tag == "N" else tag] if n not in self.taken] or [f"x{len(self.taken)}"]
        if tag == "N":
            pool = [n for n in _NAMES["N"] if n not in self.taken] or pool
        name = self.rng.choice(pool)
        self.taken.add(name)
        self.params.append((name, "I" if tag == "N" else tag))
        return name

    def name(self, *pool: str) -> str:
        free = [n for n in pool if n not in self.taken] or [f"{pool[0]}{len(self.taken)}"]
        name = self.rng.choice(free)
        self.taken.add(name)
        return name

    def k(self, lo: int = 1, hi: int = 5) -> int:
        value = self.rng.randint(lo, hi)
        self.hints.ints.append(value)
        return value

    def use(self, *pairs: str) -> None:
        self.used += [p for p in pairs if p not in self.used]

    def cond(self, a: str, b: str | None = None) -> str:
        """A test on one value (or a pair): through a helper `g` when `call_chain` asks for one."""
        r = self.rng
        if b is None:
            body = r.choice((f"{a} % 2 == 0", f"{a} % 3 != 0", f"{a} > {self.k(0, 6)}", f"{a} < {self.k(2, 9)}",
                             f"{a} != {self.k(0, 9)}"))
        else:
            body = r.choice((f"{a} {r.choice(_CMP[:4])} {b}", f"({a} + {b}) % 2 == 0", f"{a} + {b} > {self.k(3, 12)}",
                             f"abs({a} - {b}) <= {self.k(1, 3)}", f"{a} * {b} % {self.k(2, 4)} == 0"))
        if not self.call_chain or self.helper:
            return body
        args = [a] if b is None else [a, b]
        formal = ["x", "y"][: len(args)]
        for actual, name in zip(args, formal):
            body = _swap(body, actual, name)
        self.helper = [f"def g({', '.join(formal)}):", IND + f"return {body}"]
        return f"g({', '.join(args)})"


def _swap(expr: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![\w\[]){re.escape(old)}(?![\w])", new, expr)


# ---- templates: (builder) -> body lines of f (without the def line) ------------------------------------------

def sum_filter(b: Builder) -> list[str]:
    xs = b.param("L")
    b.use("list.len")
    x = b.name("x", "v", "num")
    pick = b.rng.random()
    if pick < 0.4:
        return [f"return sum({x} for {x} in {xs} if {b.cond(x)})"]
    if pick < 0.7:
        return [f"return [{x} * {b.k(2, 4)} for {x} in {xs} if {b.cond(x)}]"]
    return [f"return len([{x} for {x} in {xs} if {b.cond(x)}])"]


def spread(b: Builder) -> list[str]:
    xs = b.param("L")
    b.use("list.len")
    total = b.rng.choice((f"max({xs}, default=0) - min({xs}, default=0)", f"sorted(set({xs}))[-{b.k(1, 2)}:]",
                          f"len({xs}) - len(set({xs})) + max({xs}, default=0)", f"sum(sorted({xs})[:{b.k(2, 3)}])"))
    guarded = b.rng.choice((f"sorted({xs})[len({xs}) // 2]", f"sum({xs}) // len({xs})", f"{xs}[0] - {xs}[-1]"))
    if b.rng.random() < 0.5:
        return [f"return {total}"]
    return [f"return {guarded} if {xs} else {b.rng.choice(('0', '-1'))}"]


def char_stats(b: Builder) -> list[str]:
    s = b.param("S")
    ch = b.name("ch", "c")
    group = b.rng.choice(("'aeiou'", "'aeiouAEIOU'", "' '", "'0123456789'", "'.,!?'"))
    form = b.rng.random() if b.methods else 0.0
    if form < 0.4:
        group = b.rng.choice(("'aeiou'", "'aeiouAEIOU'", "'aeiou '"))
        return [f"return sum(1 for {ch} in {s} if {ch} in {group})"]
    if form < 0.7:
        b.use("str.join")
        return [f"return ''.join({ch} for {ch} in {s} if {ch} not in {group})"]
    b.use("str.join", "str.upper")
    return [f"return ''.join({ch}.upper() if {ch} in {group} else {ch} for {ch} in {s})"]


def prefix_sums(b: Builder) -> list[str]:
    xs = b.param("L")
    total, out, x = b.name("total", "running", "acc"), b.name("res", "prefix", "out"), b.name("x", "num", "v")
    b.use("list.append")
    step = b.rng.choice((f"{total} += {x}", f"{total} = max({total}, {x})", f"{total} = {total} * 2 + {x}"))
    ret = b.rng.choice((out, f"{out}[-1] if {out} else 0", f"{out}[::{b.k(1, 2)}]"))
    return [f"{total} = 0", f"{out} = []", f"for {x} in {xs}:", IND + step, IND + f"{out}.append({total})",
            f"return {ret}"]


def kadane(b: Builder) -> list[str]:
    xs = b.param("L")
    best, cur, x = b.name("best", "ans"), b.name("cur", "run"), b.name("x", "num")
    agg = b.rng.choice(("max", "min"))
    return [f"{best} = {cur} = {xs}[0] if {xs} else 0", f"for {x} in {xs}[1:]:",
            IND + f"{cur} = {agg}({x}, {cur} + {x})",
            IND + f"{best} = {agg}({best}, {cur})", f"return {best}"]


def counter(b: Builder) -> list[str]:
    xs = b.param(b.rng.choice(("L", "S")))
    cnt, x = b.name("cnt", "freq", "counts", "seen"), b.name("x", "ch", "item")
    b.use("dict.get")
    ret = b.rng.choice((cnt, f"max({cnt}.values()) if {cnt} else 0", f"sorted({cnt}.items())",
                        f"[{x} for {x} in {cnt} if {cnt}[{x}] == 1]", f"len({cnt})"))
    if "items" in ret:
        b.use("dict.items")
    if "values" in ret:
        b.use("dict.values")
    return [f"{cnt} = {{}}", f"for {x} in {xs}:", IND + f"{cnt}[{x}] = {cnt}.get({x}, 0) + 1", f"return {ret}"]


def stairs(b: Builder) -> list[str]:
    n = b.param("N")
    dp, i = b.name("dp", "ways", "f"), b.name("i", "j")
    a, c = b.k(1, 3), b.k(1, 2)
    mod = b.rng.choice(("", f" % {b.rng.choice((10, 97, 1000))}"))
    return [f"{dp} = [{a}, {c}] + [0] * {n}", f"for {i} in range(2, {n} + 2):",
            IND + f"{dp}[{i}] = ({dp}[{i} - 1] + {dp}[{i} - 2]){mod}", f"return {dp}[{n}]"]


def reverse_pointers(b: Builder) -> list[str]:
    tag = b.rng.choice(("L", "S"))
    xs = b.param(tag)
    a, lo, hi = b.name("a", "chars", "items"), b.name("l", "i", "lo"), b.name("r", "j", "hi")
    step = b.rng.choice((f"{lo} += 1", f"{lo} += 2"))
    return [f"{a} = list({xs})", f"{lo}, {hi} = 0, len({a}) - 1", f"while {lo} < {hi}:",
            IND + f"{a}[{lo}], {a}[{hi}] = {a}[{hi}], {a}[{lo}]", IND + step, IND + f"{hi} -= 1",
            f"return {a}" if tag == "L" else f"return ''.join({a})"]


def weighted(b: Builder) -> list[str]:
    xs = b.param("L")
    total, i, x = b.name("total", "score", "res"), b.name("i", "idx"), b.name("x", "v", "num")
    b.use("enumerate.enumerate")
    expr = b.rng.choice((f"{i} * {x}", f"({i} % {b.k(2, 3)}) * {x}", f"{x} if {i} % 2 == 0 else -{x}"))
    return [f"{total} = 0", f"for {i}, {x} in enumerate({xs}):", IND + f"{total} += {expr}", f"return {total}"]


def window(b: Builder) -> list[str]:
    xs, k = b.param("L"), b.param("I")
    cur, best, r = b.name("cur", "window", "s"), b.name("best", "ans"), b.name("r", "right", "i")
    return [f"{cur} = {best} = 0", f"for {r} in range(len({xs})):", IND + f"{cur} += {xs}[{r}]",
            IND + f"if {r} >= {k}:", IND * 2 + f"{cur} -= {xs}[{r} - {k}]",
            IND + f"{best} = max({best}, {cur})", f"return {best}"]


def longest_run(b: Builder) -> list[str]:
    tag = b.rng.choice(("L", "S"))
    xs = b.param(tag)
    cur, best, i = b.name("cur", "run"), b.name("best", "longest"), b.name("i", "j")
    same = b.rng.choice((f"{xs}[{i}] == {xs}[{i} - 1]", f"{xs}[{i}] != {xs}[{i} - 1]"))
    if tag == "L":
        same = b.rng.choice((same, f"{xs}[{i}] > {xs}[{i} - 1]", f"{xs}[{i}] >= {xs}[{i} - 1]"))
    return [f"{cur} = {best} = 1 if {xs} else 0", f"for {i} in range(1, len({xs})):", IND + f"if {same}:",
            IND * 2 + f"{cur} += 1", IND * 2 + f"{best} = max({best}, {cur})", IND + "else:",
            IND * 2 + f"{cur} = 1", f"return {b.rng.choice((f'[{best}, {cur}]', f'({best}, len({xs}) - {best})'))}"]


def pair_sum(b: Builder) -> list[str]:
    xs, t = b.param("L"), b.param("I")
    a, lo, hi, s = b.name("a", "srt"), b.name("l", "lo"), b.name("r", "hi"), b.name("total", "cur")
    return [f"{a} = sorted({xs})", f"{lo}, {hi} = 0, len({a}) - 1", f"while {lo} < {hi}:",
            IND + f"{s} = {a}[{lo}] + {a}[{hi}]", IND + f"if {s} == {t}:", IND * 2 + f"return [{a}[{lo}], {a}[{hi}]]",
            IND + f"elif {s} < {t}:", IND * 2 + f"{lo} += 1", IND + "else:", IND * 2 + f"{hi} -= 1",
            "return [-1, -1]"]


def depth_scan(b: Builder) -> list[str]:
    s = b.param("S")
    depth, best, ch = b.name("depth", "level", "bal"), b.name("best", "deepest"), b.name("ch", "c")
    op, cl = b.rng.choice((("(", ")"), ("[", "]"), ("a", "b"), ("<", ">")))
    b.hints.strs += [op, cl, op * 2 + cl]
    return [f"{depth} = {best} = 0", f"for {ch} in {s}:", IND + f"if {ch} == {op!r}:", IND * 2 + f"{depth} += 1",
            IND * 2 + f"{best} = max({best}, {depth})", IND + f"elif {ch} == {cl!r}:", IND * 2 + f"{depth} -= 1",
            f"return {b.rng.choice((f'[{best}, {depth}]', f'({best}, {depth}, len({s}))'))}"]


def first_match(b: Builder) -> list[str]:
    xs = b.param("L")
    res, i, x = b.name("res", "ans", "found"), b.name("i", "idx"), b.name("x", "num", "v")
    b.use("enumerate.enumerate")
    hit = b.rng.choice((i, x, f"[{i}, {x}]"))
    return [f"{res} = {b.rng.choice(('-1', 'None', '[]'))}", f"for {i}, {x} in enumerate({xs}):",
            IND + f"if {b.cond(x)}:", IND * 2 + f"{res} = {hit}", IND * 2 + "break", f"return {res}"]


def skip_sum(b: Builder) -> list[str]:
    xs = b.param("L")
    total, x = b.name("total", "acc", "s"), b.name("x", "num", "v")
    add = b.rng.choice((x, f"{x} * {x}", f"{x} * {b.k(2, 3)}", f"abs({x})"))
    return [f"{total} = 0", f"for {x} in {xs}:", IND + f"if {b.cond(x)}:", IND * 2 + "continue",
            IND + f"{total} += {add}", f"return {total}"]


def pair_count(b: Builder) -> list[str]:
    xs = b.param("L")
    cnt, i, j = b.name("cnt", "count", "pairs"), b.name("i"), b.name("j")
    return [f"{cnt} = 0", f"for {i} in range(len({xs})):", IND + f"for {j} in range({i} + 1, len({xs})):",
            IND * 2 + f"if {b.cond(f'{xs}[{i}]', f'{xs}[{j}]')}:", IND * 3 + f"{cnt} += 1", f"return {cnt}"]


def lis(b: Builder) -> list[str]:
    xs = b.param("L")
    dp, i, j = b.name("dp", "best", "length"), b.name("i"), b.name("j")
    ret = b.rng.choice((f"max({dp}, default=0)", dp, f"{dp}[-1] if {dp} else 0"))
    return [f"{dp} = [1] * len({xs})", f"for {i} in range(len({xs})):", IND + f"for {j} in range({i}):",
            IND * 2 + f"if {b.cond(f'{xs}[{j}]', f'{xs}[{i}]')}:",
            IND * 3 + f"{dp}[{i}] = max({dp}[{i}], {dp}[{j}] + 1)", f"return {ret}"]


def grid_walk(b: Builder) -> list[str]:
    n, m = b.param("N"), b.param("I")
    total, r, c = b.name("total", "acc", "cells"), b.name("r", "row"), b.name("c", "col")
    add = b.rng.choice((f"{r} * {c} + 1", f"{r} + {c}", f"{r} * 2 + {c}", f"abs({r} - {c}) + 1"))
    return [f"{total} = 0", f"for {r} in range({n} % 6 + 1):", IND + f"for {c} in range({m} % 6 + 1):",
            IND * 2 + f"if {b.cond(r, c)}:", IND * 3 + f"{total} += {add}", f"return {total}"]


def substrings(b: Builder) -> list[str]:
    s = b.param("S")
    cnt, i, j = b.name("cnt", "found"), b.name("i"), b.name("j")
    piece = f"{s}[{i}:{j}]"
    test = b.rng.choice((f"{piece} == {piece}[::-1]", f"len(set({piece})) == len({piece})",
                         f"{piece}.count({b.rng.choice(('a', 'e', ' '))!r}) == 1"))
    return [f"{cnt} = 0", f"for {i} in range(min(len({s}), 12)):", IND + f"for {j} in range({i} + 1, min(len({s}), 12) + 1):",
            IND * 2 + f"if {test}:", IND * 3 + f"{cnt} += 1", f"return {cnt}"]


# depth of f's control flow → templates; those taking a `cond` can move it into a helper (call_chain)
TEMPLATES: dict[int, tuple[Callable[[Builder], list[str]], ...]] = {
    0: (sum_filter, spread, char_stats),
    1: (prefix_sums, kadane, counter, stairs, reverse_pointers, weighted),
    2: (window, longest_run, pair_sum, depth_scan, first_match, skip_sum),
    3: (pair_count, lis, grid_walk, substrings),
}
_HELPED = {sum_filter, first_match, skip_sum, pair_count, lis, grid_walk}
_TRIES = 6


def compose(cfg: SynthConfig, rng: random.Random) -> Composed | None:
    """One LiveCodeBench-style function at `cfg.depth` (a helper `g` when `cfg.call_chain`)."""
    options = [t for t in TEMPLATES[cfg.depth] if not cfg.call_chain or t in _HELPED]
    if not options:
        return None
    for _ in range(_TRIES):
        template = rng.choice(options)
        b = Builder(rng, cfg.call_chain, cfg.other_methods)
        body = template(b)
        if cfg.call_chain and not b.helper:
            continue
        typed = rng.random() < 0.4  # LiveCodeBench solutions carry type hints about half the time
        hint = {"L": "list[int]", "S": "str", "I": "int"}
        sig = ", ".join(f"{n}: {hint[t]}" if typed else n for n, t in b.params)
        lines = [f"def f({sig}):"] + [IND + x for x in body]
        code = "\n".join(([*b.helper, ""] if b.helper else []) + lines)
        if degenerate_constructs(code):
            continue
        return Composed(code=code, param_tags=tuple(t for _, t in b.params), hints=b.hints,
                        used=(f"lcb.{template.__name__}", *b.used), control=(),
                        skeleton=skeleton(code, b.taken | {"x", "y"}))
    return None
