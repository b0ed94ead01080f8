"""Execution stage: a type-exact codec for values crossing from a sandboxed child to the parent.

`encode` runs in the child (imported there by path: stdlib only, no codereasoner imports). It looks at
exact types only (`type(x) is int`, never `isinstance`), so it never calls a method a program could
override: a subclass of a builtin (an `int` whose `__eq__` always says True), or any other object,
becomes an opaque marker. `decode` runs in the parent and builds builtins only; an opaque marker
becomes an `Opaque`, which equals nothing, not even itself. The parent then compares decoded values
with the benchmark's own rule; expected values never enter the child.

The JSON form (docs/engine.md): null, true/false, strings and lists stand for themselves; an int is a
JSON integer when |x| < 2**53, else {"int": "<hex>"}; a float is a JSON number, or {"float": "nan" |
"inf" | "-inf"}; everything else is a one-key object: {"tuple": [...]}, {"set": [...]},
{"frozenset": [...]}, {"dict": [[k, v], ...]} (insertion order kept), {"bytes": "<base64>"},
{"bytearray": "<base64>"}, {"complex": [re, im]}, {"opaque": "<type name>"}.
Nesting is bounded by MAX_DEPTH and size by a character budget on both sides.
"""

from __future__ import annotations

import base64
import math

MAX_DEPTH = 100
SAFE_INT = 1 << 53  # larger ints go as hex text: JSON readers lose precision, and decimal text has a digit cap
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_QUALNAME = type.__dict__["__qualname__"].__get__
_TAGS = frozenset({"int", "float", "tuple", "set", "frozenset", "dict", "bytes", "bytearray", "complex", "opaque"})


class TooLarge(ValueError):
    """The value is nested deeper than MAX_DEPTH or larger than the budget."""


class Opaque:
    """A value the codec does not carry (a subclass, a user object): equal to nothing, not even itself."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<opaque {self.type_name}>"


def encode(value: object, budget: int = 1_000_000) -> object:
    """`value` as JSON-ready data (see the module docstring); raises TooLarge past `budget` characters."""
    left = [budget]
    return _encode(value, 0, left, set())


def _spend(left: list[int], n: int) -> None:
    left[0] -= n
    if left[0] < 0:
        raise TooLarge("the value is larger than the result budget")


def _float(x: float) -> object:
    if x != x:
        return {"float": "nan"}
    if x in (math.inf, -math.inf):
        return {"float": "inf" if x > 0 else "-inf"}
    return x


def _encode(v: object, depth: int, left: list[int], active: set[int]) -> object:  # noqa: C901 - one branch per type
    if depth > MAX_DEPTH:
        raise TooLarge(f"the value is nested deeper than {MAX_DEPTH} levels")
    # exact-type dispatch (a subclass is opaque, never isinstance); mypy cannot narrow `v` through `t`: the ignores
    t = type(v)
    if v is None or t is bool:
        _spend(left, 5)
        return v
    if t is int:
        if -SAFE_INT < v < SAFE_INT:  # type: ignore[operator]
            _spend(left, 17)
            return v
        _spend(left, v.bit_length() // 4 + 12)  # type: ignore[attr-defined]
        return {"int": hex(v)}  # type: ignore[arg-type]
    if t is float:
        _spend(left, 24)
        return _float(v)  # type: ignore[arg-type]
    if t is str:
        _spend(left, len(v) + 2)  # type: ignore[arg-type]
        return v
    if t is complex:
        _spend(left, 60)
        return {"complex": [_float(v.real), _float(v.imag)]}  # type: ignore[attr-defined]
    if t is bytes or t is bytearray:
        _spend(left, len(v) * 4 // 3 + 16)  # type: ignore[arg-type]
        return {t.__name__: base64.b64encode(v).decode("ascii")}  # type: ignore[arg-type]
    if t in (list, tuple, set, frozenset, dict):
        key = id(v)
        if key in active:
            _spend(left, 20)
            return {"opaque": "cycle"}
        active.add(key)
        _spend(left, 12)
        try:
            if t is dict:
                return {"dict": [[_encode(k, depth + 1, left, active),  # type: ignore[var-annotated]
                                  _encode(x, depth + 1, left, active)] for k, x in dict.items(v)]}  # type: ignore[arg-type]
            items = [_encode(x, depth + 1, left, active)  # type: ignore[var-annotated]
                     for x in t.__iter__(v)]  # type: ignore[arg-type]
            return items if t is list else {t.__name__: items}
        finally:
            active.discard(key)
    _spend(left, 40)
    return {"opaque": _QUALNAME(t)[:100]}  # type's own slot: a metaclass property is not consulted


def decode(data: object, budget: int = 50_000_000) -> object:
    """Builtins from `encode`'s JSON form; raises ValueError on anything else (the child is not trusted)."""
    left = [budget]
    return _decode(data, 0, left)


def _decode(d: object, depth: int, left: list[int]) -> object:  # noqa: C901
    if depth > MAX_DEPTH:
        raise ValueError(f"value nested deeper than {MAX_DEPTH} levels")
    left[0] -= 1
    if left[0] < 0:
        raise ValueError("value larger than the decode budget")
    t = type(d)
    if d is None or t is bool or t is str:
        return d
    if t is int:
        if not -SAFE_INT < d < SAFE_INT:  # type: ignore[operator]
            raise ValueError("a large int must come as hex text")
        return d
    if t is float:
        if d != d or d in (math.inf, -math.inf):
            raise ValueError("a non-finite float must come tagged")
        return d
    if t is list:
        return [_decode(x, depth + 1, left) for x in d]  # type: ignore[attr-defined]
    if t is not dict or len(d) != 1:  # type: ignore[arg-type]
        raise ValueError(f"not an encoded value: {t.__name__}")
    ((tag, body),) = d.items()  # type: ignore[attr-defined]
    if tag not in _TAGS:
        raise ValueError(f"unknown value tag {str(tag)[:40]!r}")
    if tag == "opaque":
        if type(body) is not str:
            raise ValueError("opaque marker without a type name")
        return Opaque(body[:100])
    if tag == "int":
        if type(body) is not str or len(body) > 4 * left[0] or not body.lstrip("-").startswith("0x"):
            raise ValueError("bad large int")
        left[0] -= len(body) // 16
        return int(body, 16)
    if tag == "float":
        if body not in _NONFINITE:
            raise ValueError("bad float tag")
        return _NONFINITE[body]
    if tag in ("bytes", "bytearray"):
        if type(body) is not str:
            raise ValueError("bytes must be base64 text")
        left[0] -= len(body) // 16
        raw = base64.b64decode(body.encode("ascii", "strict"), validate=True)
        return raw if tag == "bytes" else bytearray(raw)
    if tag == "complex":
        if type(body) is not list or len(body) != 2:
            raise ValueError("bad complex")
        parts = [_NONFINITE[p["float"]] if type(p) is dict and p.get("float") in _NONFINITE else p for p in body]
        if not all(type(p) in (int, float) for p in parts):
            raise ValueError("bad complex part")
        return complex(parts[0], parts[1])
    if type(body) is not list:
        raise ValueError(f"{tag} body must be a list")
    if tag == "dict":
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise ValueError("bad dict item")
            out[_hashable(_decode(pair[0], depth + 1, left))] = _decode(pair[1], depth + 1, left)
        return out
    items = [_decode(x, depth + 1, left) for x in body]
    if tag == "tuple":
        return tuple(items)
    items = [_hashable(x) for x in items]
    return set(items) if tag == "set" else frozenset(items)


def _hashable(x: object) -> object:
    try:
        hash(x)
    except TypeError:
        raise ValueError(f"unhashable {type(x).__name__} as a set element or dict key") from None
    return x
