"""Realism measures: each one on hand-made examples, the engine-backed report, CRUXEval loading, targets."""

from __future__ import annotations

import math

import pytest

from codereasoner.programs.stats import (
    CONSTRUCTS,
    Realism,
    check_targets,
    code_features,
    independence_calls,
    independent_functions,
    is_trivial,
    jensen_shannon,
    load_cruxeval,
    measure,
    output_type,
    realism,
    string_arguments,
)
from codereasoner.records import Program, Run, RunStatus, Step, Trace

EVERYTHING = '''
def helper(n):
    return 1 if n < 2 else n * helper(n - 1)

def f(text, nums):
    words = [w.strip() for w in text.split(",")]
    try:
        first = int(words[0])
    except ValueError:
        first = 0
    for i in range(len(nums)):
        if nums[i] < 0:
            break
        if nums[i] == 0:
            continue
    while first > 0:
        first -= 1
    key = sorted(words, key=lambda w: len(w))
    return f"{key[:2]}:{helper(3)}"
'''


def test_code_features_finds_every_construct_and_counts_methods():
    methods, found, lines = code_features(EVERYTHING)
    assert set(found) == set(CONSTRUCTS)
    assert methods == {"strip": 1, "split": 1}
    assert lines == 17
    methods, found, lines = code_features("def f(x):\n    return x.upper().upper()\n")
    assert methods == {"upper": 2} and not found and lines == 2
    assert code_features("def f(:\n") == ({}, frozenset(), 0)  # unparsable: nothing, no crash


def test_index_loop_needs_len_inside_range():
    assert "index_loop" in code_features("def f(xs):\n    for i in range(1, len(xs)):\n        pass\n")[1]
    assert "index_loop" not in code_features("def f(n):\n    for i in range(n):\n        pass\n")[1]


def test_string_arguments_are_found_at_any_depth():
    strings = string_arguments("f('a b', ['c', 'd e'], {'k l': 1, 'x': ('y z',)}, 3)")
    assert sorted(strings) == ["a b", "c", "d e", "k l", "x", "y z"]
    assert sum(" " in s for s in strings) == 4
    assert string_arguments("f(x)") == [] and string_arguments("f(1, 2)") == []


@pytest.mark.parametrize("result", ["True", "False", "None", "0", "1", "-1", "0.0", "''", "[]", "()", "{}",
                                    "set()", "b''"])
def test_trivial_outputs(result):
    assert is_trivial(result)


@pytest.mark.parametrize("result", ["2", "-3", "0.5", "'a'", "[0]", "(None,)", "{'a': 0}", "{1}", "<object>"])
def test_not_trivial_outputs(result):
    assert not is_trivial(result)


def test_output_type():
    assert [output_type(r) for r in ("'a'", "[1]", "set()", "True", "None", "<x>")] == \
        ["str", "list", "set", "bool", "NoneType", "other"]


def test_jensen_shannon_known_values():
    assert jensen_shannon({"a": 2, "b": 2}, {"a": 1, "b": 1}) == 0.0  # normalised first
    assert jensen_shannon({"a": 1}, {"b": 5}) == 1.0  # disjoint supports: the base-2 maximum
    # p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4); JS = 1/2 KL(p||m) + 1/2 KL(q||m)
    expected = 0.5 * math.log2(4 / 3) + 0.5 * (0.5 * math.log2(2 / 3) + 0.5 * math.log2(2))
    assert jensen_shannon({"a": 1}, {"a": 1, "b": 1}) == pytest.approx(expected)
    assert jensen_shannon({"a": 1}, {"a": 1, "b": 1}) == pytest.approx(jensen_shannon({"a": 1, "b": 1}, {"a": 1}))
    with pytest.raises(ValueError):
        jensen_shannon({}, {"a": 1})


def test_independent_functions_counts_only_functions_with_enough_ok_inputs():
    results = {
        "constant": ["1", "1", "1", "1"],
        "varies": ["1", "2", "1", "1"],
        "too_few": ["1", "1", "1", None],  # only 3 ok: not measured
        "constant_with_failures": ["'a'", None, "'a'", "'a'", "'a'"],
    }
    assert independent_functions(results) == (3, 2)
    assert independent_functions(results, min_inputs=3) == (4, 3)


def test_independence_calls_are_own_then_mutations_and_stable():
    calls = independence_calls("def f(s, n): ...", ["f('ab cd', 3)", "f('ab cd', 3)", "f('x', 1)"])
    assert calls[:2] == ["f('ab cd', 3)", "f('x', 1)"] and len(calls) == len(set(calls)) == 8
    assert all(c.startswith("f(") for c in calls)
    assert calls == independence_calls("def f(s, n): ...", ["f('ab cd', 3)", "f('x', 1)"])
    assert independence_calls("def f(s): ...", ["f(s)"]) == ["f(s)"]  # not a literal call: nothing to mutate


def _run(result: str, lines: int = 0) -> Run:
    steps = tuple(Step(event="line", func="f", line=i) for i in range(lines))
    return Run(id="r", status=RunStatus.OK, result=result, trace=Trace(steps=steps, coverage=()))


def test_measure_on_hand_made_programs():
    programs = [
        Program("a", "def f(s):\n    return s.upper()", "f('a b')", difficulty=1),
        Program("b", "def f(s):\n    return s.upper()", "f('cd')", difficulty=1),
        Program("c", "def f(xs):\n    return [x for x in xs if x]", "f([])", difficulty=3),
    ]
    runs = [_run("'A B'", 2), _run("'CD'", 2), Run(id="c", status=RunStatus.OK, result="[]",
                                                   trace=Trace(steps=(), coverage=()))]
    report = measure(programs, runs, reference_methods={"upper": 1, "split": 1},
                     independence={"x": ["1"] * 4, "y": ["1", "2", "3", "4"]})
    assert report.programs == 3 and report.functions == 2
    assert report.method_calls == {"upper": 1}
    assert report.method_jsd == pytest.approx(jensen_shannon({"upper": 1}, {"upper": 1, "split": 1}), abs=1e-4)
    assert report.constructs["comprehension"] == 0.5 and report.constructs["ternary"] == 0.0
    assert report.string_args == 2 and report.string_args_with_space == 0.5
    assert report.empty_collection_args == 1.0
    assert report.trivial_outputs == pytest.approx(1 / 3, abs=1e-4)
    assert report.output_types == {"str": pytest.approx(2 / 3, abs=1e-4), "list": pytest.approx(1 / 3, abs=1e-4)}
    assert report.lines_per_level == {1: 2.0, 3: 2.0}
    assert report.steps_per_level == {1: 2.0, 3: 0.0}
    assert report.input_independent == 0.5 and report.independence_measured == 2
    assert measure(programs).trivial_outputs is None  # no runs: no output measures
    with pytest.raises(ValueError, match="runs"):
        measure(programs, runs[:1])


def test_realism_runs_mutated_inputs_in_the_engine(executor):
    programs = [
        Program("k", "def f(s):\n    return len('abc')", "f('hello there')"),
        Program("v", "def f(s):\n    return s[::-1]", "f('hello there')"),
        Program("c", "def f(n):\n    return n // 100", "f(7)"),  # mutations stay small: constant 0
    ]
    report = realism(programs, executor)
    assert report.independence_measured == 3
    assert report.input_independent == pytest.approx(2 / 3, abs=1e-4)
    assert report.outputs == 3 and report.trivial_outputs == pytest.approx(1 / 3, abs=1e-4)
    assert report.steps_mean is not None and report.steps_mean >= 1


def test_load_cruxeval_reports_bad_lines(tmp_path, benchmarks_dir):
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"code": "def f(x): return x", "input": "1", "output": "1", "id": "s0"}\n{"code": 1}\n')
    with pytest.raises(ValueError, match=r"c\.jsonl:2"):
        load_cruxeval(bad)
    real = benchmarks_dir / "cruxeval" / "cruxeval.jsonl"
    if not real.is_file():
        pytest.skip(f"CRUXEval data not found at {real}")
    rows = load_cruxeval(real.parent)
    assert len(rows) == 800 and rows[0].call == "f([1, 1, 3, 1, 3, 1])" and rows[0].source == "cruxeval"


def test_check_targets():
    ref = Realism(programs=10, functions=10, input_independent=0.16, trivial_outputs=0.19,
                  constructs={c: 0.1 for c in CONSTRUCTS}, string_args_with_space=0.18)
    good = Realism(programs=10, functions=10, input_independent=0.2, trivial_outputs=0.22, method_jsd=0.1,
                   constructs={c: 0.05 for c in CONSTRUCTS}, string_args_with_space=0.09)
    assert all(c.passed for c in check_targets(good, ref))
    bad = Realism(programs=10, functions=10, input_independent=0.21, trivial_outputs=0.23, method_jsd=0.13,
                  constructs={c: 0.04 for c in CONSTRUCTS}, string_args_with_space=0.08)
    assert not any(c.passed for c in check_targets(bad, ref))
    assert not check_targets(Realism(programs=0, functions=0), ref)[0].passed  # unmeasured never passes


@pytest.mark.parametrize("code,found", [
    ("def f(xs):\n    t = 0\n    for x in xs:\n        t += 1\n    return t", {"unused_loop_var"}),
    ("def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t", set()),
    ("def f(xs):\n    for _ in xs:\n        pass\n    return 1", set()),
    ("def f(d):\n    return [1 for k, v in d.items() if v]", {"unused_loop_var"}),
    ("def f(d):\n    return [k for k, v in d.items() if v]", set()),
    ("def f(s):\n    t = s.upper()\n    return s", {"dead_local"}),
    ("def f(s):\n    n = 0\n    n += 1\n    return s", {"dead_local"}),
    ("def f(s):\n    return s == s", {"identical_operands"}),
    ("def f(s):\n    return s.lower() or s.lower()", {"identical_operands"}),
    ("def f(n):\n    return n - n", {"identical_operands"}),
    ("def f(n):\n    return n * n + n + n", set()),  # squaring and doubling are real code
    ("def f(s):\n    return s.count('a') == 3", {"literal_compare_return"}),
    ("def f(s, t):\n    return s.count('a') == t", set()),
    ("def f(:", {"unparsable"}),
])
def test_degenerate_constructs(code, found):
    from codereasoner.programs.stats import degenerate_constructs

    assert degenerate_constructs(code) == found
