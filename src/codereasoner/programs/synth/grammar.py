"""Stage 2 (programs/synth): the typed grammar that writes one short CRUXEval-style function per seed.

Given a catalogue op (one (type, method) template) and the knobs, `write_function` builds the entry point
`f` (and a helper `g` when `call_chain`), keeping a typed environment of variables. Termination is by
construction: loops run over inputs, `range` of an input or literal, or a bounded counter; nothing a loop
iterates over (nor its counter) is ever mutated or reassigned inside it, and values that could double on
every iteration never accumulate onto themselves. No sets of strings are built, so results do not depend on
the hash seed. Whatever still raises (e.g. `pop` from an empty list) is dropped by engine verification.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field

from codereasoner.programs.inputs import Hints
from codereasoner.programs.synth.catalogue import BY_PAIR, OPS, Op, weight

ELEM = {"L": "I", "W": "S", "T": "I", "E": "I", "S": "S", "D": "S"}  # what iterating a value yields
ACC_INIT = {"S": "''", "I": "0", "F": "0.0", "L": "[]", "W": "[]", "T": "()", "E": "set()", "D": "{}", "Y": "b''"}
CONTROL = ("if", "for", "while", "if-elif")  # ExecVerify's control-statement pool

PARAM_NAMES = {
    "S": ("text", "s", "word", "name", "line", "phrase", "label", "msg", "string", "value", "code", "title"),
    "I": ("n", "k", "m", "num", "limit", "size", "step", "times", "count", "width"),
    "F": ("x", "val", "amount", "price", "ratio", "rate", "weight", "score"),
    "L": ("nums", "items", "values", "arr", "lst", "numbers", "data", "xs", "seq", "elements"),
    "W": ("words", "names", "tokens", "parts", "strings", "labels", "chunks", "items"),
    "D": ("d", "counts", "mapping", "table", "scores", "info", "dic", "inventory", "ages"),
    "E": ("seen", "pool", "group", "bag", "ids", "marks", "nums", "visited"),
    "T": ("t", "pair", "coords", "tup", "point", "record", "triple", "dims"),
}
LOCAL_NAMES = {
    "S": ("result", "out", "res", "new_text", "acc", "buf", "joined", "s2"),
    "I": ("total", "count", "acc", "res", "cnt", "hits", "ans"),
    "F": ("total", "acc", "value", "res"),
    "L": ("result", "out", "res", "acc", "collected", "picked"),
    "W": ("result", "out", "collected", "res", "kept"),
    "D": ("result", "res", "merged", "table", "out"),
    "E": ("result", "res", "merged", "common", "out"),
    "T": ("result", "res", "out", "acc"),
    "A": ("result", "res", "out", "collected", "pairs"),
    "B": ("flags", "checks", "res"),
    "Y": ("data", "raw", "res"),
}
LOOP_NAMES = {"S": ("ch", "c", "char", "letter"), "W": ("w", "word", "tok", "part"),
              "I": ("x", "num", "v", "item"), "D": ("key", "k", "name"), "range": ("i", "j", "idx")}

_SLOT = re.compile(r"\$([a-z]+2?)")
_ALPHA = {"natural": "abcdexyz", "paper": "abcdexyz", "small": "abcde"}
_KEYS = {"natural": ("a", "b", "x", "key", "id", "name", "count", "total", "apple", "red"),
         "paper": ("a", "b", "c", "x", "y", "key", "id"), "small": ("a", "b", "c")}
# Literals real code writes: separators, vowels, common letters and short words (natural scale, half the time).
_NATURAL_LITS = {1: (" ", " ", "a", "e", "o", "i", "n", "s", "t", "r", "l", ",", ".", "-", "!", "A", "1"),
                 2: ("an", "er", "th", "in", "on", "at", "es", "re", "or", "en", ", ", "ab", "OK", "--", "10"),
                 3: ("the", "and", "ing", "ter", "ent", "one", "all", "red", "cat", "day", "Hi!", "ear")}


def _atomic(expr: str) -> bool:
    """True if `expr` needs no parentheses as a receiver: no space or sign outside brackets and quotes.

    The grammar writes binary operators, `and`/`or`/`in`/`not` with spaces and calls/subscripts/displays
    without top-level spaces, so a scan beats `ast.parse` (the hot path of the synthesizer).
    """
    if not expr or expr[0] in "-+" or expr.isdigit() or expr.startswith("lambda"):
        return False
    depth, quote = 0, ""
    for ch in expr:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == " " and depth == 0:
            return False
    return True


def wrap(expr: str) -> str:
    """`expr`, parenthesised unless it is atomic (a receiver, an operand)."""
    return expr if _atomic(expr) else f"({expr})"


def resolve(tag: str, recv: str) -> str:
    """A result tag with Q (the receiver's list type) and e (its element type) resolved."""
    return recv if tag == "Q" else ELEM.get(recv, "A") if tag == "e" else tag


@dataclass
class Fn:
    """One function under construction: signature, typed variables, names in use, enclosing loop variables."""

    name: str
    rng: random.Random
    params: list[tuple[str, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)
    loop_vars: list[str] = field(default_factory=list)  # innermost last

    def fresh(self, pool: tuple[str, ...]) -> str:
        free = [n for n in pool if n not in self.taken]
        name = self.rng.choice(free) if free else f"{pool[0]}{len(self.taken)}"
        self.taken.add(name)
        return name

    def param(self, tag: str) -> str:
        name = self.fresh(PARAM_NAMES[tag])
        self.params.append((name, tag))
        self.env[name] = tag
        return name

    def local(self, tag: str) -> str:
        name = self.fresh(LOCAL_NAMES.get(tag, LOCAL_NAMES["A"]))
        self.env[name] = tag
        return name

    def vars_of(self, tag: str, exclude: set[str] | frozenset[str] = frozenset()) -> list[str]:
        return [v for v, t in self.env.items() if t == tag and v not in exclude]


class Writer:
    """Writes one program (f, maybe g) for one seed op under the knobs; collects literals as input hints."""

    def __init__(self, rng: random.Random, scale: str, other_methods: bool) -> None:
        self.rng = rng
        self.scale = scale
        self.other_methods = other_methods
        self.hints = Hints()
        self.used: list[str] = []  # catalogue pairs used, seed first
        self.imports: set[str] = set()
        self.extras = 0  # extra methods placed
        self.loop_bias = 0.5  # chance an argument slot takes the innermost loop variable of its type

    # ---- literals and slots -------------------------------------------------------------------------
    def lit_str(self, lo: int = 1, hi: int = 2) -> str:
        alpha = _ALPHA[self.scale]
        n = self.rng.randint(lo, hi)
        if self.scale == "natural" and n in _NATURAL_LITS and self.rng.random() < 0.75:
            text = self.rng.choice(_NATURAL_LITS[n])
        else:
            text = "".join(self.rng.choice(alpha) for _ in range(n))
        self.hints.strs.append(text)
        return repr(text)

    def lit_int(self, lo: int = 0, hi: int = 9) -> str:
        value = self.rng.randint(lo, hi if self.scale == "small" else max(hi, 20))
        self.hints.ints.append(value)
        return str(value)

    def literal(self, tag: str) -> str:
        r = self.rng
        if tag == "S":
            return self.lit_str(1, 3)
        if tag == "I":
            return self.lit_int()
        if tag == "F":
            return str(r.randint(1, 12) / 4)
        if tag == "L":
            return "[" + ", ".join(self.lit_int() for _ in range(r.randint(1, 3))) + "]"
        if tag == "W":
            return "[" + ", ".join(self.lit_str(1, 2) for _ in range(r.randint(1, 3))) + "]"
        if tag == "T":
            items = [self.lit_int() for _ in range(r.randint(1, 3))]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if tag == "E":
            return "{" + ", ".join(sorted({self.lit_int() for _ in range(r.randint(1, 3))})) + "}"
        if tag == "D":
            keys = dict.fromkeys(self.key_lit() for _ in range(r.randint(1, 2)))
            return "{" + ", ".join(f"{k}: {self.lit_int()}" for k in keys) + "}"
        raise ValueError(tag)

    def key_lit(self) -> str:
        key = self.rng.choice(_KEYS[self.scale])
        self.hints.keys.append(key)
        return repr(key)

    def value_of(self, fn: Fn, tag: str, exclude: set[str], var_p: float = 0.5, param_p: float = 0.15) -> str:
        """An expression of type `tag`: an existing variable, a new parameter, or a literal."""
        names = fn.vars_of(tag, exclude)
        roll = self.rng.random()
        if names and roll < var_p:
            return self.rng.choice(names)
        if tag in PARAM_NAMES and roll > 1 - param_p and fn.name == "f":
            return fn.param(tag)
        return self.literal(tag)

    def fill(self, fn: Fn, slot: str, recv: str, exclude: set[str]) -> str:
        r = self.rng
        small = self.scale == "small"
        # Inside a loop, arguments lean on the loop variable, so each pass computes something new.
        want = {"r2": recv, "str": "S", "sub": "S", "int": "I", "elem": ELEM.get(recv, "I"), "key": "S"}.get(slot)
        if want and fn.loop_vars and r.random() < self.loop_bias:
            loop = [v for v in reversed(fn.loop_vars) if fn.env.get(v) == want and v not in exclude]
            if loop:
                return loop[0]
        if slot == "r2":
            return self.value_of(fn, recv, exclude, var_p=0.6, param_p=0.35)
        if slot == "str":
            return self.value_of(fn, "S", exclude, var_p=0.3, param_p=0.1)
        if slot == "sub":
            names = fn.vars_of("S", exclude) if fn.loop_vars else []
            return r.choice(names) if names and r.random() < 0.3 else self.lit_str(1, 1 if small else 2)
        if slot == "char":
            return self.lit_str(1, 1)
        if slot == "chars":
            return self.lit_str(1, 3)
        if slot == "int":
            return self.value_of(fn, "I", exclude, var_p=0.4, param_p=0.15)
        if slot == "small":
            return str(r.randint(1, 2 if small else 3))
        if slot == "idx":
            return r.choice(("0", "-1") if small else ("0", "1", "-1"))
        if slot == "span":
            a = r.randint(0, 2)
            return f"{a}:{a + r.randint(1, 3)}"
        if slot == "part":
            return r.choice(("0", "2", "-1"))
        if slot == "width":
            names = fn.vars_of("I", exclude)
            if names and r.random() < 0.3:
                return r.choice(names)
            return str(r.randint(3, 6) if small else r.randint(4, 12))
        if slot == "wlit":
            return str(r.randint(3, 6) if small else r.randint(4, 12))
        if slot == "elem":
            tag = ELEM.get(recv, "I")
            names = fn.vars_of(tag, exclude)
            if names and r.random() < 0.5:
                return r.choice(names)
            return self.lit_str(1, 2) if tag == "S" else self.lit_int()
        if slot == "key":
            names = fn.vars_of("S", exclude)
            return r.choice(names) if names and r.random() < 0.3 else self.key_lit()
        if slot == "list":
            return self.value_of(fn, "L", exclude, var_p=0.5, param_p=0.3)
        if slot == "float":
            return str(r.randint(1, 12) / 4)
        raise ValueError(f"unknown slot ${slot}")

    # ---- applying ops -------------------------------------------------------------------------------
    def apply(self, fn: Fn, op: Op, recv: str, recv_expr: str, exclude: set[str]) -> str:
        """`op`'s template with `$r` = recv_expr and fresh slot values (each occurrence its own)."""
        if op.key not in self.used:
            self.used.append(op.key)
        self.imports.update(op.imports)
        template = op.template
        wrapped = recv_expr if _atomic(recv_expr) else f"({recv_expr})"

        def sub(m: re.Match[str]) -> str:
            slot = m.group(1)
            if slot != "r":
                return self.fill(fn, slot, recv, exclude | {recv_expr})
            before, after = template[: m.start()].rstrip()[-1:], template[m.end():].lstrip()[:1]
            return recv_expr if before in ("(", ",") and after in (")", ",") else wrapped

        return _SLOT.sub(sub, template)

    def nested(self, fn: Fn, op: Op, recv: str, recv_expr: str, exclude: set[str]) -> tuple[str, str]:
        """The op called twice, the second on (or next to) the first: ExecVerify's nested-call knob."""
        result = resolve(op.result, recv)
        first = self.apply(fn, op, recv, recv_expr, exclude)
        idempotent = set(op.slots) <= {"r"} and op.template.startswith("$r.")  # s.upper().upper() says nothing
        if not op.mutates and not idempotent:
            if result == recv:
                return self.apply(fn, op, recv, first, exclude), result
            if recv == "S" and result == "W":
                inner = f"{first}[{self.rng.choice(('0', '-1'))}]"
                return self.apply(fn, op, recv, inner, exclude), result
        other = recv_expr
        if op.slots == ("r",) or set(op.slots) <= {"r"}:  # no arguments to vary: vary the receiver instead
            wrapped = recv_expr if _atomic(recv_expr) else f"({recv_expr})"
            other = f"{wrapped}[1:]" if recv in ("S", "L", "W", "T") else f"{wrapped} * 2" if recv == "F" else other
        second = self.apply(fn, op, recv, other, exclude)
        for _ in range(3 if self.scale != "small" else 0):  # `a.count(x) + a.count(x)` computes nothing new
            if second != first:
                break
            second = self.apply(fn, op, recv, other, exclude)
        if self.scale != "small" and result == "B":
            # `c.isupper() and c[1:].isupper()` is False for every character, and two tests joined by `and`
            # rarely both pass on ordinary inputs: mostly `or`, which keeps the test going both ways
            joiner = "or" if other != recv_expr or self.rng.random() < 0.8 else "and"
            return f"{wrap(first)} {joiner} {wrap(second)}", result
        return combine(first, second, result, self.rng), result

    def pick(self, ops: list[Op]) -> Op:
        """One of `ops`: as often as real code uses it (natural and paper scale), else uniformly."""
        if self.scale == "small":
            return self.rng.choice(ops)
        return self.rng.choices(ops, weights=[weight(o.key) / len(BY_PAIR[o.key]) for o in ops])[0]

    def extra_ops(self, recv: str, result: str | None = None, bool_only: bool = False) -> list[Op]:
        """Catalogue ops other than the seed usable on a `recv` value (giving `result` when set)."""
        seed = self.used[0] if self.used else None
        return [op for op in _usable(recv, "B" if bool_only else result) if op.key != seed]


@functools.lru_cache(maxsize=None)
def _usable(recv: str, result: str | None) -> tuple[Op, ...]:
    out = []
    for op in OPS:
        if op.mutates or op.imports:
            continue
        if op.recv != recv and not (op.recv == "Q" and recv in ("L", "W")):
            continue
        if result is not None and resolve(op.result, recv) != result:
            continue
        out.append(op)
    return tuple(out)


def combine(a: str, b: str, tag: str, rng: random.Random) -> str:
    """Two values of one type joined into one of the same type (A: a pair)."""
    wa = a if _atomic(a) else f"({a})"
    wb = b if _atomic(b) else f"({b})"
    if tag in ("E", "D"):
        return f"{wa} | {wb}"
    if tag == "B":
        return f"{wa} {rng.choice(('and', 'or'))} {wb}"
    if tag in ("I", "F", "S", "L", "W", "T", "Y"):
        return f"{wa} + {wb}"
    return f"({a}, {b})"


def skeleton(code: str, names: set[str]) -> str:
    """`code` with the given identifiers renamed v0, v1, ... by first appearance (not after `.` or in quotes)."""
    if not names:
        return code
    order: dict[str, str] = {}

    def rename(m: re.Match[str]) -> str:
        name = m.group(1)
        return order.setdefault(name, f"v{len(order)}") if name in names else name

    return _IDENTIFIER.sub(rename, code)


_IDENTIFIER = re.compile(r"(?<![.\w'\"])([A-Za-z_]\w*)(?![\w'\"])")  # a whole name, not an attribute
