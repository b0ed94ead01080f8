"""Stage 2 (programs/synth): compose a whole program — control chain, helper, extras — around one seed op.

The shape follows ExecVerify's prompt constraints (docs/data.md): the seed method is exercised in the
innermost block of a chain of `depth` control statements drawn from {if, for, while, if-elif}, each nested in
the previous; `nested` calls the seed twice; `other_methods` adds at least one other catalogue method (in a
condition, a pre-transform of an input, or around the returned value); `call_chain` moves the seed's call
into a helper `g` that `f` calls. Only `f` carries control flow, so the depth knob is exact for `f`. The
control statements are written by `control.ControlChain`; `idioms.RealComposer` fills this composer's hooks
with real-code idioms at natural and paper scale.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from codereasoner.programs.features import degenerate_constructs
from codereasoner.programs.inputs import Hints
from codereasoner.programs.synth.catalogue import Op
from codereasoner.programs.synth.control import IND, ControlChain
from codereasoner.programs.synth.grammar import ACC_INIT, CONTROL, ELEM, Fn, Writer, resolve, skeleton
from codereasoner.programs.synth.knobs import SynthConfig

_TRIES = 8  # fresh attempts at one seed before giving up on it (realistic mode rejects degenerate code)
_PADDERS = frozenset({"zfill", "rjust", "ljust", "center", "format()", "*", "+", "format", "str.format"})


@dataclass(frozen=True)
class Composed:
    code: str
    param_tags: tuple[str, ...]
    hints: Hints
    used: tuple[str, ...]  # catalogue pairs, seed first
    control: tuple[str, ...]  # the control chain, outermost first
    skeleton: str  # the code with its own identifiers numbered in order: equal for renamed copies


class _Composer(ControlChain):
    """Writes one function for one seed op: the seed call, its accumulator, the helper, the program."""

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
        if cfg.realistic and len(kinds) > 1 and rng.random() < 0.6:
            # loops outermost, tests inside them: a test of a loop value goes both ways over the loop,
            # where a chain of tests of the inputs outside any loop rarely lets the call run
            kinds.sort(key=lambda k: k.startswith("if"))
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
        self.acc_init = ""  # an accumulator that starts from an input, not from an empty value
        self.counters: set[str] = set()  # loop counters that walk a fixed range, not an input
        self.walk_p, self.count_down_p = 0.6, 0.5  # top-level while loops: walk an input, count an int down
        self.else_p = 0.35  # an `if` gets an `else` branch (an if-elif 5 points less)

    # ---- the seed call ----------------------------------------------------------------------------
    def build_helper(self) -> None:
        g = self.g = Fn("g", self.rng)
        x = g.param(self.recv)
        w, op = self.w, self.op
        if self.recursive_helper(x):
            return
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
                pick = w.pick(extra)
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
        made = self.idiom_seed_lines()
        if made is not None:
            return made
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

    # ---- hooks where `idioms.RealComposer` writes real-code idioms (None / no change here) --------------
    def accumulator_tag(self, result: str) -> str:
        return "I" if self.bool_cond else result if result in ACC_INIT and result != "B" else "A"

    def recursive_helper(self, x: str) -> bool:
        return False

    def return_ops(self, ops: list[Op], tag: str) -> list[Op]:
        return ops

    def pre_ops(self, ops: list[Op]) -> list[Op]:
        return ops

    def idiom_seed_lines(self) -> list[str] | None:
        return None

    def idiom_pre(self, main: str) -> list[str]:
        return []

    def idiom_flat(self, result: str) -> tuple[list[str], str, str] | None:
        return None

    def idiom_return(self, ret: str, tag: str) -> tuple[list[str], str]:
        return [], ret

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
            extra = self.pre_ops(w.extra_ops(self.recv, result=self.recv))
            if extra:
                pre.append(f"{main} = {w.apply(f, w.pick(extra), self.recv, main, set())}")
                w.extras += 1
        pre += self.idiom_pre(main)
        body: list[str]
        flat = None if self.statement or self.kinds or self.bool_cond else self.idiom_flat(result)
        if self.statement:
            body = self.chain(0, 1, 0)
            ret, ret_tag = main, self.recv
        elif flat is not None:
            body, ret, ret_tag = flat
        elif not self.kinds and not self.bool_cond:
            expr = self.seed_expr()
            if r.random() < 0.4:
                name = f.local(result)
                body, ret = [IND + f"{name} = {expr}"], name
            else:
                body, ret = [], expr
            ret_tag = result
        else:
            self.acc_tag = self.accumulator_tag(result)
            self.acc = f.local(self.acc_tag if self.acc_tag != "?" else "A")
            chain = self.chain(0, 1, 0)
            init = self.acc_init or ACC_INIT.get(self.acc_tag, "[]")  # "?": typed by the innermost block
            body = [IND + f"{self.acc} = {init}"] + chain
            ret, ret_tag = self.acc, self.acc_tag
        if cfg.other_methods and (w.extras == 0 or r.random() < 0.25):
            extra = w.extra_ops(ret_tag) if ret_tag in ELEM or ret_tag in ("F", "I") else []
            extra = [o for o in extra if not (ret_tag == "I" and o.key.startswith("range"))]
            extra = self.return_ops(extra, ret_tag)
            if extra:
                ret = w.apply(f, w.pick(extra), ret_tag, ret, {self.acc or ""})
                w.extras += 1
            elif w.extras == 0 and ret_tag in ("I", "B"):  # no method on ints/bools: go through str()
                # only methods that change a digit string (not upper/casefold/...)
                padders = [o for o in w.extra_ops("S", result="S") if o.method in _PADDERS]
                ret = w.apply(f, w.pick(padders), "S", f"str({ret})", {self.acc or ""})
                w.extras += 1
            elif w.extras == 0 and self.pre_ops(w.extra_ops(self.recv, result=self.recv)):
                extra = self.pre_ops(w.extra_ops(self.recv, result=self.recv))
                local = set(f.env) - set(dict(f.params))  # runs before any local exists
                pre.append(f"{main} = {w.apply(f, w.pick(extra), self.recv, main, local)}")
                w.extras += 1
        more, ret = self.idiom_return(ret, ret_tag)
        body += more
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


def compose(op: Op, cfg: SynthConfig, rng: random.Random) -> Composed | None:
    """One program for seed `op` under `cfg`'s knobs; None when every try had a degenerate construct."""
    if not cfg.realistic:
        return _Composer(op, cfg, rng).compose()
    from codereasoner.programs.synth.idioms import RealComposer, _Retry

    for _ in range(_TRIES):
        try:
            made = RealComposer(op, cfg, rng).compose()
        except _Retry:
            return None
        if not degenerate_constructs(made.code):
            return made
    return None
