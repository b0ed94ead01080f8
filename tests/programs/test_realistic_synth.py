"""Realistic synthesis: real-code constructs appear, nothing degenerate is written, the LiveCodeBench family is
there, level 1 does not saturate, and difficulty still rises with level."""

from __future__ import annotations

import ast
import itertools
import random
import re
from collections import Counter

import pytest

from codereasoner.programs import RuleSynthesizer, SynthConfig, normalized_key
from codereasoner.programs.stats import TARGETED, code_features, degenerate_constructs
from codereasoner.programs.synth import lcb


def sample(level: int, n: int, seed: int = 0, **kw) -> list:
    return list(itertools.islice(RuleSynthesizer(SynthConfig.at_level(level, **kw)).programs(random.Random(seed)), n))


@pytest.fixture(scope="module")
def natural() -> list:
    """One function per program, 250 functions per level 1-6, at the default (natural) scale."""
    return [p for level in range(1, 7) for p in sample(level, 250, seed=level, calls_per_program=1)]


def test_every_construct_appears(natural):
    found = Counter(c for p in natural for c in code_features(p.code)[1])
    share = {c: found[c] / len(natural) for c in found}
    for construct in (*TARGETED, "slicing", "while", "index_loop", "recursion", "helper"):
        assert found[construct] > 0, (construct, share)
    # the targets are half of CRUXEval's shares (8.4 / 2.4 / 1.2 / 3.2 / 0.6 %)
    assert share["comprehension"] >= 0.042 and share["ternary"] >= 0.012 and share["try"] >= 0.006, share
    assert share["break_continue"] >= 0.016 and share["fstring"] >= 0.003, share


def test_nothing_degenerate_is_written(natural):
    bad = [(p.code, degenerate_constructs(p.code)) for p in natural if degenerate_constructs(p.code)]
    assert not bad, bad[:3]


def test_bool_seeds_are_used_as_predicates_not_returned(natural):
    """A predicate seed (isdigit, in, ==, ...) becomes a condition, a filter or a ternary."""
    def returns_bare_compare_or_predicate(code: str) -> bool:
        f = next(n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef) and n.name == "f")
        rets = [n.value for n in ast.walk(f) if isinstance(n, ast.Return) and n.value is not None]
        return any(isinstance(v, (ast.Compare, ast.BoolOp)) for v in rets)

    assert sum(returns_bare_compare_or_predicate(p.code) for p in natural) < 0.02 * len(natural)


def test_levels_are_weighted_like_real_code_in_method_use(natural):
    methods = Counter(m for p in natural for m in code_features(p.code)[0].elements())
    top = [m for m, _ in methods.most_common(8)]
    assert "join" in top and "append" in top and "replace" in top, methods.most_common(12)
    assert methods["symmetric_difference"] + methods["conjugate"] + methods["isdisjoint"] < methods["join"] / 10


def test_lcb_family_is_present_and_follows_the_depth_knob():
    programs = [p for level in range(0, 7) for p in sample(level, 300, seed=level, calls_per_program=1)]
    family = Counter(p.meta["family"] for p in programs)
    assert 0.1 < family["lcb"] / len(programs) < 0.3, family  # lcb_share 0.2 (repeats are skipped)
    names = {p.meta["seed"] for p in programs if p.meta["family"] == "lcb"}
    assert {"lcb.pair_sum", "lcb.kadane", "lcb.lis", "lcb.window",
            "lcb.counter", "lcb.stairs"} <= names, names  # two pointers, DP, counting, array loops
    assert not any(p.meta["family"] == "lcb" for p in sample(3, 300, lcb_share=0.0))
    assert not any(p.meta["family"] == "lcb" for p in sample(1, 300, scale="small"))
    only = sample(4, 100, lcb_share=1.0, calls_per_program=1)
    assert all(p.meta["family"] == "lcb" and p.meta["seed"].startswith("lcb.") for p in only)


@pytest.mark.parametrize("depth", sorted(lcb.TEMPLATES))
def test_every_lcb_template_writes_valid_code(depth):
    rng = random.Random(depth)
    for template in lcb.TEMPLATES[depth]:
        for chain in ((False, True) if template in lcb._HELPED else (False,)):
            for _ in range(10):
                b = lcb.Builder(rng, chain)
                body = template(b)
                code = "\n".join([*b.helper, "", "def f(x):", *("    " + line for line in body)])
                ast.parse(code)
                assert not chain or b.helper, template.__name__


def test_level_one_does_not_saturate():
    """Before: 4,109 level-1 functions had 1,238 distinct structures (literals masked); now about twice as many."""
    codes = {p.code for p in sample(1, 4000, calls_per_program=1)}
    structures = {normalized_key(re.sub(r"'[^']*'|\b\d+\b", "L", c)) for c in codes}
    assert len(codes) > 3990 and len(structures) > 0.45 * len(codes), len(structures)


def test_difficulty_still_rises_with_level():
    lines = {lv: sum(code_features(p.code)[2] for p in sample(lv, 300, seed=lv, calls_per_program=1)) / 300
             for lv in range(1, 7)}
    assert all(lines[a] < lines[b] for a, b in ((1, 3), (3, 4), (4, 5), (5, 6))), lines
    assert lines[2] <= lines[3], lines


def test_trace_steps_rise_with_level(executor):
    from codereasoner.programs.stats import measure

    programs = [p for lv in (1, 3, 5) for p in sample(lv, 120, seed=lv, calls_per_program=1)]
    report = measure(programs, executor.run(programs, trace=True))
    steps = report.steps_per_level
    assert steps[1] < steps[3] < steps[5], steps


def test_small_scale_keeps_plain_code():
    """The tiny recipe's programs (levels 0-1, small scale) are written without the realistic idioms."""
    for p in sample(1, 300, scale="small") + sample(0, 300, scale="small"):
        features = code_features(p.code)[1]
        assert not features & {"ternary", "try", "fstring", "break_continue"}, p.code  # (enumerate's template
        # in the catalogue is itself a comprehension)


def test_levels_are_weighted_toward_the_middle():
    """A level listed twice in data.levels is drawn twice as often; each level comes once before any repeat."""
    from codereasoner.recipe import load_recipe
    from codereasoner.tasks.draw import _schedule, draw_programs

    assert _schedule((1, 2, 3, 3, 4, 4, 5, 5, 6)) == [1, 2, 3, 4, 5, 6, 3, 4, 5]
    data = load_recipe("execverify").data
    assert Counter(data.levels) == {1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 1}
    programs, _ = draw_programs(data, 180, 0)
    per_level = Counter(p.difficulty for p in programs)
    assert per_level[4] > 1.6 * per_level[1] and per_level[3] > 1.6 * per_level[6], per_level
    first = draw_programs(data, 6, 0)[0]
    assert {p.difficulty for p in first} == {1, 2, 3, 4, 5, 6}  # a small n still covers every level
