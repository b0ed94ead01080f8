"""ExecVerify stage II tasks: behaviour described by examples; at least three tests the prompt never shows."""

from __future__ import annotations

import pytest

from codereasoner.records import Task
from codereasoner.train.stage2 import codegen_tasks


def _out(i: int, code: str, call: str, answer: str) -> Task:
    return Task(id=f"o{i}", kind="output", code=code, call=call, question={"func": "f"}, answer=answer, prompt="")


CODE = "def f(s):\n    return s.upper() + '!'"
CALLS = [("f('a')", "'A!'"), ("f('bc')", "'BC!'"), ("f('')", "'!'"), ("f('xy')", "'XY!'"), ("f('q')", "'Q!'"),
         ("f('zz')", "'ZZ!'")]


def test_hidden_tests_are_never_shown(executor):
    tasks = [_out(i, CODE, c, a) for i, (c, a) in enumerate(CALLS)] + [_out(9, "def f(x):\n    return x", "f(1)", "1")]
    made = codegen_tasks(tasks, shown=2, executor=executor)
    (task,) = [t for t in made if t.code == CODE]
    q = task.question
    shown = [c for c, _ in q["examples"]]
    hidden = [c for c in q["calls"] if c not in shown]
    assert len(shown) == 2 and len(hidden) == q["hidden"] >= 3
    assert q["calls"][: q["hidden"]] == hidden  # hidden first: the first-ten rule sees them
    for call in hidden:
        assert call not in task.prompt
    for call in shown:
        assert call in task.prompt
    assert "upper" not in task.prompt and "<answer> ```python" in task.prompt
    assert "tests" not in q  # tests are data (calls + expected), never assert strings


def test_programs_with_too_few_calls_get_more_by_running_mutated_arguments(executor):
    (task,) = codegen_tasks([_out(0, CODE, "f('ab')", "'AB!'"), _out(1, CODE, "f('c')", "'C!'")], executor=executor)
    q = task.question
    assert q["hidden"] >= 3
    for call, expected in zip(q["calls"], q["expected"]):  # each made test is the program's real behaviour
        arg = call[2:-1]
        assert expected == repr(eval(arg).upper() + "!")  # noqa: S307 — our own literal test data


def test_a_program_that_yields_no_usable_calls_is_left_out(executor):
    code = "def f(x):\n    return float('nan')"
    assert codegen_tasks([_out(0, code, "f(1)", "nan")], executor=executor) == []


@pytest.fixture
def three_hidden(executor):
    tasks = [_out(i, CODE, c, a) for i, (c, a) in enumerate(CALLS[:5])]
    (task,) = codegen_tasks(tasks, executor=executor)
    return task


def test_codegen_reward_is_the_pass_rate_and_a_lookup_table_earns_little(executor, three_hidden):
    from codereasoner.rewards import REWARDS
    from codereasoner.rewards.verify import verify_batch

    task = three_hidden
    right = f"<reasoning>upper</reasoning><answer>```python\n{CODE}\n```</answer>"
    table = {c: v for c, v in task.question["examples"]}
    lookup = "def f(s):\n" + "".join(f"    if s == {c[2:-1]}:\n        return {v}\n" for c, v in table.items())
    cheat = f"<reasoning>x</reasoning><answer>```python\n{lookup}```</answer>"
    verdicts = verify_batch([task, task], [right, cheat], executor=executor)
    scores = [REWARDS.get("codegen")(task, v) for v in verdicts]
    assert scores[0] == pytest.approx(1.05)
    assert scores[1] == pytest.approx(2 / 5 + 0.05)  # the two shown examples of five tests
