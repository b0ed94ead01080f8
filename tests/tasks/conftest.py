"""Fixtures for the tasks tests: hand-written programs (with the control flow every kind asks about) and their traced runs."""

from __future__ import annotations

import pytest

from codereasoner.records import Program

PROGRAMS = [
    Program("loop", "def f(nums, k):\n    out = []\n    for x in nums:\n        if x % k == 0:\n"
            "            out.append(x * 2)\n        else:\n            out.insert(0, x)\n    return out\n",
            "f([3, 4, 6, 7], 3)", source="test", difficulty=3),
    Program("branch", "def f(a, b):\n    ans = a + b\n    if ans > 0:\n        ans = int(a)\n    else:\n"
            "        ans = b\n    return ans\n", "f(1.1, 2)", source="test", difficulty=2),
    Program("helper", "def g(s):\n    return s.upper()\n\ndef f(words, sep):\n    parts = [g(w) for w in words]\n"
            "    text = sep.join(parts)\n    count = 0\n    while count < len(parts):\n        count += 2\n"
            "    return text, count\n", "f(['ab', 'c', 'de'], '-')", source="test", difficulty=6),
    Program("dict", "def f(text):\n    seen = {}\n    for ch in text:\n        seen[ch] = seen.get(ch, 0) + 1\n"
            "    best = max(seen, key=seen.get)\n    return best, seen[best]\n", "f('abca')", source="test"),
    Program("early", "def f(xs):\n    total = 0.0\n    for x in xs:\n        if x < 0:\n            return None\n"
            "        total += x\n    return total\n", "f([1.5, 2.0, -1.0])", source="test", difficulty=4),
]


@pytest.fixture(scope="session")
def traced(executor):
    """(program, traced run) for every fixture program."""
    runs = executor.run(PROGRAMS, trace=True)
    for run in runs:
        assert run.ok, run
    return list(zip(PROGRAMS, runs))
