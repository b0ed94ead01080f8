"""Golden traces on CPython 3.11 (docs/formats.md: traces differ between minor versions; these pin 3.11)."""

from __future__ import annotations

import sys

import pytest

from codereasoner.execution import TRUNCATED, ExecLimits
from codereasoner.execution.tracer import bounded_repr
from codereasoner.records import Program

pytestmark = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="golden traces are CPython 3.11's")


def run_one(ex, code, call, **kw):
    return ex.run([Program("p", code, call)], **kw)[0]


def compact(run):
    """(event, func, line, {name: repr}, returned repr) per step: what the golden lists spell out."""
    return [(s.event, s.func, s.line, {n: v.repr for n, v in s.locals.items()}, s.value and s.value.repr)
            for s in run.trace.steps]


def test_loop_trace_records_locals_before_each_line(executor):
    run = run_one(executor, "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t", "f([1, 2])",
                  trace=True)
    assert run.result == "3" and run.trace.coverage == (2, 3, 4, 5) and run.trace.python == "3.11"
    assert compact(run) == [
        ("call", "f", 1, {"xs": "[1, 2]"}, None),
        ("line", "f", 2, {"xs": "[1, 2]"}, None),
        ("line", "f", 3, {"xs": "[1, 2]", "t": "0"}, None),
        ("line", "f", 4, {"xs": "[1, 2]", "t": "0", "x": "1"}, None),
        ("line", "f", 3, {"xs": "[1, 2]", "t": "1", "x": "1"}, None),
        ("line", "f", 4, {"xs": "[1, 2]", "t": "1", "x": "2"}, None),
        ("line", "f", 3, {"xs": "[1, 2]", "t": "3", "x": "2"}, None),
        ("line", "f", 5, {"xs": "[1, 2]", "t": "3", "x": "2"}, None),
        ("return", "f", 5, {"xs": "[1, 2]", "t": "3", "x": "2"}, "3"),
    ]
    assert run.trace.steps[2].locals["t"].type == "int"


def test_listcomp_has_its_own_frame_with_dot0_on_311(executor):
    run = run_one(executor, "def f(n):\n    return [i * 2 for i in range(n)]", "f(2)", trace=True)
    it = "<range_iterator object>"  # the address is dropped: same trace on every machine
    assert compact(run) == [
        ("call", "f", 1, {"n": "2"}, None),
        ("line", "f", 2, {"n": "2"}, None),
        ("call", "<listcomp>", 2, {".0": it}, None),
        ("line", "<listcomp>", 2, {".0": it}, None),
        ("line", "<listcomp>", 2, {".0": it, "i": "0"}, None),
        ("line", "<listcomp>", 2, {".0": it, "i": "1"}, None),
        ("return", "<listcomp>", 2, {".0": it, "i": "1"}, "[0, 2]"),
        ("return", "f", 2, {"n": "2"}, "[0, 2]"),
    ]


def test_caught_exception_is_an_exception_step(executor):
    code = "def f(x):\n    try:\n        return 1 // x\n    except ZeroDivisionError:\n        return -1"
    run = run_one(executor, code, "f(0)", trace=True)
    assert [s[:3] for s in compact(run)] == [
        ("call", "f", 1), ("line", "f", 2), ("line", "f", 3), ("exception", "f", 3),
        ("line", "f", 4), ("line", "f", 5), ("return", "f", 5),
    ]
    assert run.trace.steps[-1].value.repr == "-1"


def test_uncaught_exception_unwinds_with_no_return_value(executor):
    run = run_one(executor, "def g(x):\n    return 1 // x\n\ndef f():\n    return g(0)", "f()", trace=True)
    assert run.status == "error" and run.error.startswith("ZeroDivisionError")
    assert compact(run) == [
        ("call", "f", 4, {}, None),
        ("line", "f", 5, {}, None),
        ("call", "g", 1, {"x": "0"}, None),
        ("line", "g", 2, {"x": "0"}, None),
        ("exception", "g", 2, {"x": "0"}, None),
        ("return", "g", 2, {"x": "0"}, None),
        ("exception", "f", 5, {}, None),
        ("return", "f", 5, {}, None),
    ]
    assert run.trace.coverage == (2, 5)


def test_recursion_keeps_each_frames_locals_apart(executor):
    code = "def f(n):\n    if n == 0:\n        return 0\n    return n + f(n - 1)"
    run = run_one(executor, code, "f(1)", trace=True)
    assert compact(run) == [
        ("call", "f", 1, {"n": "1"}, None),
        ("line", "f", 2, {"n": "1"}, None),
        ("line", "f", 4, {"n": "1"}, None),
        ("call", "f", 1, {"n": "0"}, None),
        ("line", "f", 2, {"n": "0"}, None),
        ("line", "f", 3, {"n": "0"}, None),
        ("return", "f", 3, {"n": "0"}, "0"),
        ("return", "f", 4, {"n": "1"}, "1"),
    ]


def test_generator_resumes_are_call_and_yields_are_return(executor):
    run = run_one(executor, "def g():\n    yield 1\n    yield 2\n\ndef f():\n    return list(g())", "f()", trace=True)
    assert [s[:3] + (s[4],) for s in compact(run)] == [
        ("call", "f", 5, None), ("line", "f", 6, None),
        ("call", "g", 1, None), ("line", "g", 2, None), ("return", "g", 2, "1"),
        ("call", "g", 2, None), ("line", "g", 3, None), ("return", "g", 3, "2"),
        ("call", "g", 3, None), ("return", "g", 3, "None"),
        ("return", "f", 6, "[1, 2]"),
    ]


def test_module_body_and_call_expression_are_not_traced(executor):
    run = run_one(executor, "X = [k for k in range(3)]\ndef f():\n    return X", "f()", trace=True)
    assert {s.func for s in run.trace.steps} == {"f"}


def test_step_cap_truncates_and_reports_it(executor):
    run = run_one(executor, "def f():\n    t = 0\n    for i in range(1000):\n        t += i\n    return t", "f()",
                  trace=True, limits=ExecLimits(max_steps=7))
    assert run.result == "499500"  # the run finishes untraced
    assert len(run.trace.steps) == 7 and run.trace.truncated and run.trace.max_steps == 7


def test_big_values_are_cut_with_the_marker(executor):
    run = run_one(executor, "def f():\n    a = list(range(10**5))\n    return len(a)", "f()", trace=True,
                  limits=ExecLimits(max_repr=20))
    value = run.trace.steps[-1].locals["a"]
    assert value.repr == "[0, 1, 2, 3, 4, 5, 6" + TRUNCATED and value.type == "list"


def test_bounded_repr_is_an_exact_prefix_of_repr():
    values = [list(range(500)), {i: str(i) for i in range(300)}, tuple(range(100)), set(range(200)),
              frozenset(range(70)), [[1, 2]] * 100, {"k": list(range(1000))}, "x" * 1000]
    for value in values:
        for limit in (1, 10, 57, 200, 10_000):
            text = bounded_repr(value, limit)
            full = repr(value)
            if len(full) <= limit:
                assert text == full
            else:
                assert text == full[:limit] + TRUNCATED
    cyclic: list = list(range(100))
    cyclic.append(cyclic)
    assert bounded_repr(cyclic, 10_000) == repr(cyclic)


def test_repr_that_raises_is_marked_truncated(executor):
    code = "class A:\n    def __repr__(self):\n        raise ValueError\ndef f():\n    a = A()\n    return 1"
    run = run_one(executor, code, "f()", trace=True)
    assert run.result == "1"
    assert run.trace.steps[-1].locals["a"].repr.endswith(TRUNCATED)


def test_traced_infinite_loop_still_times_out(solo):
    run = run_one(solo, "def f():\n    i = 0\n    while True:\n        i += 1", "f()", trace=True)
    assert run.status == "timeout"


def test_huge_locals_stay_cheap_to_trace(executor):
    code = "def f():\n    a = list(range(10**6))\n    for i in range(200):\n        a[i] = -i\n    return a[:3]"
    run = run_one(executor, code, "f()", trace=True)
    assert run.status == "ok" and run.result == "[0, -1, -2]"
    assert all(len(s.locals["a"].repr) <= 200 + len(TRUNCATED) for s in run.trace.steps if "a" in s.locals)


def test_trace_size_budget_truncates(executor):
    code = "def f():\n    for i in range(100):\n        s = str(i) * 150\n    return 0"
    run = run_one(executor, code, "f()", trace=True, limits=ExecLimits(max_trace_bytes=2000))
    assert run.result == "0" and run.trace.truncated and len(run.trace.steps) < 40
