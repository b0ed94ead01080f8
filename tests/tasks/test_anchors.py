"""Print anchors (StepCodeReasoner rules, by AST): where they go, how many, and that the program's result is unchanged."""

from __future__ import annotations

import ast
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codereasoner.execution.anchors import MAX_PRINTS, check_equivalent, instrument
from codereasoner.records import Program

ANCHOR = re.compile(r"^\s*print\(f'(\w+): \{(\w+)\}'\)$")


def anchor_lines(code: str) -> list[str]:
    return [ln for ln in code.split("\n") if ln.strip().startswith("print(f'")]


def prints_inside_loops(code: str) -> int:
    count = 0
    for loop in ast.walk(ast.parse(code)):
        if isinstance(loop, (ast.For, ast.While)):
            for node in ast.walk(loop):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                    count += 1
    return count


def test_instrument_follows_the_paper_rules():
    code = ("def f(nums, k):\n    out = []\n    total = 0\n    for x in nums:\n        if x % k == 0:\n"
            "            out.append(x)\n        total += x\n    best = max(out) if out else None\n"
            "    return (best, total)\n")
    assert instrument(code) == (
        "def f(nums, k):\n    out = []\n    print(f'out: {out}')\n    total = 0\n    print(f'total: {total}')\n"
        "    for x in nums:\n        if x % k == 0:\n            out.append(x)\n        total += x\n"
        "    print(f'out: {out}')\n    print(f'total: {total}')\n    best = max(out) if out else None\n"
        "    print(f'best: {best}')\n    return_val = (best, total)\n    print(f'return_val: {return_val}')\n"
        "    return return_val\n")


def test_variables_first_bound_in_a_loop_are_not_printed_after_it(executor):
    code = "def f(xs):\n    for x in xs:\n        last = x\n    return len(xs)\n"
    out = instrument(code)
    assert "last:" not in out and "x:" not in out
    assert check_equivalent(Program("p", code, "f([])"), out, executor)


def test_return_expression_is_evaluated_once(executor):
    code = "def f(xs):\n    xs.append(1)\n    return xs.pop()\n"
    out = instrument(code)
    assert "return_val = xs.pop()" in out and out.count("xs.pop()") == 1
    runs = executor.run([Program("a", out, "f([5])")])
    assert runs[0].result == "1" and runs[0].stdout == "xs: [5, 1]\nreturn_val: 1\n"


def test_at_most_max_prints_and_return_prints_kept():
    body = "".join(f"    v{i} = {i}\n" for i in range(15))
    out = instrument(f"def f():\n{body}    return v0\n", max_prints=MAX_PRINTS)
    lines = anchor_lines(out)
    assert len(lines) == MAX_PRINTS and lines[-1].strip() == "print(f'return_val: {v0}')"


def test_code_text_is_kept_apart_from_the_inserted_lines():
    code = "def f(s):\n    # a comment\n    t = s.upper()  # why\n    if t: u = 1\n    return t\n"
    out = instrument(code)
    kept = [ln for ln in out.split("\n") if not ln.strip().startswith("print(f'")]
    assert kept == code.split("\n")
    assert "u:" not in out  # `if t: u = 1` has no line of its own


def test_generators_try_blocks_and_rebound_print_are_left_alone():
    assert instrument("def f(n):\n    x = 1\n    yield x\n") == "def f(n):\n    x = 1\n    yield x\n"
    code = "def f(a):\n    try:\n        b = 1 / a\n    except ZeroDivisionError:\n        b = 0\n    return b\n"
    assert anchor_lines(instrument(code)) == ["    print(f'return_val: {b}')"]
    assert instrument("def f(print):\n    return print\n") == "def f(print):\n    return print\n"


@pytest.fixture(scope="module")
def synth_programs():
    from codereasoner.programs import PROGRAM_SOURCES

    cls = PROGRAM_SOURCES.get("synth")
    out = []
    for level in range(1, 7):
        stream = cls(cls.Config.at_level(level)).programs(random.Random(level))
        out += [next(stream) for _ in range(12)]
    return out


def test_synthesized_programs_keep_their_results(synth_programs, executor):
    """The semantic check of §3.2 over every level: same status, same result."""
    instrumented = [Program(p.id + "#a", instrument(p.code, entry="f"), p.call) for p in synth_programs]
    originals = executor.run(synth_programs)
    again = executor.run(instrumented)
    for p, a, b, i in zip(synth_programs, originals, again, instrumented):
        assert a.status == b.status and a.result == b.result, (p.code, i.code)
        assert prints_inside_loops(i.code) == 0
        assert len(anchor_lines(i.code)) <= MAX_PRINTS
        assert all(ANCHOR.match(ln) and (ANCHOR.match(ln)[1] in (ANCHOR.match(ln)[2], "return_val"))
                   for ln in anchor_lines(i.code))


@given(st.integers(0, 10_000), st.integers(1, 6))
@settings(max_examples=25, deadline=None)
def test_instrumented_program_returns_what_the_original_returns(executor, seed, level):
    from codereasoner.programs import PROGRAM_SOURCES

    cls = PROGRAM_SOURCES.get("synth")
    program = next(iter(cls(cls.Config.at_level(level)).programs(random.Random(seed))))
    a, b = executor.run([program, Program("i", instrument(program.code, entry="f"), program.call)])
    assert a.status == b.status and a.result == b.result


def test_print_block_needs_the_name():
    from codereasoner.tasks.anchors import print_matches

    assert print_matches("res: [1, 2]", "res: [1,  2]") and print_matches("res: 3", "res:3")
    assert print_matches("res: a b", "res: a\nb")  # a line break inside a block is formatting
    assert not print_matches("res: 3", "3")  # a bare value could be any variable's
    assert not print_matches("res: 3", "other: 3")
