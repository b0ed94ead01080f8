"""The parent-side rules: official harness semantics on plain values, and what they refuse."""

from __future__ import annotations

import math

import pytest

from codereasoner.rewards.asserts import plain_asserts
from codereasoner.rewards.rules import (EvalPlusOracle, allclose, is_plain, prime_call_args, prime_call_expected,
                                        prime_call_match, prime_stdout_match, python_equal)


class Always:
    def __eq__(self, other):
        return True


def test_only_builtins_are_plain():
    assert is_plain([1, (2.0, "a"), {"k": {3}}, None, b"x", frozenset({1})])
    assert not is_plain(Always()) and not is_plain([1, Always()]) and not is_plain({"k": Always()})

    class MyInt(int):
        pass

    assert not is_plain(MyInt(3))  # a subclass can override __eq__: never compared
    assert python_equal(1, 1.0) and python_equal(True, 1)  # Python's own == between builtins
    assert not python_equal(Always(), 5)


def test_prime_call_rules():
    assert prime_call_args('[1, 2]\n"a"') == [[1, 2], "a"]  # JSON per line when given as text
    assert prime_call_args([{"1": "x"}, 5]) == [{1: "x"}]  # prime_code's int-key undo (keeps the first only)
    exp = prime_call_expected("[3]")
    assert prime_call_match(3, exp) and prime_call_match([3], exp)  # APPS wraps outputs in a list
    assert prime_call_match((1, 2), [1, 2])  # tuples compare as lists
    assert prime_call_match([(1, 2), (3, 4)], [[[1, 2], [3, 4]]])
    assert prime_call_expected({"1": 2}) == [{1: 2}]
    assert not prime_call_match(Always(), [3]) and not prime_call_match(4, [3])


@pytest.mark.parametrize(("stdout", "expected", "ok"), [
    ("3\n", "3\n", True),
    ("  3  \n\n", "3", True),  # surrounding whitespace
    ("1 2\n3\n", "1 2\n3", True),
    ("1\n\n2\n", "1\n2\n", True),  # empty lines dropped
    ("0.3333333\n", "0.33333333\n", True),  # numbers close (rtol 1e-5)
    ("0.3\n", "0.4\n", False),
    ("10\n", "010\n", False),  # all integers: compared as text
    ("YES\n", "NO\n", False),
    ("", "1\n", False),
    ("nan\n", "nan\n", True),  # equal text passes before the numeric check
])
def test_prime_stdout_rule(stdout, expected, ok):
    assert prime_stdout_match(stdout, expected) is ok


def test_allclose_like_numpy():
    assert allclose([1.0, 2.0], [1.0, 2.0 + 1e-9], rtol=1e-7, atol=1e-6)
    assert allclose([[1.0], [2.0]], [[1.0], [2.0]], rtol=0, atol=0)
    assert not allclose([1.0, 2.0], [1.0], rtol=1e-7, atol=1e-6)
    assert not allclose([math.nan], [math.nan], rtol=1e-7, atol=1)
    assert allclose([math.inf], [math.inf], rtol=1e-7, atol=0)
    assert not allclose(["a"], ["a"], rtol=1e-7, atol=1e-6)
    assert allclose(2.0, [2.0, 2.0], rtol=0, atol=0)  # a scalar broadcasts


def test_evalplus_oracle():
    he = EvalPlusOracle("humaneval", "f", 0)
    assert he((1,), 0.5 + 1e-9, 0.5)  # a float expected: atol becomes 1e-6
    assert not he((1,), 0.6, 0.5)
    assert not he((1,), 1, 1.0 + 1e-3)  # type check before allclose
    assert he((1,), [1.0, 2.0], [1.0, 2.0 + 1e-9])
    zero = EvalPlusOracle("humaneval", "find_zero", 1e-4)
    assert zero(([-6, 11, -6, 1],), 1.0000001, 99.0)  # any root passes
    assert not zero(([-6, 11, -6, 1],), 1.5, 1.0)
    sets = EvalPlusOracle("mbpp", "similar_elements", 0)
    assert sets(((3, 4), (4, 3)), (4, 3), (3, 4))
    not_none = EvalPlusOracle("mbpp", "text_match_three", 0)
    assert not_none(("abbb",), Always(), True)  # an opaque match object is "not None"
    assert not not_none(("ac",), None, True) and not_none(("ac",), None, False)
    assert EvalPlusOracle("mbpp", "are_equivalent", 0)((1, 2), 7, False)  # Mbpp/164 accepts any answer
    assert EvalPlusOracle("mbpp", "sum_div", 0)((12,), 0, 16)
    assert not EvalPlusOracle("mbpp", "f", 0)((1,), Always(), 1)


def test_plain_asserts_split_calls_from_the_check():
    (a,) = plain_asserts("assert abs(candidate(1.5) - 0.5) < 1e-6", "trunc")
    assert a.calls == ("trunc(1.5)",)  # HumanEval's `candidate` is the entry point in the child
    assert a.holds([0.5]) and not a.holds([0.7]) and not a.holds([Always()])
    (b,) = plain_asserts("assert set(f((3, 4), (4, 5))) == set((4,))", None)
    assert b.calls == ("f((3, 4), (4, 5))",) and b.holds([(4,)]) and b.holds([[4]])
    checks = plain_asserts("def check(candidate):\n    x = [1, 2]\n    assert candidate(x) == 3\n    assert not candidate([])",
                           "total")
    assert [c.calls for c in checks] == [("total([1, 2])",), ("total([])",)]  # assigned names become literals
    assert checks[0].holds([3]) and checks[1].holds([0]) and not checks[1].holds([1])
    (c,) = plain_asserts("import math\nassert math.isclose(area(2), 12.56, rel_tol=0.001)", None)
    assert c.holds([12.5664]) and not c.holds(["12.56"])


@pytest.mark.parametrize("test", [
    "for i in range(3):\n    assert f(i) == i",
    "assert f(1) == helper(1)\ndef helper(x):\n    return x",
    "assert f(1) == sys.getsizeof(1)",
    "import random\nassert f(random.random()) == 1",
    "assert f(1) == [i for i in range(3)]",
    "print(f(1))",
])
def test_anything_else_is_not_plain(test):
    assert plain_asserts(test, None) is None


def test_the_parent_refuses_huge_arithmetic():
    (a,) = plain_asserts("assert f(1) * 3 == 'aaa'", None)
    assert a.holds(["a"])
    assert not a.holds(["a" * 10_000_000])  # refused, not built
    (b,) = plain_asserts("assert 2 ** f(1) == 4", None)
    assert not b.holds([10**9])
