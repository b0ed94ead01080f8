"""Stage 2 (programs/synth): the shapes `RealComposer` gives a function beyond the control chain.

At depth 0: a comprehension over an input (`[seed(c) for c in s]`, `[w for w in xs if pred(w)]`,
`''.join(...)`, `sum(...)`, `{w: d.get(w, 0) for w in words}`), the call on a slice of the input, its result
combined with the input, two results returned together, a first step on the input. With extra methods: an
input cleaned by a comprehension before the work starts. With a helper: `g` walking its string recursively.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from codereasoner.programs.synth.control import IND
from codereasoner.programs.synth.grammar import ELEM, LOOP_NAMES, resolve, wrap

if TYPE_CHECKING:
    from codereasoner.programs.synth.idioms import RealComposer

SEPARATORS = ("''", "' '", "','", "'-'", "', '", "'_'")
P = {"comprehension": 0.3, "clean": 0.15, "recursion": 0.3}


def clean_input(c: RealComposer, main: str) -> list[str]:
    """Clean an input with a comprehension before the work starts (levels with extra methods)."""
    f, w, r = c.f, c.w, c.rng
    tag = f.env.get(main)
    if not (c.cfg.other_methods and c.kinds) or tag is None or tag not in "WLS" or r.random() >= P["clean"]:
        return []
    v = f.fresh(LOOP_NAMES["S" if tag in "WS" else "I"])
    c.bind(v, ELEM[tag])
    try:
        if tag == "L":
            k = w.lit_int(0, 5)
            return [f"{main} = [{v} for {v} in {main} if {v} {r.choice(('>', '<', '!=', '>='))} {k}]"]
        preds = w.extra_ops("S", bool_only=True)
        preds = [o for o in preds if o.method in ("isalpha", "isalnum", "islower")]  # keep part of most strings
        if tag == "S" and preds:
            w.extras += 1
            w.used.append("str.join") if "str.join" not in w.used else None
            return [f"{main} = ''.join({v} for {v} in {main} if {w.apply(f, w.pick(preds), 'S', v, set())})"]
        maps = w.extra_ops("S", result="S")
        if tag == "W" and maps and r.random() < 0.6:
            w.extras += 1
            return [f"{main} = [{w.apply(f, w.pick(maps), 'S', v, set())} for {v} in {main}]"]
        return [f"{main} = [{v} for {v} in {main} if {v}]"] if tag == "W" else []
    finally:
        c.unbind([(v, ELEM[tag])])


def straight_line(c: RealComposer, result: str) -> tuple[list[str], str, str] | None:
    """Depth 0 without the plain `return call(x)`: the call on a slice of the input, its result
    combined with the input, two results returned together, or a first step on the input."""
    f, w, r, op = c.f, c.w, c.rng, c.op
    main, roll = f.params[0][0], r.random()
    if op.mutates or roll >= 0.65:
        return None
    if roll < 0.2:
        target = c.variant(main, c.recv)
        expr = w.nested(f, op, c.recv, target, set())[0] if c.cfg.nested else \
            w.apply(f, op, c.recv, target, set())
        return [], expr, result
    if roll < 0.35 and result == c.recv and result in "SILWT":
        return [], f"{wrap(c.seed_expr())} + {c.variant(main, result)}", result
    if roll < 0.5 and (c.w.extras or not c.cfg.other_methods):  # (a tuple takes no extra method after it)
        expr = c.seed_expr()  # before the local exists: the call must not read it
        name = f.local(result)
        line = IND + f"{name} = {expr}"
        sized = c.recv in "SLWTDE"
        other = r.choice([main, c.variant(main, c.recv)] + ([f"len({main})"] if sized else []))
        return [line], f"{name}, {other}" if r.random() < 0.6 else f"[{name}, {other}]", "A"
    step = IND + f"{main} = {c.variant(main, c.recv)}"
    return [step], c.seed_expr(), result


def comprehension(c: RealComposer, result: str) -> tuple[list[str], str, str] | None:
    """`[seed(c) for c in s]`, `[w for w in xs if pred(w)]`, `{w: d.get(w, 0) for w in words}`, ..."""
    f, w, r = c.f, c.w, c.rng
    main = f.params[0][0]
    recv, op = c.recv, c.op
    if recv == "S" and r.random() < 0.5:  # over the characters of the input
        source, tag, receiver = main, "S", None
    else:  # over another input whose elements go into the call's arguments
        wants = {ELEM.get(recv, "I"), "S"} if recv in ("L", "W", "T", "D", "S", "E") else set()
        slot_tags = {"elem": ELEM.get(recv, "I"), "sub": "S", "str": "S", "key": "S", "int": "I"}
        usable = [slot_tags[s] for s in op.slots if s in slot_tags and slot_tags[s] in wants]
        if not usable:
            return None
        tag = r.choice(usable)
        coll = "W" if tag == "S" else "L"
        source, receiver = f.vars_of(coll)[0] if f.vars_of(coll) else f.param(coll), main
    v = f.fresh(LOOP_NAMES[tag])
    c.bind(v, tag)
    bias, w.loop_bias = w.loop_bias, 1.0
    try:
        target = receiver or v
        if c.cfg.nested:
            expr, res = w.nested(f, op, recv if receiver else "S", target, set())
        else:
            expr, res = w.apply(f, op, recv if receiver else "S", target, set()), resolve(op.result, recv)
    finally:
        w.loop_bias = bias
        c.unbind([(v, tag)])
    if not re.search(rf"(?<![\w.'\"]){re.escape(v)}(?![\w'\"])", expr):
        return None
    head = f"for {v} in {source}"
    if res == "B":
        if tag == "S" and source == main and c.cfg.other_methods and r.random() < 0.5:
            w.used.append("str.join") if "str.join" not in w.used else None
            return [], f"''.join({v} {head} if {expr})", "S"
        return [], f"[{v} {head} if {expr}]", "W" if tag == "S" else "L"
    if res == "S" and c.cfg.other_methods and r.random() < 0.4:
        w.used.append("str.join") if "str.join" not in w.used else None
        return [], f"{r.choice(SEPARATORS)}.join({expr} {head})", "S"
    if res == "I" and r.random() < 0.3:
        return [], f"sum({expr} {head})", "I"
    if source != main and r.random() < 0.3:
        return [], f"{{{v}: {expr} {head}}}", "A"
    return [], f"[{expr} {head}]", "A"


def recursive_helper(c: RealComposer, x: str) -> bool:
    """`g` walks its string input recursively: `'' if not s else <seed on s[0]> + g(s[1:])`."""
    op = c.op
    if c.recv != "S" or op.mutates or resolve(op.result, "S") != "S" or c.rng.random() >= P["recursion"]:
        return False
    g = c.g
    assert g is not None
    head = f"{x}[0]"
    expr = c.w.nested(g, op, "S", head, set())[0] if c.cfg.nested else c.w.apply(g, op, "S", head, set())
    rest = f"g({x}[1:])"
    step = f"{wrap(expr)} + {rest}" if c.rng.random() < 0.5 else f"{rest} + {wrap(expr)}"
    c.g_lines = [f"def g({x}):", IND + f"return {x} if not {x} else {step}"]
    c.g_result = "S"
    return True
