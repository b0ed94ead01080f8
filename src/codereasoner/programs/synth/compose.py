"""Stage 2 (programs/synth): compose a whole program — control chain, helper, extras — around one seed op.

The shape follows ExecVerify's prompt constraints (SEEDS.md §2.1 step 1): the seed method is exercised in the
innermost block of a chain of `depth` control statements drawn from {if, for, while, if-elif}, each nested in
the previous; `nested` calls the seed twice; `other_methods` adds at least one other catalogue method (in a
condition, a pre-transform of an input, or around the returned value); `call_chain` moves the seed's call
into a helper `g` that `f` calls. Only `f` carries control flow, so the depth knob is exact for `f`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from codereasoner.programs.inputs import Hints
from codereasoner.programs.synth.catalogue import Op
from codereasoner.programs.synth.grammar import ACC_INIT, CONTROL, ELEM, LOOP_NAMES, Fn, Writer, resolve
from codereasoner.programs.synth.knobs import SynthConfig

IND = "    "
_PADDERS = frozenset({"zfill", "rjust", "ljust", "center", "format()", "*", "+", "format", "str.format"})


@dataclass(frozen=True)
class Composed:
    code: str
    param_tags: tuple[str, ...]
    hints: Hints
    used: tuple[str, ...]  # catalogue pairs, seed first
    control: tuple[str, ...]  # the control chain, outermost first
    skeleton: str  # the code with its own identifiers numbered in order: equal for renamed copies


class _Composer:
    def __init__(self, op: Op, cfg: SynthConfig, rng: random.Random) -> None:
        self.op, self.cfg, self.rng = op, cfg, rng
        self.w = Writer(rng, cfg.scale, cfg.other_methods)
        self.w.used.append(op.key)
        self.f = Fn("f", rng)
        self.recv = op.recv if op.recv != "Q" else rng.choice(("L", "W"))
        self.result = resolve(op.result, self.recv)
        kinds = [rng.choice(CONTROL) for _ in range(cfg.depth)]
        if op.mutates and "*" in op.template:  # `xs *= 2` in a loop doubles every pass: keep it out of loops
            kinds = [k if k in ("if", "if-elif") else rng.choice(("if", "if-elif")) for k in kinds]
        self.kinds = kinds
        self.g: Fn | None = None
        self.g_lines: list[str] = []
        self.g_result = self.result
        self.statement = op.result == "-"
        self.bool_cond = self.result == "B" and not op.mutates and any(k.startswith("if") for k in kinds)
        self.cond_used = False
        self.mutated: set[str] = set()
        self.acc: str | None = None
        self.acc_tag = ""

    # ---- the seed call ----------------------------------------------------------------------------
    def build_helper(self) -> None:
        g = self.g = Fn("g", self.rng)
        x = g.param(self.recv)
        w, op = self.w, self.op
        if self.statement:
            n = 2 if self.cfg.nested else 1
            self.g_lines = [IND + w.apply(g, op, self.recv, x, set()) for _ in range(n)] + [IND + f"return {x}"]
            self.g_result = self.recv
            self.g_lines.insert(0, f"def g({x}):")
            return
        if self.cfg.nested:
            expr, res = w.nested(g, op, self.recv, x, set())
        else:
            expr, res = w.apply(g, op, self.recv, x, set()), self.result
        if self.cfg.other_methods and self.rng.random() < 0.4 and not op.mutates:
            extra = w.extra_ops(res)
            if extra:
                pick = self.rng.choice(extra)
                expr, res = w.apply(g, pick, res, expr, set()), resolve(pick.result, res)
                w.extras += 1
        self.g_result = res
        if self.rng.random() < 0.5:
            y = g.local(res)
            self.g_lines = [IND + f"{y} = {expr}", IND + f"return {y}"]
        else:
            self.g_lines = [IND + f"return {expr}"]
        sig = ", ".join(name for name, _ in g.params)
        self.g_lines.insert(0, f"def g({sig}):")

    def receiver(self) -> str:
        """Where the seed call looks: a loop variable of its type, else an input (never the accumulator)."""
        f = self.f
        if self.op.mutates:
            return self.target
        loop = [v for v in reversed(f.loop_vars) if f.env.get(v) == self.recv]
        if loop and self.rng.random() < 0.8:
            return loop[0]
        names = f.vars_of(self.recv, {self.acc} if self.acc else set())
        return self.rng.choice(names) if names else f.param(self.recv)

    def seed_expr(self) -> str:
        recv = self.receiver()
        if self.cfg.call_chain:
            return f"g({recv})"
        excl = {self.acc} if self.acc else set()
        if self.cfg.nested:
            return self.w.nested(self.f, self.op, self.recv, recv, excl)[0]
        return self.w.apply(self.f, self.op, self.recv, recv, excl)

    def seed_lines(self) -> list[str]:
        """The innermost block: run the seed call and fold its value into the accumulator."""
        if self.statement:
            if self.cfg.call_chain:
                return [f"g({self.target})"]
            n = 2 if self.cfg.nested else 1
            return [self.w.apply(self.f, self.op, self.recv, self.target, set()) for _ in range(n)]
        if self.bool_cond:
            return [f"{self.acc} += 1"]
        return [self.fold(self.seed_expr())]

    def fold(self, expr: str) -> str:
        tag, acc = self.acc_tag, self.acc
        if tag in ("E", "D"):
            return f"{acc} |= {expr}"
        if tag in ACC_INIT:
            return f"{acc} += {expr}"
        if self.cfg.other_methods:
            self.w.used.append("list.append") if "list.append" not in self.w.used else None
            return f"{acc}.append({expr})"
        return f"{acc} += [{expr}]"

    def alt_lines(self) -> list[str]:
        """A small different update for else/elif branches."""
        if self.statement:
            if self.cfg.call_chain:
                return [f"g({self.target})"]
            return [self.w.apply(self.f, self.op, self.recv, self.target, set())]
        tag, acc, r = self.acc_tag, self.acc, self.rng
        loop = [v for v in reversed(self.f.loop_vars) if self.f.env.get(v) == tag]
        if tag == "S":
            return [f"{acc} += {loop[0] if loop and r.random() < 0.5 else self.w.lit_str(1, 2)}"]
        if tag == "I":
            return [f"{acc} {r.choice(('-=', '+='))} {r.randint(1, 3)}"]
        if tag == "F":
            return [f"{acc} -= {r.randint(1, 4) / 4}"]
        if tag in ("L", "W"):
            return [f"{acc} += [{self.w.literal(ELEM[tag]) if not loop else loop[0]}]"]
        if tag == "T":
            return [f"{acc} += ({self.w.lit_int()},)"]
        if tag in ("E", "D"):
            return [f"{acc} |= {self.w.literal(tag)}"]
        if tag == "Y":
            return [f"{acc} += b'-'"]
        return [f"{acc} += [{self.w.lit_int()}]"]

    # ---- control flow -----------------------------------------------------------------------------
    def condition(self) -> str:
        f, r, w = self.f, self.rng, self.w
        if self.bool_cond and not self.cond_used:
            self.cond_used = True
            return self.seed_expr()
        names = [v for v in reversed(f.loop_vars) if f.env.get(v) in "SIFLWTED"]
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
                return w.apply(f, r.choice(extra), tag, v, {self.acc or ""})
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
            return f"range({r.randint(2, 3)})", [(f.fresh(LOOP_NAMES["range"]), "I")]
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
            head = ", ".join(name for name, _ in bound)
            body = self.chain(i + 1, depth + 1, loops + 1)
            self.unbind(bound)
            return [pad + f"for {head} in {it}:"] + body
        if kind == "while":
            return self.while_loop(i, depth, loops)
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
        if r.random() < (0.35 if kind == "if" else 0.3):
            lines += [pad + "else:"] + [pad + IND + x for x in self.alt_lines()]
        return lines

    def while_loop(self, i: int, depth: int, loops: int) -> list[str]:
        f, r, pad = self.f, self.rng, IND * depth
        busy = self.mutated | {self.acc or ""}
        seqs = [v for v, t in f.env.items() if t in ("S", "L", "W", "T") and v not in busy and v not in f.loop_vars]
        counter = f.fresh(LOOP_NAMES["range"] + ("pos", "step"))
        bound = [(counter, "I")]
        pre: list[str] = []
        if loops == 0 and seqs and r.random() < 0.6:  # walk an input by index
            v = r.choice(seqs)
            head, init, step = f"while {counter} < len({v}):", f"{counter} = 0", f"{counter} += 1"
            if r.random() < 0.9:
                name = f.fresh(LOOP_NAMES.get(f.env[v], LOOP_NAMES["I"]))
                pre = [f"{name} = {v}[{counter}]"]
                bound.append((name, ELEM[f.env[v]]))
        elif loops == 0 and r.random() < 0.5:  # count an int input down
            n = f.param("I")
            counter, bound = n, [(n, "I")]
            init = ""
            head, step = f"while {n} > 0:", r.choice((f"{n} -= 1", f"{n} -= 2", f"{n} //= 2"))
        else:
            limit = r.randint(2, 3) if loops else r.randint(2, 5)
            head, init, step = f"while {counter} < {limit}:", f"{counter} = 0", f"{counter} += 1"
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

    # ---- the whole program ------------------------------------------------------------------------
    def compose(self) -> Composed:
        f, w, r, cfg = self.f, self.w, self.rng, self.cfg
        main = f.param(self.recv)
        if cfg.call_chain:
            self.build_helper()
        result = self.g_result if cfg.call_chain else self.result
        pre: list[str] = []
        if self.op.mutates:
            self.target = main
            self.mutated.add(main)
        if cfg.other_methods and r.random() < 0.35:  # pre-transform an input with another method
            extra = w.extra_ops(self.recv, result=self.recv)
            if extra:
                pre.append(f"{main} = {w.apply(f, r.choice(extra), self.recv, main, set())}")
                w.extras += 1
        body: list[str]
        if self.statement:
            body = self.chain(0, 1, 0)
            ret, ret_tag = main, self.recv
        elif not self.kinds and not self.bool_cond:
            expr = self.seed_expr()
            if r.random() < 0.4:
                name = f.local(result)
                body, ret = [IND + f"{name} = {expr}"], name
            else:
                body, ret = [], expr
            ret_tag = result
        else:
            self.acc_tag = "I" if self.bool_cond else result if result in ACC_INIT and result != "B" else "A"
            self.acc = f.local(self.acc_tag)
            init = ACC_INIT.get(self.acc_tag, "[]")
            body = [IND + f"{self.acc} = {init}"] + self.chain(0, 1, 0)
            ret, ret_tag = self.acc, self.acc_tag
        if cfg.other_methods and (w.extras == 0 or r.random() < 0.25):
            extra = w.extra_ops(ret_tag) if ret_tag in ELEM or ret_tag in ("F", "I") else []
            extra = [o for o in extra if not (ret_tag == "I" and o.key.startswith("range"))]
            if extra:
                ret = w.apply(f, r.choice(extra), ret_tag, ret, {self.acc or ""})
                w.extras += 1
            elif w.extras == 0 and ret_tag in ("I", "B"):  # no method on ints/bools: go through str()
                # only methods that change a digit string (not upper/casefold/...)
                padders = [o for o in w.extra_ops("S", result="S") if o.method in _PADDERS]
                ret = w.apply(f, r.choice(padders), "S", f"str({ret})", {self.acc or ""})
                w.extras += 1
            elif w.extras == 0 and w.extra_ops(self.recv, result=self.recv):
                extra = w.extra_ops(self.recv, result=self.recv)
                local = set(f.env) - set(dict(f.params))  # runs before any local exists
                pre.append(f"{main} = {w.apply(f, r.choice(extra), self.recv, main, local)}")
                w.extras += 1
        sig = ", ".join(name for name, _ in f.params)
        lines = [f"def f({sig}):"] + [IND + x for x in pre] + body + [IND + f"return {ret}"]
        parts = []
        if w.imports:
            parts.append("\n".join(f"import {m}" for m in sorted(w.imports)) + "\n")
        if self.g_lines:
            parts.append("\n".join(self.g_lines) + "\n")
        parts.append("\n".join(lines))
        code = "\n".join(parts)
        return Composed(
            code=code,
            skeleton=skeleton(code, f.taken | (self.g.taken if self.g else set())),
            param_tags=tuple(t for _, t in f.params),
            hints=w.hints,
            used=tuple(w.used),
            control=tuple(self.kinds),
        )


def skeleton(code: str, names: set[str]) -> str:
    """`code` with the given identifiers renamed v0, v1, ... by first appearance (not after `.` or in quotes)."""
    if not names:
        return code
    pattern = re.compile(r"(?<![.\w'\"])(" + "|".join(sorted(names, key=len, reverse=True)) + r")(?![\w'\"])")
    order: dict[str, str] = {}
    return pattern.sub(lambda m: order.setdefault(m.group(1), f"v{len(order)}"), code)


def compose(op: Op, cfg: SynthConfig, rng: random.Random) -> Composed:
    """One program for seed `op` under `cfg`'s knobs."""
    return _Composer(op, cfg, rng).compose()
