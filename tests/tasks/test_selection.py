"""Which programs get white-box questions (ExecVerify's structural filter) and which questions are trivial."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from codereasoner.records import Program, Task
from codereasoner.tasks.selection import cap_trivial, pick, structural_ok, trivial_question


def P(code, call="f(1)"):
    return Program(id="p", code=code, call=call, source="test")


@pytest.mark.parametrize("code, call, ok", [
    ("def f(x):\n    return x + 1", "f(1)", False),  # one line, no loop
    ("def f(xs):\n    return [x for x in xs]", "f([1])", True),  # a comprehension is a loop
    ("def f(n):\n    while n > 3:\n        n -= 2\n    return n", "f(9)", True),
    ("def f(a):\n    b = a + 1\n    c = b * 2\n    d = c - a\n    return d", "f(1)", True),  # >= 5 lines
    ("def f(a):\n    b = a + 1\n    c = b * 2\n    return c", "f(1)", False),
    ("def f(xs):\n    for x in xs:\n        pass\n    return 1", "f([f])", False),  # the entry in its own arguments
    ("def f(xs):\n    for x in xs:\n        pass\n    return 1", "f(['f', 'of'])", True),  # the letter f is fine
])
def test_structural_filter(code, call, ok):
    assert structural_ok(P(code, call)) is ok


CODE = "def f(xs):\n    out = []\n    n = len(xs)\n    for x in xs:\n        out.append(x)\n    return out\n"


@pytest.mark.parametrize("kind, question, trivial", [
    ("next_line", {"line": 6, "occurrence": 1}, True),  # after `return out`: always -1
    ("next_line", {"line": 4, "occurrence": 1}, False),
    ("state", {"line": 2, "occurrence": 1, "var": "out"}, True),  # `out = []`: the literal itself
    ("state", {"line": 3, "occurrence": 1, "var": "n"}, False),
    ("state", {"line": 5, "occurrence": 1, "var": "out"}, False),
    ("output", {"func": "f", "input": "[1]"}, False),
])
def test_trivial_questions(kind, question, trivial):
    assert trivial_question(kind, CODE, question) is trivial


def test_pick_prefers_useful_questions_and_takes_at_most_one_trivial():
    pool = [({"line": 6, "occurrence": 1}, -1), ({"line": 4, "occurrence": 1}, 5), ({"line": 5, "occurrence": 1}, 4),
            ({"line": 6, "occurrence": 2}, -1)]
    for seed in range(10):
        picked = pick("next_line", CODE, pool, 3, random.Random(seed))
        assert [q["line"] for q, _ in picked][:2] in ([4, 5], [5, 4]) and len(picked) == 3
        assert sum(trivial_question("next_line", CODE, q) for q, _ in picked) == 1
    assert len(pick("next_line", CODE, pool, 2, random.Random(0))) == 2  # no trivial one when the limit is met


def test_cap_trivial_bounds_the_share_per_kind():
    def T(i, line):
        return Task(id=str(i), kind="next_line", code=CODE, call="f([1])", question={"line": line, "occurrence": 1},
                    answer=-1 if line == 6 else 5)

    tasks = [T(i, 6 if i % 2 else 4) for i in range(100)]  # half are trivial
    drops: Counter[str] = Counter()
    kept = cap_trivial(tasks, 0.05, drops)
    trivial = sum(trivial_question(t.kind, t.code, t.question) for t in kept)
    assert trivial / len(kept) <= 0.05 and trivial == 2 and drops["next_line:trivial_capped"] == 48
    assert cap_trivial(tasks, 0.0, Counter()) == [t for t in tasks if t.question["line"] == 4]
