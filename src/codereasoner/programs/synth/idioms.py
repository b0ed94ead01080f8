"""Stage 2 (programs/synth): the idioms that make synthesised functions look like the code models are judged on.

`RealComposer` is the composer of `compose.py` (same knobs, same control chain) with the hooks filled in:
ternaries, try/except around calls that can raise, `break` / guard `continue` in loops, f-strings, index loops
over `range(len(xs))`, string building with `join`, accumulators that collect loop values or start from an
input, tests that go both ways on ordinary inputs, and the shapes of `shapes.py` (comprehensions, straight-line
variants, recursion). A bool-valued seed is used the way real code uses a predicate — as a condition, a
filter or a ternary — instead of being returned (a bare bool is a guessable answer). None of these add
if/for/while statements, so the depth knob keeps its meaning; the caller rejects what `stats` calls
degenerate (unused loop variables, dead locals, `x == x`, `return expr == literal`).
"""

from __future__ import annotations

from codereasoner.programs.synth import shapes
from codereasoner.programs.synth.catalogue import OPS
from codereasoner.programs.synth.compose import _Composer
from codereasoner.programs.synth.control import IND
from codereasoner.programs.synth.grammar import ELEM, LOOP_NAMES, _atomic, resolve, wrap

# Catalogue pairs whose call can raise on ordinary inputs, and what it raises: real code wraps them in try.
RAISES = {
    "str.index": "ValueError", "str.rindex": "ValueError", "list.index": "ValueError", "tuple.index": "ValueError",
    "list.remove": "ValueError", "list.pop": "IndexError", "set.pop": "KeyError", "set.remove": "KeyError",
    "dict.popitem": "KeyError", "dict.dict[key]": "KeyError", "str.[index]": "IndexError",
    "list.[index]": "IndexError", "tuple.[index]": "IndexError",
}
# Methods that mean something on one character; others (slices, prefixes, widths) turn a char into ''.
_CHAR_OK = frozenset(("upper", "lower", "swapcase", "casefold", "capitalize", "title", "isalnum", "isalpha",
                      "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isprintable", "isspace", "istitle",
                      "isupper", "replace", "+", "*", "==", "!=", "<", ">", "<=", ">=", "in", "not in"))
_CUTS = ("[$small", "[:$small]", "[$span]", "[$idx]", "[$part]", "* $small")  # cut a value to a few items
_P = {"try": 0.45, "filter": 0.65, "ternary_fold": 0.04, "exit": 0.45, "index_loop": 0.3, "fstring": 0.06,
      "join": 0.5}


def _negate(cond: str) -> str:
    if cond.startswith("not ") and _atomic(cond[4:]):
        return cond[4:]
    return f"not {cond}" if _atomic(cond) else f"not ({cond})"


class _Retry(Exception):
    """This seed cannot make a meaningful function under these knobs: `compose` tries again."""


class RealComposer(_Composer):
    """The knob-exact composer, writing real-code idioms at its hooks."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.walk_p, self.count_down_p = 0.85, 0.7  # loops over inputs, not over fixed ranges
        self.else_p = 0.6  # an accumulator that only a rare branch fills returns its empty start
        self.conds: set[str] = set()

    def receiver(self) -> str:
        """As the base composer, but a string method that means nothing on one character looks at the
        string, not at its characters."""
        recv = super().receiver()
        if self.recv == "S" and self.is_char(recv) and self.op.method not in _CHAR_OK:
            names = [n for n, t in self.f.params if t == "S"]
            return names[0] if names else recv
        return recv

    # ---- conditions: tests of input-derived values that go both ways on ordinary inputs -------------
    def condition(self) -> str:
        if self.bool_cond and not self.cond_used:
            return super().condition()
        f, r = self.f, self.rng
        loop = [v for v in reversed(f.loop_vars) if v not in self.counters and f.env.get(v, "-") in "SIFLWTED"]
        params = [n for n, t in f.params if t in "SIFLWTED"]
        if loop and (r.random() < 0.8 or not params):
            pool = loop[:2]
        else:
            pool = params or [v for v in f.loop_vars if f.env.get(v) == "I"] or [f.param("I")]
        cond = ""
        for _ in range(4):  # a test repeating an enclosing one is always true (or never runs)
            cond = self.predicate(r.choice(pool))
            if cond not in self.conds:
                break
        self.conds.add(cond)
        return cond

    def is_char(self, v: str) -> bool:
        if v.endswith("]"):
            return self.f.env.get(v.split("[", 1)[0]) == "S"
        return v in LOOP_NAMES["S"] or (v in self.f.loop_vars and self.f.env.get(v) == "S" and len(v) <= 2)

    def predicate(self, v: str) -> str:
        f, r, w = self.f, self.rng, self.w
        tag = f.env[v]
        methods = self.cfg.other_methods
        if tag == "I":
            if v in self.counters:
                return r.choice((f"{v} % 2 == 0", f"{v} % 2 == 1", f"{v} % 3 == 0", f"{v} > 0"))
            return r.choice((f"{v} % 2 == 0", f"{v} > {r.randint(0, 8)}", f"{v} < {r.randint(1, 9)}",
                             f"{v} % 3 == 0", f"{v} > 0"))
        if tag == "F":
            return f"{v} {r.choice(('>', '<'))} {r.randint(-4, 8) / 2}"
        # tests chosen to be true for a fair share of natural inputs (startswith('x') almost never is)
        if tag == "S" and self.is_char(v):
            forms = [f"{v} in 'aeiou'", f"{v} == ' '", f"{v} != ' '", f"{v} < 'm'", f"{v} in 'aeiouAEIOU'"]
            if methods:
                forms += [self.method_test(v, m) for m in ("isalpha", "isupper", "islower", "isdigit")]
            return r.choice(forms)
        if tag == "S":
            c = r.choice(("a", "e", "o", "n", " ", "s", "t"))
            forms = [f"len({v}) > {r.randint(3, 8)}", f"{c!r} in {v}", f"{v} < 'm'", f"{v} > 'f'"]
            if methods:
                forms += [self.method_test(v, m) for m in ("islower", "isalpha", "istitle")]
            return r.choice(forms)
        if tag in "LWTE":
            elem = w.literal(ELEM[tag])
            forms = [f"len({v}) > {r.randint(1, 4)}", f"{elem} in {v}", v]
            if tag == "L":
                forms += [f"sum({v}) > {r.randint(0, 20)}", f"{v}[:1] < {v}[-1:]"]
            return r.choice(forms)
        if tag == "D":
            return r.choice((f"len({v}) > {r.randint(1, 4)}", f"{w.key_lit()} in {v}", v))
        return v

    def method_test(self, v: str, method: str, arg: str = "") -> str:
        pair = f"str.{method}"
        if pair not in self.w.used:
            self.w.used.append(pair)
        self.w.extras += 1
        return f"{v}.{method}({arg!r})" if method in ("startswith", "endswith") else f"{v}.{method}()"

    def alt_lines(self) -> list[str]:
        """The else/elif branch: fold in an input-derived value, not a constant; a mutating seed's branch
        makes another change (`xs.append(x)` beside `xs.clear()`), so the branches differ."""
        tag, acc = self.acc_tag, self.acc
        if self.statement and not self.cfg.call_chain:
            others = [o for o in OPS if o.result == "-" and o.key != self.op.key and not o.grows
                      and (o.recv == self.recv or o.recv == "Q" and self.recv in "LW")]
            if others:
                return [self.w.apply(self.f, self.w.pick(others), self.recv, self.target, set())]
        if self.statement or tag not in ("S", "I", "L", "W") or self.rng.random() < 0.2:
            return super().alt_lines()
        elem = "I" if tag == "L" else "S" if tag == "W" else tag
        v = self.loop_var(elem)
        if v is None:
            p = self.param_of(elem)
            if p is None:
                return super().alt_lines()
            v = self.variant(p, elem) if self.rng.random() < 0.5 else p
        if tag in ("L", "W"):
            return [self.list_add(v)]
        return [f"{acc} {'-=' if tag == 'I' and self.rng.random() < 0.4 else '+='} {v}"]

    def pre_ops(self, ops: list) -> list:
        """Normalising transforms of an input (lower, strip, replace, sorted...), not a cut to 1-3 items
        that makes every later test of its length or content come out the same."""
        return [o for o in ops if not any(c in o.template for c in _CUTS)]

    def return_ops(self, ops: list, tag: str) -> list:
        """Only transforms around the returned value: a query such as `res.isdigit()` or `res.rfind('#')`,
        or a cut such as `res[1:2]`, maps most inputs to one answer."""
        return [o for o in self.pre_ops(ops) if resolve(o.result, tag) == tag]

    # ---- small pieces -----------------------------------------------------------------------------
    def variant(self, expr: str, tag: str) -> str:
        """A cheap, method-free transform of `expr` that keeps its type (a ternary branch, a fallback)."""
        r, w, e = self.rng, self.w, wrap(expr)
        k = r.randint(2, 5)
        options = {
            "S": [f"{e}[::-1]", f"{e}[1:]", f"{e}[:-1]", f"{e} + {w.lit_str(1, 2)}", f"{w.lit_str(1, 2)} + {e}",
                  f"{e} * 2", f"{e}[::2]", f"{e}[:{k}]"],
            "I": [f"{e} + {k}", f"{e} * {k}", f"{e} - {k}", f"{e} // 2", f"-{e}", f"{e} % {k}"],
            "F": [f"{e} * 2", f"{e} + {r.randint(1, 8) / 4}", f"-{e}", f"{e} / 2"],
            "L": [f"{e}[::-1]", f"{e}[1:]", f"{e}[:-1]", f"{e} * 2", f"{e}[::2]", f"{e} + {w.literal('L')}"],
            "W": [f"{e}[::-1]", f"{e}[1:]", f"{e}[:-1]", f"{e} * 2", f"{e} + {w.literal('W')}"],
            "T": [f"{e}[::-1]", f"{e}[1:]", f"{e}[:-1]", f"{e} * 2", f"{e} + {w.literal('T')}"],
            "D": [f"{e} | {w.literal('D')}"],
            "E": [f"{e} | {w.literal('E')}", f"{e} - {w.literal('E')}"],
            "B": [f"not {e}"],
        }.get(tag)
        return r.choice(options) if options else expr

    def two_variants(self, expr: str, tag: str) -> tuple[str, str]:
        a = self.variant(expr, tag)
        for _ in range(4):
            b = self.variant(expr, tag) if self.rng.random() < 0.7 else expr
            if b != a:
                return a, b
        return a, expr

    def param_of(self, tags: str) -> str | None:
        names = [n for n, t in self.f.params if t in tags]
        return names[0] if names else None

    def loop_var(self, tags: str) -> str | None:
        """The innermost loop variable of one of `tags`, preferring values from an input over counters."""
        found = [v for v in reversed(self.f.loop_vars) if self.f.env.get(v, "-") in tags]
        return next((v for v in found if v not in self.counters), found[0] if found else None)

    def bind(self, name: str, tag: str) -> None:
        self.f.env[name] = tag
        self.f.loop_vars.append(name)

    # ---- accumulators -----------------------------------------------------------------------------
    def accumulator_tag(self, result: str) -> str:
        if self.bool_cond or result == "B":
            return "?"  # typed at the innermost block, from the loop variables there
        return super().accumulator_tag(result)

    def collect(self) -> list[str]:
        """The body under a predicate seed's `if`: collect the loop value, or change an input-based value."""
        acc, v = self.acc, self.loop_var("SI")
        if v is not None:
            tag = self.f.env[v]
            self.acc_tag = "S" if tag == "S" and self.rng.random() < 0.6 else ("W" if tag == "S" else "L")
            return [f"{acc} += {v}" if self.acc_tag == "S" else self.list_add(v)]
        p = self.param_of("SLWTI")
        if p is None:
            self.acc_tag = "I"
            return [f"{acc} += 1"]
        self.acc_tag = self.f.env[p]
        self.acc_init = f"{p}[:]" if self.acc_tag in "LW" else p
        return [f"{acc} = {self.variant(acc or '', self.acc_tag)}"]

    def list_add(self, value: str) -> str:
        if self.cfg.other_methods:
            self.w.used.append("list.append") if "list.append" not in self.w.used else None
            return f"{self.acc}.append({value})"
        return f"{self.acc} += [{value}]"

    def ternary_fold(self, cond: str) -> str:
        """A predicate seed inside loops without an `if`: a ternary decides what is folded in."""
        v = self.loop_var("SI")
        if v is not None and self.f.env[v] == "S":
            self.acc_tag = "S"
            return f"{self.acc} += {v} if {cond} else {self.w.lit_str(1, 1) if self.rng.random() < 0.6 else repr('')}"
        self.acc_tag = "I"
        if v is not None:
            return f"{self.acc} += {v} if {cond} else {self.rng.choice(('0', f'-{v}', '1'))}"
        return f"{self.acc} += {self.rng.randint(1, 3)} if {cond} else {self.rng.choice(('0', '-1'))}"

    def fold(self, expr: str) -> str:
        r = self.rng
        if self.acc_tag in ("S", "I") and self.f.loop_vars and r.random() < _P["ternary_fold"]:
            alt = self.variant(self.loop_var(self.acc_tag) or expr, self.acc_tag)
            expr = f"{wrap(expr)} if {self.condition()} else {alt}"
        return super().fold(expr)

    # ---- try/except -------------------------------------------------------------------------------
    def guarded(self, lines: list[str], fallback: str) -> list[str]:
        exc = RAISES[self.op.key]
        return ["try:"] + [IND + x for x in lines] + [f"except {exc}:", IND + fallback]

    def fallback(self, tag: str) -> str:
        p = self.param_of(tag)
        if p is not None:
            return self.variant(p, tag) if self.rng.random() < 0.6 else p
        sized = self.param_of("SLWTDE")
        if tag == "I" and sized:
            return f"len({sized})"
        return self.w.literal(tag) if tag in "SILWTDEF" else "None"

    def may_raise(self) -> bool:
        return self.op.key in RAISES and not self.cfg.call_chain and self.rng.random() < _P["try"]

    # ---- hooks ------------------------------------------------------------------------------------
    def idiom_seed_lines(self) -> list[str] | None:
        tested = any(k.startswith("if") for k in self.kinds)
        if self.statement and (self.op.method == "clear" and not tested
                               or not self.kinds and not self.op.slots[1:] and self.cfg.nested):
            raise _Retry  # an unconditional `xs.clear()`, `xs.reverse(); xs.reverse()`: nothing to read
        if self.statement:
            if self.cfg.call_chain or not self.may_raise():
                return None
            lines = [self.w.apply(self.f, self.op, self.recv, self.target, set())
                     for _ in range(2 if self.cfg.nested else 1)]
            return self.guarded(lines, "pass")
        if self.acc_tag == "?":
            if self.bool_cond:
                return self.collect()
            return [self.ternary_fold(self.seed_expr())]
        line = self.fold(self.seed_expr())
        if self.may_raise():
            in_for = any(k == "for" for k in self.kinds)
            alt = "continue" if in_for and self.rng.random() < 0.5 and self.kinds[-1] == "for" else None
            return self.guarded([line], alt or self.alt_lines()[0])
        return [line]

    def idiom_if(self, i: int, depth: int, loops: int) -> list[str] | None:
        """An `if` right inside a loop may end it (`break` after its body) or, innermost in a `for`, skip to
        the next item (a guard clause, `if not ...: continue`) — neither changes the nesting depth."""
        kinds, r = self.kinds, self.rng
        if not (kinds[i] == "if" and i > 0 and kinds[i - 1] in ("for", "while")) or r.random() >= _P["exit"]:
            return None
        pad = IND * depth
        cond = self.condition()
        if kinds[i - 1] == "for" and i == len(kinds) - 1 and r.random() < 0.5:
            return [pad + f"if {_negate(cond)}:", pad + IND + "continue"] + self.chain(i + 1, depth, loops)
        return [pad + f"if {cond}:"] + self.chain(i + 1, depth + 1, loops) + [pad + IND + "break"]

    def idiom_iterable(self, v: str, tag: str) -> tuple[str, list[tuple[str, str]]] | None:
        if tag not in "SLWT" or self.rng.random() >= _P["index_loop"]:
            return None
        i = self.f.fresh(LOOP_NAMES["range"])
        return f"range(len({v}))", [(i, "I"), (f"{v}[{i}]", ELEM[tag])]

    def idiom_pre(self, main: str) -> list[str]:
        return shapes.clean_input(self, main)

    def idiom_flat(self, result: str) -> tuple[list[str], str, str] | None:
        """Depth 0: a comprehension over an input, a ternary on a predicate, or a guarded call."""
        r = self.rng
        if result == "B" or r.random() < shapes.P["comprehension"]:
            made = shapes.comprehension(self, result)
            if made is not None and (result == "B" and r.random() < _P["filter"] or result != "B"):
                return made
        if result == "B":
            p = self.param_of(self.recv) or self.param_of("SLWTIF")
            tag = self.f.env[p] if p else "I"
            cond = self.seed_expr()
            a, b = self.two_variants(p or "0", tag)
            return [], f"{a} if {cond} else {b}", tag
        if self.may_raise():
            expr = self.seed_expr()  # before the local exists: the call must not read it
            name = self.f.local(result)
            line = f"{name} = {expr}"
            return [IND + x for x in self.guarded([line], f"{name} = {self.fallback(result)}")], name, result
        return shapes.straight_line(self, result)

    def recursive_helper(self, x: str) -> bool:
        return shapes.recursive_helper(self, x)

    def idiom_return(self, ret: str, tag: str) -> tuple[list[str], str]:
        r, w = self.rng, self.w
        if self.statement and not self.kinds and r.random() < 0.3:  # what is read back after the change
            return [], self.variant(ret, tag)
        if tag == "W" and self.cfg.other_methods and r.random() < _P["join"]:
            w.used.append("str.join") if "str.join" not in w.used else None
            return [], f"{r.choice(shapes.SEPARATORS)}.join({ret})"
        if tag not in "SIFLW" or r.random() >= _P["fstring"]:
            return [], ret
        more: list[str] = []
        if not ret.isidentifier():
            name = self.f.local(tag)
            more, ret = [IND + f"{name} = {ret}"], name
        other = next((n for n, t in self.f.params if t in "SI" and n != ret), None)
        forms = [f"{{{ret}}}!", f"<{{{ret}}}>", f"{{{ret}}}."]
        if other:
            forms += [f"{{{other}}}: {{{ret}}}", f"{{{ret}}}-{{{other}}}", f"{{{other}}}={{{ret}}}"]
        return more, "f'" + r.choice(forms) + "'"
