"""Each reward formula on the papers' worked examples (docs/rewards.md), as pure functions of a Verdict."""

from __future__ import annotations

import pytest

from codereasoner.records import Task, Verdict, VerdictStatus
from codereasoner.rewards import REWARDS, RewardConfig
from codereasoner.rewards.anchors import anchor_rewards


def task(kind: str, **kw) -> Task:
    return Task(id="t", kind=kind, code="def f(x):\n    return x", call="f(1)", question=kw.pop("question", {}),
                answer=kw.pop("answer", "1"), **kw)


def verdict(correct: bool, parts=None, status=None, **meta) -> Verdict:
    status = status or (VerdictStatus.CORRECT if correct else VerdictStatus.WRONG)
    return Verdict("t", correct, status, parts=parts or {}, meta=meta)


def test_registry_lists_the_four_rewards():
    assert REWARDS.names() == ["anchors", "codegen", "output", "whitebox"]


# --- CodeReasoner -------------------------------------------------------------------------------

def test_output_reward_is_binary_and_format_term_is_optional():
    out = REWARDS.get("output")
    assert out(task("output"), verdict(True)) == 1.0
    assert out(task("output"), verdict(False)) == 0.0
    cfg = RewardConfig(format_weight=0.1)
    assert out(task("output"), verdict(True, format=True), cfg) == pytest.approx(1.1)
    assert out(task("output"), verdict(False, format=True), cfg) == pytest.approx(0.1)
    assert out(task("output"), verdict(True, format=False), cfg) == 1.0


@pytest.mark.parametrize("name", ["output", "whitebox", "anchors", "codegen"])
@pytest.mark.parametrize("status", [VerdictStatus.SANDBOX_ERROR, VerdictStatus.INVALID])
def test_no_reward_for_sandbox_errors_and_bad_tasks(name, status):
    assert REWARDS.get(name)(task("output"), verdict(False, status=status)) is None


def test_unparsable_is_a_zero_not_no_reward():
    assert REWARDS.get("output")(task("output"), verdict(False, status=VerdictStatus.UNPARSABLE)) == 0.0


# --- ExecVerify stage I ---------------------------------------------------------------------------

WB = task("whitebox")


def wb(assertion: bool, answers: list[bool], **meta) -> Verdict:
    # tasks/whitebox.py: q1 = the assertion (= Verdict.correct), q2.. the white-box questions in order.
    parts = {"q1": assertion, **{f"q{i}": a for i, a in enumerate(answers, 2)}}
    return verdict(assertion, parts, **meta)


def test_whitebox_reads_an_explicit_assertion_part_too():
    v = verdict(True, {"assertion": True, "a": True, "b": False})
    assert REWARDS.get("whitebox")(WB, v) == 1.5


@pytest.mark.parametrize(
    ("assertion", "answers", "expected"),
    [
        (True, [True, True, True, True], 2.0),  # 2·(0.5 + 0.5·1)
        (True, [True, False, True, False], 1.5),  # 2·(0.5 + 0.5·0.5)
        (True, [False, False, False, False], 1.0),  # 2·(0.5 + 0)
        (True, [True, False, False], 2 * (0.5 + 0.5 / 3)),
        (False, [True, True, True, True], 0.0),  # gated on the assertion
        (True, [], 2.0),  # no white-box questions: cur_reward + 1.0
    ],
)
def test_whitebox_formula(assertion, answers, expected):
    assert REWARDS.get("whitebox")(WB, wb(assertion, answers)) == pytest.approx(expected)


def test_whitebox_line_count_mismatch_pays_output_only():
    v = wb(True, [False, False], count_mismatch=True)
    assert REWARDS.get("whitebox")(WB, v) == 1.0


def test_whitebox_alpha_from_config():
    cfg = RewardConfig(name="whitebox", alpha=0.3)
    assert REWARDS.get("whitebox")(WB, wb(True, [True, False]), cfg) == pytest.approx(2 * (0.7 + 0.3 * 0.5))


def test_whitebox_oi_and_io_items_are_two_or_zero():
    r = REWARDS.get("whitebox")
    assert r(task("input"), verdict(True)) == 2.0
    assert r(task("input"), verdict(False)) == 0.0
    assert r(task("output"), verdict(True)) == 2.0


# --- StepCodeReasoner ------------------------------------------------------------------------------

SIX = task("anchors", answer={"prints": [f"v{i}: {i}" for i in range(6)], "result": "'x'"})


def anchors_verdict(steps: list[bool], final: bool) -> Verdict:
    parts = {f"print_{i}": ok for i, ok in enumerate(steps, 1)}
    parts["answer"] = final
    return verdict(final, parts)


@pytest.mark.parametrize(
    ("steps", "final", "expected"),
    [
        ([True] * 6, True, 2.0),  # App. D: all correct
        ([True, True, True, False, False, False], True, 1.5),  # paper prints 1.48 (0.16 per anchor)
        ([True, False, True, False, True, False], False, 0.5),  # paper prints 0.48
        ([False] * 6, False, 0.0),
    ],
)
def test_stepcodereasoner_worked_example(steps, final, expected):
    assert REWARDS.get("anchors")(SIX, anchors_verdict(steps, final)) == pytest.approx(expected)


def test_anchor_vector_is_positional_and_pads_missing_prints_as_wrong():
    assert anchor_rewards(SIX, anchors_verdict([True, False, True, False, True, False], True)) == [
        1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    assert anchor_rewards(SIX, anchors_verdict([True, True], True)) == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    assert anchor_rewards(SIX, verdict(False, status=VerdictStatus.SANDBOX_ERROR)) is None


def test_anchor_budgets_from_config():
    cfg = RewardConfig(name="anchors", r_internal=0.5, r_final=2.0)
    assert REWARDS.get("anchors")(SIX, anchors_verdict([True] * 3 + [False] * 3, True), cfg) == pytest.approx(2.25)


# --- ExecVerify stage II -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("rate", "fmt", "expected"),
    [(0.0, False, 0.0), (0.0, True, 0.05), (0.5, True, 0.55), (1.0, True, 1.05), (1.0, False, 1.0)],
)
def test_codegen_pass_rate_plus_format_bonus(rate, fmt, expected):
    v = verdict(rate == 1.0, pass_rate=rate, format=fmt)
    assert REWARDS.get("codegen")(task("codegen"), v) == pytest.approx(expected)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="reward.name"):
        RewardConfig(name="outptu")
    with pytest.raises(ValueError, match="reward.alpha"):
        RewardConfig(alpha=1.5)
