"""ExecVerify's assertion gate: Python `==` on parsed literals by default (what `assert f(x) == y` tests),
type-exact with `reward.assertion: strict`; the model's answer is parsed, never executed."""

from __future__ import annotations

import pytest

from codereasoner.records import Task, Verdict, VerdictStatus
from codereasoner.rewards import RewardConfig
from codereasoner.rewards.verify import verify_batch
from codereasoner.rewards.whitebox import whitebox_reward
from codereasoner.tasks.answers import python_equal

CODE = "def f(x):\n    return x > 0"


def _output_task() -> Task:
    return Task("t/output/0", "output", CODE, "f(3)", {"func": "f", "input": "3"}, "True",
                prompt="assert f(3) == ??", meta={"style": "execverify"})


def test_python_equal_is_pythons_rule_on_literals():
    assert python_equal(1, True) and python_equal(1, 1.0) and python_equal((1, 2), (1, 2))
    assert not python_equal((1, 2), [1, 2]) and not python_equal(float("nan"), float("nan"))


@pytest.mark.parametrize("answer, equal_reward, strict_reward", [("True", 2.0, 2.0), ("1", 2.0, 0.0),
                                                                 ("1.0", 2.0, 0.0), ("0", 0.0, 0.0)])
def test_io_item_gate(executor, answer, equal_reward, strict_reward):
    task = _output_task()
    completion = f"<reasoning>\nx > 0\n</reasoning>\n<answer>\nassert f(3) == {answer}\n</answer>"
    (v,) = verify_batch([task], [completion], executor=executor)
    assert v.correct is (answer == "True")  # the verifier itself stays type-exact
    assert whitebox_reward(task, v, RewardConfig(name="whitebox")) == equal_reward
    assert whitebox_reward(task, v, RewardConfig(name="whitebox", assertion="strict")) == strict_reward


def test_io_mixed_gate_keeps_the_white_box_part():
    task = Task("t/whitebox/0", "whitebox", CODE, "f(3)", {"func": "f", "input": "3", "items": [{}, {}]},
                {"output": "True", "items": []})
    # assertion answered `1` (== True, not the same type), one of two questions right
    v = Verdict(task.id, False, VerdictStatus.WRONG, "", {"q1": False, "q2": True, "q3": False},
                {"assertion_equal": True, "count_mismatch": False})
    assert whitebox_reward(task, v, RewardConfig(name="whitebox")) == pytest.approx(2 * (0.5 + 0.5 * 0.5))
    assert whitebox_reward(task, v, RewardConfig(name="whitebox", assertion="strict")) == 0.0


def test_assertion_setting_is_validated():
    with pytest.raises(ValueError, match="reward.assertion"):
        RewardConfig(name="whitebox", assertion="loose")
