"""The rule-based synthesizer: determinism, ExecVerify's knobs per level, diversity, speed, engine runs, and the
realism of its code and inputs (constructs, natural inputs, usage-weighted seeds, the LiveCodeBench family)."""

from __future__ import annotations

import ast
import itertools
import random
import re
import time
from collections import Counter

import pytest

from codereasoner.programs import LEVELS, PROGRAM_SOURCES, RuleSynthesizer, SynthConfig, diversity_report
from codereasoner.programs.synth.catalogue import BY_PAIR, PAIRS


def sample(level: int, n: int, seed: int = 0, **kw) -> list:
    return list(itertools.islice(RuleSynthesizer(SynthConfig.at_level(level, **kw)).programs(random.Random(seed)), n))


def control_depth(node: ast.AST) -> int:
    """Nesting depth of if/for/while in a function; an `elif` counts at its `if`'s level."""

    def block(stmts: list[ast.stmt], d: int) -> int:
        return max((stmt(s, d) for s in stmts), default=d)

    def stmt(s: ast.stmt, d: int) -> int:
        if isinstance(s, ast.If):
            best = block(s.body, d + 1)
            if len(s.orelse) == 1 and isinstance(s.orelse[0], ast.If):
                return max(best, stmt(s.orelse[0], d))
            return max(best, block(s.orelse, d + 1))
        if isinstance(s, (ast.For, ast.While)):
            return max(block(s.body, d + 1), block(s.orelse, d + 1))
        if isinstance(s, ast.Try):  # not a control statement of the knob: its blocks stay at this depth
            return max(block(s.body, d), *(block(h.body, d) for h in s.handlers), block(s.orelse, d))
        return d

    return block(node.body, 0)


def functions(code: str) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)}


def method_calls(node: ast.AST) -> set[str]:
    return {n.func.attr for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}


def test_registered_and_catalogue_size():
    assert PROGRAM_SOURCES.get("synth") is RuleSynthesizer
    assert len(PAIRS) == 186  # ExecVerify: str 65, set 33, list 29, dict 19, tuple 18, float 17, 5 builtins
    counts = Counter(p.split(".")[0] for p in PAIRS)
    assert counts == {"str": 65, "set": 33, "list": 29, "dict": 19, "tuple": 18, "float": 17, "enumerate": 1,
                      "filter": 1, "range": 1, "reversed": 1, "zip": 1}
    assert all(BY_PAIR[p] for p in PAIRS)


def test_same_seed_same_programs_other_seed_other_programs():
    a, b, c = sample(4, 200, seed=3), sample(4, 200, seed=3), sample(4, 200, seed=4)
    assert [(p.id, p.code, p.call) for p in a] == [(p.id, p.code, p.call) for p in b]
    assert [p.code for p in a] != [p.code for p in c]
    assert len({p.id for p in a}) == len(a)


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_levels_respect_their_knobs(level):
    knobs = LEVELS[level]
    programs = sample(level, 300, seed=level)
    assert all(p.difficulty == level and p.source == "synth" for p in programs)
    for p in programs:
        defs = functions(p.code)  # also proves the code parses
        assert set(defs) == ({"f", "g"} if knobs["call_chain"] else {"f"}), p.code
        f = defs["f"]
        assert f.args.args and not f.args.defaults  # ExecVerify: >= 1 argument, no default values
        assert control_depth(f) == knobs["depth"], p.code
        if knobs["call_chain"]:
            called = {n.func.id for n in ast.walk(f) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            assert "g" in called and control_depth(defs["g"]) == 0, p.code
        if p.meta["family"] == "lcb":  # algorithmic templates: depth and helper follow the knobs, methods only
            assert knobs["other_methods"] or not method_calls(ast.parse(p.code)), p.code  # when allowed
            continue
        seed_method = p.meta["seed"].split(".", 1)[1]
        # seeds called as `x.method(...)` in every template (not operators, builtins or str.format's receiver)
        attr_seed = all(f"$r.{seed_method}(" in op.template for op in BY_PAIR[p.meta["seed"]])
        if attr_seed:
            calls = [n for n in ast.walk(ast.parse(p.code)) if isinstance(n, ast.Call)
                     and isinstance(n.func, ast.Attribute) and n.func.attr == seed_method]
            assert len(calls) >= (2 if knobs["nested"] else 1), p.code
            if not knobs["other_methods"]:  # only the seed's own template (str.translate may use str.maketrans)
                own = {m for op in BY_PAIR[p.meta["seed"]] for m in re.findall(r"\.(\w+)\(", op.template)}
                assert method_calls(ast.parse(p.code)) <= own, p.code
        if knobs["other_methods"]:
            assert len(set(p.meta["ops"]) - {p.meta["seed"]}) >= 1, p.code


def test_diversity_and_method_coverage():
    programs = [p for level in range(1, 7) for p in sample(level, 400, seed=level, seeds="cycle")]
    report = diversity_report(programs)
    assert report["distinct_program_ratio"] == 1.0
    # renamed copies are skipped in the stream; equal code on other input types (list vs tuple) is not
    assert report["distinct_ratio"] >= 0.9, report
    assert report["method_coverage"]["covered"] == report["method_coverage"]["total"] == 186
    assert report["per_level"] == {k: 400 for k in range(1, 7)}


def test_every_round_covers_every_seed():
    first_round = sample(0, 2 * len(PAIRS), seeds="cycle", scale="small")  # two calls per function, one per seed
    assert {p.meta["seed"] for p in first_round} == set(PAIRS)
    # realistic scales skip what cannot make a meaningful function at a level (an unconditional `xs.clear()`)
    natural = sample(0, 2 * len(PAIRS), seeds="cycle", lcb_share=0.0)
    assert len(set(PAIRS) - {p.meta["seed"] for p in natural}) <= 5


def test_usage_weighted_seeds_follow_how_code_uses_methods():
    from codereasoner.programs.synth.catalogue import USAGE, weight

    seeds = Counter(p.meta["seed"] for level in (1, 3) for p in sample(level, 3000, seed=level, lcb_share=0.0,
                                                                      calls_per_program=1))
    common = [k for k, _ in sorted(USAGE.items(), key=lambda kv: -kv[1])[:5]]  # join, replace, pop, append...
    rare = [p for p in PAIRS if weight(p) < 1]  # set algebra, float methods, ...
    assert sum(seeds[p] for p in common) > 4 * sum(seeds[p] for p in rare) / len(rare) * len(common)
    assert len(seeds) > 0.8 * len(PAIRS)  # still covered: rare pairs are rare, not gone


def test_small_scale_is_short():
    programs = sample(1, 300, scale="small") + sample(0, 300, scale="small")
    assert max(len(p.code.splitlines()) for p in programs) <= 8
    assert sum(len(p.call) for p in programs) / len(programs) < 40
    assert max(len(p.call) for p in programs) < 120


def test_each_function_gets_distinct_calls():
    programs = sample(3, 300, calls_per_program=3)
    by_code: dict[str, set[str]] = {}
    for p in programs:
        by_code.setdefault(p.code, set()).add(p.call)
    assert sum(len(calls) == 3 for calls in by_code.values()) >= 0.9 * len(by_code)


def test_count_and_restrictions():  # restricted seeds also switch the LiveCodeBench family off
    cfg = SynthConfig.at_level(2, count=25, types=("str",))
    programs = list(RuleSynthesizer(cfg).programs(random.Random(0)))
    assert len(programs) == 25 and all(p.meta["seed"].startswith("str.") for p in programs)
    only = list(RuleSynthesizer(SynthConfig(methods=("list.append",), count=10)).programs(random.Random(0)))
    assert {p.meta["seed"] for p in only} == {"list.append"}
    with pytest.raises(ValueError, match="depth"):
        SynthConfig(depth=4)
    with pytest.raises(ValueError, match="methods"):
        SynthConfig(methods=("str.nope",))
    with pytest.raises(ValueError, match="level"):
        SynthConfig.at_level(9)


def test_fast_enough():
    start = time.process_time()  # CPU time: other jobs on the shared cores do not count against us
    n = len(sample(5, 3000))
    rate = n / (time.process_time() - start)
    assert rate > 1000, rate  # measured 5-10k programs/s per core; the floor leaves room for slow CI


def test_levels_run_ok_in_the_engine(executor):
    from codereasoner.programs import verify_programs

    programs = [p for level in sorted(LEVELS) for scale in ("natural", "paper", "small")
                for p in sample(level, 40, seed=level, scale=scale)]
    runs = executor.run(programs)
    status = Counter(str(r.status) for r in runs)
    assert status["timeout"] == status["crashed"] == status["memory_exceeded"] == 0, status  # bounded by construction
    assert status["ok"] >= 0.9 * len(programs), status
    stats: dict[str, int] = {}
    kept = verify_programs(programs, executor, stats=stats)
    assert len(kept) >= 0.85 * len(programs), stats
    assert all(len(p.meta["result"]) <= 200 for p in kept)


def test_same_programs_under_any_hash_seed():
    """No set/dict-order dependence in the generator: `--seed` means the same data on every machine."""
    import os
    import subprocess
    import sys

    script = ("import random, itertools, hashlib\n"
              "from codereasoner.programs import RuleSynthesizer, SynthConfig\n"
              "h = hashlib.sha1()\n"
              "for level in (0, 3, 6):\n"
              "    source = RuleSynthesizer(SynthConfig.at_level(level))\n"
              "    for p in itertools.islice(source.programs(random.Random(level)), 200):\n"
              "        h.update((p.id + p.code + p.call).encode())\n"
              "print(h.hexdigest())\n")
    digests = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "987")}
    assert len(digests) == 1
