"""The type-exact value codec: what crosses from a sandboxed child to the parent, and nothing more."""

from __future__ import annotations

import json
import math

import pytest

from codereasoner.execution import values
from codereasoner.execution.values import Opaque, TooLarge, decode, encode


def roundtrip(value):
    return decode(json.loads(json.dumps(encode(value))))


@pytest.mark.parametrize("value", [
    0, -1, 2**53 - 1, 2**53, -(2**400), pytest.param(1 << 20000, id="20000-bit-int"), 1.5, 1e300, -0.0, "", "x\ud800y", b"\x00\xff", bytearray(b"ab"),
    None, True, False, 1 + 2j, (), (1,), [1, [2, (3,)]], {1, 2}, frozenset({"a"}), {"b": 1, "a": 2}, {(1, 2): [3]},
])
def test_builtins_round_trip_with_their_exact_type(value):
    got = roundtrip(value)
    assert type(got) is type(value) and got == value
    if isinstance(value, dict):
        assert list(got) == list(value)  # key order kept


def test_negative_zero_nan_and_infinities_survive():
    got = roundtrip([-0.0, math.nan, math.inf, -math.inf, complex(math.nan, -math.inf)])
    assert math.copysign(1, got[0]) == -1 and math.isnan(got[1]) and got[2:4] == [math.inf, -math.inf]
    assert math.isnan(got[4].real) and got[4].imag == -math.inf


def test_tuples_and_lists_stay_apart():
    assert roundtrip([(1, 2), [1, 2]]) == [(1, 2), [1, 2]] and type(roundtrip((1,))) is tuple


def test_subclasses_never_run_their_methods_and_equal_nothing():
    class Liar(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

        def __repr__(self):
            raise AssertionError("called")

    class Iter(list):
        def __iter__(self):
            raise AssertionError("called")

    got = roundtrip([Liar(3), Iter([1]), object()])
    assert all(isinstance(g, Opaque) for g in got)
    assert got[0] != 3 and got[0] != got[0] and not (got[0] == got[0])


def test_cycles_become_opaque():
    loop: list = []
    loop.append(loop)
    assert isinstance(roundtrip(loop)[0], Opaque)


def test_size_and_depth_are_bounded_on_both_sides():
    with pytest.raises(TooLarge):
        encode(["x" * 1000] * 100, budget=10_000)
    deep: list = []
    for _ in range(values.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(TooLarge):
        encode(deep)
    with pytest.raises(ValueError):
        decode(json.loads("[" * 150 + "]" * 150))


@pytest.mark.parametrize("bad", [
    {"eval": "1"}, {"int": "123"}, {"float": "1.5"}, {"set": [[1]]}, {"dict": [[[1], 2]]}, {"bytes": "!!"},
    {"tuple": 1}, {"a": 1, "b": 2}, 2**60, float("nan"), {"complex": [1]},
])
def test_decode_refuses_anything_encode_does_not_write(bad):
    with pytest.raises(ValueError):
        decode(bad)
