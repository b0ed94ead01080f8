"""Golden next_line/state/path/coverage ground truth on hand-written programs (CPython 3.11 traces)."""

from __future__ import annotations

import random
import sys

import pytest

from codereasoner.records import Program
from codereasoner.tasks import KindOptions, TASK_KINDS
from codereasoner.tasks import next_line, path, state
from codereasoner.tasks.frames import line_runs, statement_lines

# Traces are Python-version specific (docs/engine.md): these goldens are CPython 3.11's.
pytestmark = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="golden traces are CPython 3.11's")

BRANCH = Program("b", "def f(a, b):\n    ans = a + b\n    if ans > 0:\n        ans = int(a)\n    else:\n"
                 "        ans = b\n    return ans\n", "f(1.1, 2)")
LOOP = Program("l", "def f(nums, k):\n    out = []\n    for x in nums:\n        if x % k == 0:\n"
               "            out.append(x * 2)\n        else:\n            out.insert(0, x)\n    return out\n",
               "f([3, 4, 6, 7], 3)")
RECURSION = Program("r", "def f(n):\n    if n <= 1:\n        return 1\n    return n * f(n - 1)\n", "f(3)")
EXCEPT = Program("e", "def f(x):\n    try:\n        y = 10 // x\n    except ZeroDivisionError:\n        y = -1\n"
                 "    return y\n", "f(0)")
COMPREHENSION = Program("c", "def f(xs):\n    ys = [x + 1 for x in xs]\n    return ys\n", "f([1, 2])")


@pytest.fixture(scope="module")
def runs(executor):
    programs = [BRANCH, LOOP, RECURSION, EXCEPT, COMPREHENSION]
    return {p.id: (p, r) for p, r in zip(programs, executor.run(programs, trace=True))}


def table(pairs):
    return {(q["line"], q["occurrence"]) + ((q["var"],) if "var" in q else ()): a for q, a in pairs}


def test_next_line_branch(runs):
    got = table(next_line.candidates(*runs["b"], "uniform"))
    assert got == {(2, 1): 3, (3, 1): 4, (4, 1): 7, (7, 1): -1, (6, 1): -1}  # line 6 never runs → -1


def test_next_line_loop_counts_runs_over_the_whole_trace(runs):
    got = table(next_line.candidates(*runs["l"], "uniform"))
    assert [got[(3, k)] for k in range(1, 6)] == [4, 4, 4, 4, 8]  # the 5th run of the header exits the loop
    assert got[(5, 1)] == 3 and got[(7, 2)] == 3 and got[(4, 2)] == 7 and got[(8, 1)] == -1


def test_next_line_stays_in_its_frame_under_recursion(runs):
    got = table(next_line.candidates(*runs["r"], "uniform"))
    # Line 4 calls f again: the next line *of the same frame* is none (it returns), not line 2 of the callee.
    assert got[(4, 1)] == -1 and got[(4, 2)] == -1
    assert got[(2, 1)] == 4 and got[(2, 3)] == 3


def test_next_line_after_an_exception_is_the_handler(runs):
    assert table(next_line.candidates(*runs["e"], "uniform"))[(3, 1)] == 4


def test_comprehension_lines_are_not_asked(runs):
    got = table(next_line.candidates(*runs["c"], "uniform"))
    assert 2 not in {line for line, _ in got} and got[(3, 1)] == -1


def test_execverify_selection_keeps_branches_and_jumps(runs):
    got = table(next_line.candidates(*runs["b"], "execverify"))
    # ans = a + b → if (next is an if line); if → ans = int(a); int(a) → return (jump); never-run `ans = b`.
    assert got == {(2, 1): 3, (3, 1): 4, (4, 1): 7, (7, 1): -1, (6, 1): -1}
    loop = table(next_line.candidates(*runs["l"], "execverify"))
    assert (5, 1) in loop and loop[(3, 5)] == 8


def test_state_values_after_a_line(runs):
    got = table(state.candidates(*runs["b"], "uniform"))
    assert got[(2, 1, "ans")] == {"repr": "3.1", "type": "float"}
    assert got[(4, 1, "ans")] == {"repr": "1", "type": "int"}
    loop = table(state.candidates(*runs["l"], "execverify"))
    assert loop[(5, 1, "out")] == {"repr": "[6]", "type": "list"}
    assert loop[(7, 1, "out")] == {"repr": "[4, 6]", "type": "list"}
    assert loop[(7, 2, "out")] == {"repr": "[7, 4, 6, 12]", "type": "list"}
    assert (3, 5, "x") not in loop  # a loop exit is skipped (ExecVerify)
    assert all(var != "nums" for (_, _, var) in loop)  # unchanged locals are not asked


def test_path_sets_over_all_runs(runs):
    got = path.next_lines(*runs["l"])
    assert got[3] == [4, 8] and got[4] == [5, 7] and got[8] == [-1]
    assert path.next_lines(*runs["b"])[6] == [-1]


def test_coverage_balances_run_and_not_run(runs):
    kind = TASK_KINDS.get("coverage")(KindOptions(limit=4))
    tasks = list(kind.questions(*runs["b"], random.Random(0), recipe="t"))
    assert {t.question["line"]: t.answer for t in tasks}[6] is False
    assert any(t.answer for t in tasks)


def test_statement_lines_and_line_runs(runs):
    assert statement_lines(LOOP.code) == (2, 3, 4, 5, 7, 8)
    program, run = runs["r"]
    assert [(r.line, r.frame) for r in line_runs(run.trace)] == [(2, 0), (4, 0), (2, 1), (4, 1), (2, 2), (3, 2)]


def test_truncated_traces_ask_nothing_past_the_cut(executor):
    program = Program("t", "def f(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n",
                      "f(1000)")
    from codereasoner.execution import ExecLimits

    run = executor.run([program], trace=True, limits=ExecLimits(max_steps=50))[0]
    assert run.trace.truncated
    pairs = next_line.candidates(program, run, "uniform")
    assert pairs and all(a != -1 for _, a in pairs)  # no "never runs" and no "returns" claims
    assert all(q["line"] != 5 for q, _ in pairs)
