"""Runs in the candidate's process: how a returned value leaves it (appended as source to each call job).

Never imported by the parent for judging; `judge.py` appends this file's text after the solution's code
and wraps each call as `__codereasoner_out(<call>)`. The engine's codec then encodes the result type-exactly.

- Values of builtin *subclasses* (Counter, OrderedDict, namedtuple, IntEnum…) compare with `==` as their
  builtin base in every official harness (`Counter(a=1) == {"a": 1}`), but the codec makes them opaque.
  `_cr_base` rebuilds such a value from its base's own slots (`dict.items`, `list.__iter__`,
  `int.__add__`: C methods no subclass can override), so the parent compares the real contents.
- A value too large to send (evalplus has outputs of a gigabyte) crosses as a fingerprint tuple
  `("__codereasoner_fingerprint__", type, len, hash)`, computed the same way for the reference; equal
  fingerprints mean equal values up to a 64-bit hash under the engine's fixed hash seed.

Tampering with these functions only changes the candidate's own values, which still cross as codec data
and are compared in the parent; the candidate never learns an expected value or fingerprint.
"""

CR_CAP = 1_000_000  # size units (one per item, one per 16 characters) past which a value is fingerprinted
CR_SCALARS = (int, float, str, bool, bytes, complex, type(None))


def _cr_size(v, cap):
    """Size units of `v`, counted until `cap` (a cheap, bounded look)."""
    seen, stack = 0, [v]
    while stack and seen < cap:
        x = stack.pop()
        t = type(x)
        seen += 1
        if issubclass(t, (str, bytes)):
            seen += len(x) // 16
        elif issubclass(t, dict):
            stack.extend(dict.keys(x))
            stack.extend(dict.values(x))
        elif issubclass(t, list):
            stack.extend(list.__iter__(x))
        elif issubclass(t, tuple):
            stack.extend(tuple.__iter__(x))
        elif issubclass(t, (set, frozenset)):
            stack.extend(frozenset.__iter__(x) if issubclass(t, frozenset) else set.__iter__(x))
    return seen


def _cr_base(v, depth=0):
    t = type(v)
    if depth > 90 or t in CR_SCALARS:
        return v
    f = _cr_base
    if issubclass(t, dict):
        return {f(k, depth + 1): f(x, depth + 1) for k, x in dict.items(v)}
    if issubclass(t, list):
        return [f(x, depth + 1) for x in list.__iter__(v)]
    if issubclass(t, tuple):
        return tuple(f(x, depth + 1) for x in tuple.__iter__(v))
    if issubclass(t, frozenset):
        return frozenset(f(x, depth + 1) for x in frozenset.__iter__(v))
    if issubclass(t, set):
        return set(f(x, depth + 1) for x in set.__iter__(v))
    if issubclass(t, int):
        return int.__add__(v, 0)
    if issubclass(t, float):
        return float.__pos__(v)
    if issubclass(t, str):
        return str.__str__(v)
    return v


def _cr_frozen(v):
    t = type(v)
    if t is list or t is tuple:
        return tuple(_cr_frozen(x) for x in v)
    if t is dict:
        return frozenset((k, _cr_frozen(x)) for k, x in v.items())
    if t is set:
        return frozenset(v)
    return v


def _cr_fingerprint(v):
    t = type(v)
    try:  # fast path (C level): a list of hashable items
        h = hash(tuple(v) if t is list else v)
    except TypeError:
        h = hash(_cr_frozen(v))
    return ("__codereasoner_fingerprint__", t.__name__, len(v) if t in (list, tuple, dict, set, str) else -1, h)


def __codereasoner_out(v):
    if _cr_size(v, CR_CAP) >= CR_CAP:
        return _cr_fingerprint(v)
    return _cr_base(v)
