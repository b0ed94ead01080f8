"""Stage 2 (programs/synth): the control chain — ExecVerify's depth knob as nested if / for / while / if-elif.

`ControlChain` is the half of the composer that writes `depth` control statements, each nested in the
previous one, around the innermost block (`seed_lines`): conditions, `for` iterables (bounded when nested),
`while` loops that walk an input, count an int down or run a small fixed number of times. Nothing a loop
iterates over (nor its counter) is changed inside it, so every loop ends.
"""

from __future__ import annotations

import random

from codereasoner.programs.synth.catalogue import Op
from codereasoner.programs.synth.grammar import ELEM, LOOP_NAMES, Fn, Writer
from codereasoner.programs.synth.knobs import SynthConfig

IND = "    "


class ControlChain:
    """Writes the control statements; the composer provides the state and the innermost block."""

    f: Fn
    w: Writer
    rng: random.Random
    cfg: SynthConfig
    op: Op
    kinds: list[str]
    recv: str
    statement: bool
    bool_cond: bool
    cond_used: bool
    mutated: set[str]
    acc: str | None
    counters: set[str]
    walk_p: float
    else_p: float
    count_down_p: float

    def seed_expr(self) -> str:
        raise NotImplementedError

    def seed_lines(self) -> list[str]:
        raise NotImplementedError

    def alt_lines(self) -> list[str]:
        raise NotImplementedError

    def idiom_if(self, i: int, depth: int, loops: int) -> list[str] | None:
        return None

    def idiom_iterable(self, v: str, tag: str) -> tuple[str, list[tuple[str, str]]] | None:
        return None

    def condition(self) -> str:
        f, r, w = self.f, self.rng, self.w
        if self.bool_cond and not self.cond_used:
            self.cond_used = True
            return self.seed_expr()
        names = [v for v in reversed(f.loop_vars) if f.env.get(v, "-") in "SIFLWTED"]
        if not names or r.random() < 0.3:
            # the accumulator still holds its initial value outside loops: a test of it would be constant
            skip = set() if f.loop_vars else {self.acc}
            names = [v for v, t in f.env.items() if t in ("S", "I", "F", "L", "W", "T", "E", "D") and v not in skip]
        v = r.choice(names[:2]) if names else f.param("I")
        tag = f.env[v]
        if self.cfg.other_methods and r.random() < 0.4:
            extra = w.extra_ops(tag, bool_only=True)
            if extra:
                w.extras += 1
                return w.apply(f, w.pick(extra), tag, v, {self.acc or ""})
        k = r.randint(0, 5 if self.cfg.scale == "small" else 10)
        if tag == "I":
            return r.choice((f"{v} % 2 == 0", f"{v} > {k}", f"{v} < {k}", f"{v} != {k}", f"{v} % 3 == 1"))
        if tag == "F":
            return f"{v} {r.choice(('>', '<'))} {k / 2}"
        if tag == "S":
            c = w.lit_str(1, 1)
            return r.choice((f"{v} in 'aeiou'", f"{c} in {v}", f"{v} != {c}", f"len({v}) > {k % 4}", f"{v} < 'm'"))
        elem = w.literal(ELEM.get(tag, "I"))
        return r.choice((f"len({v}) > {k % 4}", f"{elem} in {v}", f"not {v}" if r.random() < 0.3 else v))

    def iterable(self, inner: bool) -> tuple[str, list[tuple[str, str]]]:
        """A `for` header's iterable and the loop variables it binds, bounded when nested."""
        f, r = self.f, self.rng
        want = ELEM.get(self.recv) if (self.statement or self.op.mutates) else self.recv
        busy = self.mutated | {self.acc or ""}
        if inner:
            outer_str = [v for v in f.loop_vars if v in LOOP_NAMES["W"] and r.random() < 0.5]  # a word's chars
            if want == "S" and outer_str:
                return outer_str[0], [(f.fresh(LOOP_NAMES["S"]), "S")]
            seqs = [v for v, t in f.env.items() if t in ("S", "L", "W", "T") and v not in busy]
            if seqs and r.random() < 0.5:
                v = r.choice(seqs)
                name = f.fresh(LOOP_NAMES.get(f.env[v], LOOP_NAMES["I"]))
                return f"{v}[:{r.randint(2, 3)}]", [(name, ELEM[f.env[v]])]
            counter = f.fresh(LOOP_NAMES["range"])
            self.counters.add(counter)
            return f"range({r.randint(2, 3)})", [(counter, "I")]
        sources = [v for v, t in f.env.items() if t in ELEM and v not in busy and v not in f.loop_vars]
        fitting = [v for v in sources if want is None or ELEM[f.env[v]] == want]
        if fitting and r.random() < 0.8:
            v = r.choice(fitting)
        elif want not in ("S", "I") and sources and r.random() < 0.6:
            v = r.choice(sources)
        elif want == "I" and r.random() < 0.5:
            ints = f.vars_of("I", busy)
            n = r.choice(ints) if ints and r.random() < 0.5 else f.param("I")
            self.w.used.append("range.range") if "range.range" not in self.w.used else None
            return f"range({n})", [(f.fresh(LOOP_NAMES["range"]), "I")]
        else:
            tag = {"S": r.choice(("W", "S")), "I": r.choice(("L", "T"))}.get(want or "", r.choice(("S", "L", "W")))
            v = f.param(tag)
        tag = f.env[v]
        made = self.idiom_iterable(v, tag)
        if made is not None:
            return made
        elem = (f.fresh(LOOP_NAMES.get(tag, LOOP_NAMES["I"])), ELEM[tag])
        roll = r.random()
        if tag == "D" and self.cfg.other_methods and roll < 0.4:
            self.w.used.append("dict.items") if "dict.items" not in self.w.used else None
            return f"{v}.items()", [elem, (f.fresh(LOOP_NAMES["I"]), "I")]
        if roll < 0.2:
            self.w.used.append("enumerate.enumerate") if "enumerate.enumerate" not in self.w.used else None
            return f"enumerate({v})", [(f.fresh(LOOP_NAMES["range"]), "I"), elem]
        if roll < 0.3 and tag in ("S", "L", "W", "T"):
            self.w.used.append("reversed.reversed") if "reversed.reversed" not in self.w.used else None
            return f"reversed({v})", [elem]
        return v, [elem]

    def chain(self, i: int, depth: int, loops: int) -> list[str]:
        pad = IND * depth
        if i == len(self.kinds):
            return [pad + line for line in self.seed_lines()]
        kind, f, r = self.kinds[i], self.f, self.rng
        if kind == "for":
            it, bound = self.iterable(inner=loops > 0)
            for name, tag in bound:
                f.env[name] = tag
                f.loop_vars.append(name)
            head = ", ".join(name for name, _ in bound if "[" not in name)  # not an index loop's `xs[i]`
            body = self.chain(i + 1, depth + 1, loops + 1)
            self.unbind(bound)
            return [pad + f"for {head} in {it}:"] + body
        if kind == "while":
            return self.while_loop(i, depth, loops)
        made = self.idiom_if(i, depth, loops)
        if made is not None:
            return made
        cond = self.condition()
        body = self.chain(i + 1, depth + 1, loops)
        lines = [pad + f"if {cond}:"] + body
        if kind == "if-elif":
            other = self.condition()
            for _ in range(3):  # an elif repeating its if's test could never run
                if other != cond:
                    break
                other = self.condition()
            lines += [pad + f"elif {other}:"] + [pad + IND + x for x in self.alt_lines()]
        if r.random() < (self.else_p if kind == "if" else self.else_p - 0.05):
            lines += [pad + "else:"] + [pad + IND + x for x in self.alt_lines()]
        return lines

    def while_loop(self, i: int, depth: int, loops: int) -> list[str]:
        f, r, pad = self.f, self.rng, IND * depth
        busy = self.mutated | {self.acc or ""}
        seqs = [v for v, t in f.env.items() if t in ("S", "L", "W", "T") and v not in busy and v not in f.loop_vars]
        counter = f.fresh(LOOP_NAMES["range"] + ("pos", "step"))
        bound = [(counter, "I")]
        pre: list[str] = []
        if loops == 0 and seqs and r.random() < self.walk_p:  # walk an input by index
            v = r.choice(seqs)
            head, init, step = f"while {counter} < len({v}):", f"{counter} = 0", f"{counter} += 1"
            if r.random() < 0.9:
                name = f.fresh(LOOP_NAMES.get(f.env[v], LOOP_NAMES["I"]))
                pre = [f"{name} = {v}[{counter}]"]
                bound.append((name, ELEM[f.env[v]]))
        elif loops == 0 and r.random() < self.count_down_p:  # count an int input down
            n = f.param("I")
            counter, bound = n, [(n, "I")]
            init = ""
            head, step = f"while {n} > 0:", r.choice((f"{n} -= 1", f"{n} -= 2", f"{n} //= 2"))
        else:
            limit = r.randint(2, 3) if loops else r.randint(2, 5)
            head, init, step = f"while {counter} < {limit}:", f"{counter} = 0", f"{counter} += 1"
        if init:
            self.counters.add(counter)
        for name, tag in bound:
            f.env[name] = tag
            f.loop_vars.append(name)
        body = [pad + IND + x for x in pre] + self.chain(i + 1, depth + 1, loops + 1) + [pad + IND + step]
        self.unbind(bound)
        return ([pad + init] if init else []) + [pad + head] + body

    def unbind(self, bound: list[tuple[str, str]]) -> None:
        for name, _ in bound:
            if name in self.f.loop_vars:
                self.f.loop_vars.remove(name)
            if name not in dict(self.f.params):
                self.f.env.pop(name, None)
