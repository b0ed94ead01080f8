"""The degenerate-program filters: static checks, input dependence, output caps, and the engine's trust modes."""

from __future__ import annotations

from collections import Counter

import pytest

from codereasoner.programs import filters
from codereasoner.programs.checks import run_programs, verify_runs
from codereasoner.programs.filters import FilterConfig, cap_outputs, input_dependence, output_class, static_reason
from codereasoner.records import Program, Run, RunStatus


def P(i, code, call="f(1)", source="synth", **meta):
    return Program(id=str(i), code=code, call=call, source=source, meta=meta)


@pytest.mark.parametrize("code, reason", [
    ("def f(x):\n    return x == x", "identical_operands"),
    ("def f(a, b):\n    return a - a + b", "identical_operands"),
    ("def f(s):\n    t = s.upper()\n    return s", "dead_local"),
    ("def f(xs):\n    n = 0\n    for x in xs:\n        n += 1\n    return n", "unused_loop_var"),
    ("def f(s):\n    return s.count('a') == 3", "literal_compare_return"),
    ("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out", None),
    ("def f(x):\n    return x + x", None),  # doubling is real code
    ("def f(xs):\n    for _ in xs:\n        pass\n    return len(xs)", None),  # `_` says "unused" on purpose
])
def test_static_reason(code, reason):
    assert static_reason(code) == reason


def test_static_checks_can_be_chosen():
    code = "def f(s):\n    return s.count('a') == 3"
    assert static_reason(code, ("dead_local",)) is None
    counts: Counter[str] = Counter()
    kept = filters.static_filter([P(0, code), P(1, "def f(x):\n    return x")], FilterConfig(), counts)
    assert [p.id for p in kept] == ["1"] and counts == {"static_literal_compare_return": 1}
    assert len(filters.static_filter([P(0, code)], FilterConfig(static=()), counts)) == 1


def test_filter_config_rejects_bad_values():
    with pytest.raises(ValueError, match="unknown check"):
        FilterConfig(static=("dead_locals",))
    with pytest.raises(ValueError, match="max_bool"):
        FilterConfig(max_bool=1.5)
    with pytest.raises(ValueError, match="independence_inputs"):
        FilterConfig(independence_inputs=9, independence_candidates=8)


def test_input_dependence_in_rounds(executor):
    programs = [
        P("const", "def f(s):\n    return len(s) * 0 + 7", "f('abc')"),
        P("varies", "def f(s):\n    return s.upper()", "f('abc')"),
        P("raises", "def f(n):\n    return [1, 2, 3][n] * 0 if n == 1 else 1 / 0", "f(1)"),
    ]
    own = {p.id: r.result for p, r in zip(programs, executor.run(programs))}
    batches: list[int] = []
    per_code: Counter[str] = Counter()

    def run(jobs):
        batches.append(len(jobs))
        per_code.update(j.code for j in jobs)
        assert all(j.source == "synth" for j in jobs)
        return executor.run(jobs)

    verdict = input_dependence(programs, own, run, min_inputs=4, candidates=8)
    assert verdict == {programs[0].code: "constant", programs[1].code: "varies", programs[2].code: "unmeasured"}
    # Round 1 tries one new input each; then only the undecided ones run more, never past 8 inputs.
    assert batches[0] == 3 and per_code[programs[1].code] == 1
    assert per_code[programs[0].code] == 3 and per_code[programs[2].code] == 7


def test_input_dependence_uses_every_own_call_first(executor):
    # Two own calls with different outputs: settled without running anything.
    programs = [P("a", "def f(x):\n    return x * 3", "f(1)"), P("b", "def f(x):\n    return x * 3", "f(2)")]
    verdict = input_dependence(programs, {"a": "3", "b": "6"}, lambda jobs: pytest.fail("ran"), min_inputs=4)
    assert verdict == {programs[0].code: "varies"}


@pytest.mark.parametrize("result, cls", [
    ("True", "bool"), ("False", "bool"), ("None", "none"), ("''", "empty"), ("[]", "empty"), ("{}", "empty"),
    ("set()", "empty"), ("()", "empty"), ("0", "zero"), ("0.0", "zero"), ("-1", "one"), ("1", "one"),
    ("1.0", "one"), ("2", None), ("'a'", None), ("[0]", None), ("-2.5", None),
])
def test_output_class(result, cls):
    assert output_class(result) == cls


def test_caps_bound_each_class_share_of_what_is_kept():
    results = ["False"] * 30 + ["True"] * 10 + ["0"] * 10 + ["None"] * 5 + [f"'w{i}'" for i in range(100)]
    programs = [P(i, f"def f(x):\n    return {i}") for i in range(len(results))]
    by_id = {p.id: r for p, r in zip(programs, results)}
    counts: Counter[str] = Counter()
    cfg = FilterConfig(max_share=1.0, max_bool=0.1, max_zero=0.05, max_none=0.0)
    kept = cap_outputs(programs, by_id, cfg, counts)
    classes = Counter(output_class(by_id[p.id]) for p in kept)
    assert classes[None] == 100 and classes["none"] == 0
    assert classes["bool"] / len(kept) <= 0.1 and classes["zero"] / len(kept) <= 0.05
    assert classes["bool"] >= 10  # as many as the cap allows, not fewer
    assert counts["output_cap_bool"] == 40 - classes["bool"] and counts["output_cap_none"] == 5
    # In order: the first programs of a class are the ones kept.
    assert [p.id for p in kept if by_id[p.id] == "False"] == [str(i) for i in range(classes["bool"])][:len(
        [p for p in kept if by_id[p.id] == "False"])]


def test_cap_on_one_result():
    programs = [P(i, "def f(x):\n    return x") for i in range(40)]
    by_id = {p.id: ("'a'" if i < 20 else f"'{i}'") for i, p in enumerate(programs)}
    counts: Counter[str] = Counter()
    kept = cap_outputs(programs, by_id, FilterConfig(max_share=0.1), counts)
    assert sum(by_id[p.id] == "'a'" for p in kept) == 4 and counts["output_cap_same_result"] == 16


class TrustRecorder:
    """An executor that takes `trust=` and `hash_seed=`, recording what each call asked for."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def run(self, programs, *, trace=False, limits=None, progress=False, hash_seed=None, trust="untrusted"):
        self.calls.append((sorted(p.id for p in programs), str(trust), trace, hash_seed))
        return self.inner.run(programs, trace=trace)


def test_synth_programs_run_trusted_and_others_untrusted(executor):
    rec = TrustRecorder(executor)
    programs = [P("s", "def f(x):\n    return x", source="synth"), P("l", "def f(x):\n    return x", source="llm"),
                P("c", "def f(x):\n    return -x", source="corpus"), P("u", "def f(x):\n    return x", source="?")]
    runs = run_programs(rec, programs)
    assert [r.result for r in runs] == ["1", "1", "-1", "1"]  # input order
    assert sorted(c[:2] for c in rec.calls) == [(["c", "l", "u"], "untrusted"), (["s"], "trusted")]


def test_each_program_runs_once_traced_and_once_under_another_hash_seed(executor):
    rec = TrustRecorder(executor)
    programs = [P(i, f"def f(x):\n    return x + {i}") for i in range(5)]
    kept = verify_runs(programs, rec)
    assert len(kept) == 5 and all(run.trace is not None for _, run in kept)
    assert [(c[2], c[3]) for c in rec.calls] == [(True, None), (False, 1)]


def test_a_timeout_only_when_traced_is_a_timeout(executor):
    class SlowTrace:  # the traced run times out, a plain one would not
        def run(self, programs, *, trace=False, hash_seed=None):
            runs = executor.run(programs, trace=trace)
            return [Run(r.id, RunStatus.TIMEOUT) if trace else r for r in runs]

    stats: dict[str, int] = {}
    assert verify_runs([P(0, "def f(x):\n    return x")], SlowTrace(), stats=stats) == []
    assert stats["status_timeout"] == 1 and "nondeterministic" not in stats
