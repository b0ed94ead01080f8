"""Type-aware inputs: ExecVerify's value recipe, mutation, distinct calls, literal round-trip check."""

from __future__ import annotations

import ast
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from codereasoner.programs.inputs import (
    NATURAL,
    PAPER,
    SMALL,
    Hints,
    generate_calls,
    generate_value,
    is_literal_repr,
    mutate_call,
    mutate_value,
    tag_of,
)

TAGS = "SIFBLWDET"


def test_paper_recipe_matches_execverify():
    rng = random.Random(0)
    strs = [generate_value("S", PAPER, rng) for _ in range(2000)]
    repeated = sum(len(set(s)) == 1 for s in strs) / len(strs)
    assert 0.33 < repeated < 0.47  # 40% one character repeated 5-15 times
    assert all(5 <= len(s) <= 15 for s in strs)
    ints = [generate_value("I", PAPER, rng) for _ in range(500)]
    assert min(ints) >= 5 and max(ints) <= 20
    assert all(5 <= len(generate_value(t, PAPER, rng)) <= 15 for t in "LWT" for _ in range(100))


def test_natural_recipe_looks_like_benchmark_inputs():
    rng = random.Random(4)
    strs = [generate_value("S", NATURAL, rng) for _ in range(3000)]
    share = lambda pred: sum(map(pred, strs)) / len(strs)  # noqa: E731
    assert 0.25 < share(lambda s: " " in s) < 0.6  # sentences (CRUXEval: 18 % of string arguments have a space)
    assert 0.02 < share(lambda s: s == "") < 0.08
    assert share(lambda s: s[:1].isupper()) > 0.15 and share(lambda s: s.islower()) > 0.3  # mixed case
    assert share(lambda s: any(c in ",.!?-_:" for c in s)) > 0.15  # punctuation and separators
    assert share(lambda s: s.isdigit()) > 0.04  # number strings, so isdigit / int() go both ways
    assert share(lambda s: len(set(s)) == 1 and len(s) > 2) < 0.12  # ExecVerify's repeats: a small share
    for tag in "LWDET":
        sizes = [len(generate_value(tag, NATURAL, rng)) for _ in range(1000)]
        assert 0.05 < sizes.count(0) / 1000 < 0.16, tag  # empty collections (CRUXEval: 11 %)
        assert sum(1 <= n <= 2 for n in sizes) / 1000 > 0.1, tag  # short ones
    words = [w for _ in range(300) for w in generate_value("W", NATURAL, rng)]
    assert sum(" " in w for w in words) / len(words) > 0.05  # phrases in word lists
    ints = [generate_value("I", NATURAL, rng) for _ in range(2000)]
    assert min(ints) < 0 and max(ints) > 20 and sum(0 <= i <= 12 for i in ints) / 2000 > 0.7
    assert generate_value("L", NATURAL, rng, Hints(min_size=3)).__len__() >= 3


def test_small_recipe_is_small_and_hints_are_planted():
    rng = random.Random(1)
    assert all(len(generate_value("S", SMALL, rng)) <= 4 for _ in range(200))
    hints = Hints(strs=["zz"], ints=[42], keys=["key"])
    strs = [generate_value("S", SMALL, rng, hints) for _ in range(200)]
    assert 0.4 < sum("zz" in s for s in strs) / 200 < 0.9
    dicts = [generate_value("D", SMALL, rng, hints) for _ in range(100)]
    assert sum("key" in d for d in dicts) > 50


def test_types_are_kept_by_mutation_and_reprs_round_trip():
    rng = random.Random(2)
    for tag in TAGS:
        for _ in range(50):
            v = generate_value(tag, rng.choice((PAPER, NATURAL)), rng)
            assert tag_of(v) == tag or (tag in "LWET" and not v)  # empty collections are ambiguous
            m = mutate_value(v, PAPER, rng)
            assert type(m) is type(v)
            assert ast.literal_eval(repr(m)) == m and is_literal_repr(repr(m))


def test_generate_calls_are_distinct_and_mutate_call_keeps_shape():
    rng = random.Random(3)
    calls = generate_calls(["S", "L", "I"], 5, SMALL, rng)
    assert len(calls) == len(set(calls)) == 5 and all(c.startswith("f(") for c in calls)
    new = mutate_call("g('abc', [1, 2], 3)", 3, rng)
    assert len(new) == 3 and all(c.startswith("g(") and c != "g('abc', [1, 2], 3)" for c in new)
    assert mutate_call("g(x)", 2, rng) == []  # not a literal call


def test_is_literal_repr():
    good = ["1", "-2.5", "'a'", "b'x'", "None", "True", "(1, 'a')", "[1, [2]]", "{1: {'a': (2,)}}", "{1, 2}",
            "set()", "float('nan')", "float('-inf')", "(1+2j)", "()"]
    bad = ["inf", "nan", "f(1)", "x", "[x for x in y]", "1 + 2", "__import__('os')", "set([1])", "float('1.5')",
           "{**a}", "lambda: 1", "", "...", "<Foo object>"]
    assert all(is_literal_repr(t) for t in good)
    assert not any(is_literal_repr(t) for t in bad)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.tuples(c, c)
                    | st.dictionaries(st.text(max_size=3), c, max_size=3),
                    max_leaves=10))
def test_every_repr_of_plain_data_is_a_literal(value):
    assert is_literal_repr(repr(value))
