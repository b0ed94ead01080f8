"""ExecVerify stage II tasks: behaviour described by examples, unit tests from every traced call."""

from __future__ import annotations

from codereasoner.records import Task
from codereasoner.train.stage2 import codegen_tasks


def _out(i: int, code: str, call: str, answer: str) -> Task:
    return Task(id=f"o{i}", kind="output", code=code, call=call, question={"func": "f"}, answer=answer, prompt="")


CODE = "def f(s):\n    return s.upper() + '!'"


def test_one_task_per_program_with_hidden_tests():
    tasks = [_out(0, CODE, "f('a')", "'A!'"), _out(1, CODE, "f('bc')", "'BC!'"), _out(2, CODE, "f('')", "'!'"),
             _out(3, "def f(x):\n    return x", "f(1)", "1")]  # one call only: no task
    (task,) = codegen_tasks(tasks, shown=2)
    assert task.kind == "codegen" and task.question["tests"] == [
        "assert f('') == '!'", "assert f('a') == 'A!'", "assert f('bc') == 'BC!'"]
    assert "def f(s)" in task.prompt and ">>> f('')\n'!'" in task.prompt
    assert "upper" not in task.prompt  # the code itself is hidden
    assert "<answer> ```python" in task.prompt  # ExecVerify's stage-II output format


def test_codegen_reward_is_the_pass_rate(executor):
    from codereasoner.rewards.codegen import codegen_reward  # noqa: F401  (registers "codegen")
    from codereasoner.rewards import REWARDS
    from codereasoner.rewards.verify import verify_batch

    tasks = [_out(0, CODE, "f('a')", "'A!'"), _out(1, CODE, "f('bc')", "'BC!'"), _out(2, CODE, "f('')", "'!'")]
    (task,) = codegen_tasks(tasks)
    right = f"<reasoning>upper</reasoning><answer>```python\n{CODE}\n```</answer>"
    partial = "<reasoning>x</reasoning><answer>```python\ndef f(s):\n    return '!' if not s else s.upper()\n```</answer>"
    verdicts = verify_batch([task, task], [right, partial], executor=executor)
    scores = [REWARDS.get("codegen")(task, v) for v in verdicts]
    assert scores[0] > scores[1] > 0.0
