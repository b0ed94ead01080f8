"""Quality gates: engine verification, dedup by normalised code, the diversity report."""

from __future__ import annotations

from codereasoner.programs import balance_outputs, dedupe, diversity_report, normalized_key, verify_programs
from codereasoner.records import Program


def P(i, code, call="f(1)", **meta):
    return Program(id=str(i), code=code, call=call, source="test", meta=meta)


def test_verify_keeps_only_short_literal_deterministic_results(executor):
    programs = [
        P(0, "def f(x):\n    return x + 1"),
        P(1, "def f(x):\n    return 1 / 0"),
        P(2, "def f(x):\n    return 'a' * 500"),
        P(3, "def f(x):\n    return object()"),
        P(4, "def f(x):\n    print(x)\n    return x"),
        P(5, "def f(x):\n    return sorted({'b', 'a'})"),
        P(6, "def f(x):\n    s = {'b', 'a', 'c'}\n    return len(s)"),  # a set of strings: hash-order risk
        P(7, "def f(x):\n    while True:\n        pass"),
        P(8, "def f(x):\n    return ''.join({'ab', 'cd', 'ef', 'gh', 'ij', 'kl'})"),  # result order = hash order
    ]
    stats: dict[str, int] = {}
    kept = verify_programs(programs, executor, stats=stats)
    assert [p.id for p in kept] == ["0", "5"]
    assert kept[0].meta["result"] == "2" and kept[1].meta["result"] == "['a', 'b']"
    assert stats["kept"] == 2 and stats["total"] == 9 and stats["too_long"] == 1 and stats["prints"] == 1
    assert stats["not_literal"] == 1 and stats["status_timeout"] == 1
    assert stats["nondeterministic"] + stats.get("hash_order", 0) == 2  # 6 by its traced set; 8 by its result
    assert stats["nondeterministic"] == 1  # the executor reruns under another PYTHONHASHSEED


def test_verify_without_hash_seed_falls_back_to_the_trace(executor):
    class OldExecutor:  # an executor whose run() has no hash_seed
        def run(self, programs, *, trace=False):
            return executor.run(programs, trace=trace)

    programs = [P(0, "def f(x):\n    return x"), P(6, "def f(x):\n    s = {'b', 'a'}\n    return len(s)")]
    stats: dict[str, int] = {}
    assert [p.id for p in verify_programs(programs, OldExecutor(), stats=stats)] == ["0"]
    assert stats["hash_order"] == 1


def test_normalized_key_ignores_names_layout_comments_docstrings():
    a = "def f(nums):\n    '''doc'''\n    out = []  # c\n    for n in nums:\n        out.append(n * 2)\n    return out"
    b = "def g(xs):\n    res = []\n    for v in xs: res.append(v * 2)\n    return res"
    c = "def f(nums):\n    out = []\n    for n in nums:\n        out.append(n * 3)\n    return out"
    assert normalized_key(a) == normalized_key(b) != normalized_key(c)
    progs = [P(0, a), P(1, b), P(2, c), P(3, a, "f(2)")]
    assert [p.id for p in dedupe(progs)] == ["0", "2"]
    assert [p.id for p in dedupe(progs, with_call=True)] == ["0", "2", "3"]


def test_diversity_report_counts():
    progs = [P(0, "def f(s):\n    return s.upper()", seed="str.upper", ops=["str.upper"]),
             P(1, "def f(s):\n    return s.upper()", "f(2)", seed="str.upper", ops=["str.upper"]),
             P(2, "def f(x):\n    return x.split(',')[0].lower()")]
    r = diversity_report(progs)
    assert r["programs"] == 3 and r["functions"] == 2 and r["distinct_program_ratio"] == 1.0
    assert r["method_coverage"]["total"] == 186
    assert r["method_coverage"]["covered"] == 3  # str.upper (meta) + split, lower (found in code)
    assert r["method_coverage"]["seed_covered"] == 1 and r["per_source"] == {"test": 3}


def test_balance_outputs_caps_each_result():
    progs = [P(i, f"def f(x):\n    return {i}", result="False" if i % 4 else str(i)) for i in range(40)]
    kept = balance_outputs(progs, max_share=0.1)
    results = [p.meta["result"] for p in kept]
    assert results.count("False") == 4 and len(kept) == 4 + 10
