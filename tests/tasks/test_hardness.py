"""ExecVerify's model-based difficulty filter with a fake model: programs solved >= t of k times are dropped."""

from __future__ import annotations

from collections import Counter

import pytest

from codereasoner.records import Program
from codereasoner.tasks.hardness import HardnessConfig, hardness_filter, output_tasks


@pytest.fixture(scope="module")
def pairs(executor):
    programs = [Program(f"p{i}", f"def f(x):\n    return x * {i + 2}", f"f({i + 3})", source="synth") for i in range(4)]
    runs = executor.run(programs, trace=True)
    return list(zip(programs, runs))


def answer(result: str) -> str:
    return f"<reasoning>\nstep by step\n</reasoning>\n<answer>\n```python\nassert f(1) == {result}\n```\n</answer>"


def test_paper_defaults():
    cfg = HardnessConfig()
    assert (cfg.k, cfg.t, cfg.temperature, cfg.top_p, cfg.max_new_tokens) == (10, 4, 1.0, 0.9, 4096)
    assert not cfg.enabled and HardnessConfig(backend="hf", model="m").enabled
    with pytest.raises(ValueError, match="t <= k"):
        HardnessConfig(k=3, t=4)
    with pytest.raises(ValueError, match="model"):
        HardnessConfig(backend="hf")
    with pytest.raises(ValueError, match="match"):
        HardnessConfig(match="fuzzy")


def test_drops_programs_solved_t_or_more_times(pairs):
    solved = {"p0": 10, "p1": 4, "p2": 3, "p3": 0}  # right answers out of k = 10
    asked = []

    def generate(ids, prompts):
        asked.append((list(ids), prompts))
        out = []
        for pid, (program, run) in zip(ids, pairs):
            assert pid == program.id
            out.append([answer(run.result)] * solved[pid] + [answer("-7")] * (10 - solved[pid]))
        return out

    counts: Counter[str] = Counter()
    hist: Counter[str] = Counter()
    kept = hardness_filter(pairs, generate, HardnessConfig(backend="hf", model="m"), counts, hist)
    assert [p.id for p, _ in kept] == ["p2", "p3"]  # ExecVerify keeps pass_cnt <= 3
    assert counts == {"too_easy": 2} and hist == {"10": 1, "4": 1, "3": 1, "0": 1}
    ids, prompts = asked[0]
    assert ids == ["p0", "p1", "p2", "p3"]
    # ExecVerify's assertion prompt, as chat messages with its system prompt
    assert prompts[0][0] == {"role": "system", "content": "You are a programming expert."}
    assert "assert f(3) == ????" in prompts[0][1]["content"]


def test_substring_match_is_execverifys_lenient_rule(pairs):
    program, run = pairs[0]  # result "6"
    texts = ["the answer is 16", "no idea", "6", "x = 60"]
    counts: Counter[str] = Counter()
    hist: Counter[str] = Counter()
    for match, expected in (("substring", "3"), ("strict", "1")):  # strict: only the bare "6"
        hist.clear()
        cfg = HardnessConfig(backend="hf", model="m", k=4, t=4, match=match)
        hardness_filter([(program, run)], lambda ids, prompts: [texts], cfg, counts, hist)
        assert hist == {expected: 1}


def test_programs_without_an_askable_output_are_kept(executor):
    program = Program("obj", "def f(x):\n    return object()", "f(1)", source="synth")
    run = executor.run([program], trace=True)[0]
    assert output_tasks([(program, run)], "execverify", 200) == [None]
    kept = hardness_filter([(program, run)], lambda ids, prompts: pytest.fail("asked"),
                           HardnessConfig(backend="hf", model="m"), Counter(), Counter())
    assert len(kept) == 1
