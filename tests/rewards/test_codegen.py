"""ExecVerify stage II: unit tests run in the executor; reward = pass rate + 0.05 format bonus, never a crash."""

from __future__ import annotations

import pytest

from codereasoner.records import Task, VerdictStatus
from codereasoner.rewards import REWARDS
from codereasoner.rewards.codegen import extract_solution, pass_rate
from codereasoner.rewards.verify import verify_batch

ASSERTS = Task("a", "codegen", "", "", {"tests": ["assert add(1, 2) == 3", "assert add(0, 0) == 0",
                                                   "assert add(-1, 1) == 0", "assert add(2, 2) == 5"]}, None)
STDIN = Task("s", "codegen", "", "", {"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "7\n"]}, None)
CALLS = Task("c", "codegen", "", "", {"fn_name": "pair", "inputs": [[1], [2]], "outputs": [[1, 1], [2, 2]]}, None)


def wrap(code: str) -> str:
    return f"<reasoning>\nplan\n</reasoning>\n<answer>\n```python\n{code}\n```\n</answer>"


def score(task, completion, executor):
    v = verify_batch([task], [completion], executor=executor)[0]
    return v, REWARDS.get("codegen")(task, v)


def test_pass_rate_plus_format_bonus(executor):
    v, r = score(ASSERTS, wrap("def add(a, b):\n    return a + b"), executor)
    assert v.parts == {"test_0": True, "test_1": True, "test_2": True, "test_3": False}
    assert r == pytest.approx(0.75 + 0.05)


def test_nothing_passes_is_zero_plus_bonus_not_a_crash(executor):
    _, r = score(ASSERTS, wrap("def add(a, b):\n    return 42"), executor)
    assert r == pytest.approx(0.05)  # the released code raised here (unbound `score`)
    v, r = score(ASSERTS, "def add(a, b):\n    return a + b", executor)  # no <answer>: no code, no bonus
    assert r == 0.0 and v.status is VerdictStatus.UNPARSABLE


def test_stdin_and_call_based_tests(executor):
    _, r = score(STDIN, wrap("a, b = map(int, input().split())\nprint(a + b)"), executor)
    assert r == pytest.approx(1.05)
    _, r = score(CALLS, wrap("def pair(x):\n    return (x, x)"), executor)
    assert r == pytest.approx(1.05)  # tuples compare as lists, as in the APPS checker


@pytest.mark.parametrize("code", ["import os\nos._exit(0)", "while True:\n    pass", "raise SystemExit(0)",
                                  "def add(a, b):\n    import sys; sys.exit(0)"])
def test_hostile_solutions_fail_their_tests(executor, code):
    one = Task("h", "codegen", "", "", {"tests": ["assert add(1, 2) == 3"]}, None)  # one test: one timeout at most
    v, r = score(one, wrap(code), executor)
    assert v.status is VerdictStatus.WRONG and r == pytest.approx(0.05)


def test_prime_code_counts_the_first_ten_tests_when_any_fails():
    assert pass_rate([True] * 12) == 1.0
    assert pass_rate([True] * 9 + [False] + [True] * 5) == 0.9
    assert pass_rate([]) == 0.0


def test_extraction_follows_code_gen_py():
    assert extract_solution("no tags") == ""
    assert extract_solution("<answer>```python\nx = 1\n```</answer>").strip() == "x = 1"
    assert extract_solution("<answer>\nx = 2\n</answer>") == "x = 2"
