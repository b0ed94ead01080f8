"""Code-RL loaders over small files in the released formats (Eurus-2-RL-Data, APPS, TACO, CodeContests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codereasoner.train.code_data import load_code_rl

DATA = Path(__file__).parent / "data"


def test_eurus_rows_code_only_and_a_bad_line_is_reported_not_fatal():
    loaded = load_code_rl(DATA / "eurus_code.jsonl")
    assert [t.question["source"] for t in loaded.tasks] == ["codecontests", "taco", "apps", "codeforces"]  # math skipped
    (bad,) = loaded.skipped
    assert bad.startswith(f"{DATA / 'eurus_code.jsonl'}:5:") and "JSON" in bad
    stdin, calls = loaded.tasks[0], loaded.tasks[1]
    assert "fn_name" not in stdin.question and stdin.question["outputs"][1] == "7\n12\n"
    assert calls.question["fn_name"] == "count_vowels" and calls.question["inputs"][0] == '"hello"'
    assert calls.prompt.startswith("Try to generate code to solve the problem: \nWrite Python code to solve the task.")
    assert "<answer> ```python" in calls.prompt and calls.kind == "codegen"


def test_eurus_parquet_in_the_hub_schema(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in (DATA / "eurus_code.jsonl").read_text().splitlines()[:4]]
    path = tmp_path / "train.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    assert pq.read_schema(path).field("reward_model").type.num_fields == 2  # struct<ground_truth, style>
    loaded = load_code_rl(path)
    assert len(loaded.tasks) == 3 and not loaded.skipped


def test_apps_taco_codecontests():
    apps = load_code_rl(DATA / "apps.jsonl")
    assert [t.id for t in apps.tasks] == ["apps-4001", "apps-4002"]  # 4003 has no tests
    assert apps.tasks[1].question["fn_name"] == "squares" and "Starter code:\ndef squares(n):" in apps.tasks[1].prompt
    assert apps.tasks[0].answer.startswith("n = int(input())")
    taco = load_code_rl(DATA / "taco.jsonl")
    assert [t.meta["source"] for t in taco.tasks] == ["taco", "taco"] and taco.tasks[0].question["fn_name"] == "reverse"
    cc = load_code_rl(DATA / "codecontests.jsonl")
    (t,) = cc.tasks
    assert t.question["inputs"] == ["3\n", "0\n", "-7\n", "100\n"]  # public + private + generated
    assert t.answer == "x = int(input())\nprint(2 * x)\n"  # the Python 3 solution, not the C++ one
    only_public = load_code_rl(DATA / "codecontests.jsonl", splits=("public",))
    assert only_public.tasks[0].question["inputs"] == ["3\n"]


def test_unknown_rows_and_formats(tmp_path, write_jsonl):
    path = write_jsonl([{"foo": 1}, [1, 2]])
    loaded = load_code_rl(path)
    assert not loaded.tasks and len(loaded.skipped) == 2 and "unknown row shape" in loaded.skipped[0]
    with pytest.raises(ValueError, match="format must be one of"):
        load_code_rl(path, fmt="leetcode")


EURUS_SOLUTIONS = {  # honest solutions for the fixture's Eurus rows (the dataset ships no solutions)
    "codecontests": "a, b = map(int, input().split())\nprint(a + b)\nprint(a * b)",
    "taco": "def count_vowels(s):\n    return sum(c in 'aeiou' for c in s)",
    "apps": "def sort_desc(nums):\n    return sorted(nums, reverse=True)",
    "codeforces": "input()\nprint(max(map(int, input().split())))",
}


def _reward(tasks, codes, executor):
    from codereasoner.rewards import REWARDS
    from codereasoner.rewards.verify import verify_batch

    wrapped = [f"<reasoning>r</reasoning><answer>```python\n{c}\n```</answer>" for c in codes]
    verdicts = verify_batch(tasks, wrapped, executor=executor)
    return [REWARDS.get("codegen")(t, v) for t, v in zip(tasks, verdicts)], verdicts


def test_reference_solutions_earn_the_full_reward_under_prime_code_rules(executor):
    tasks, codes = [], []
    for name in ("apps", "taco", "codecontests"):
        for t in load_code_rl(DATA / f"{name}.jsonl").tasks:
            tasks.append(t)
            codes.append(t.answer)
    for t in load_code_rl(DATA / "eurus_code.jsonl").tasks:
        tasks.append(t)
        codes.append(EURUS_SOLUTIONS[t.question["source"]])
    scores, verdicts = _reward(tasks, codes, executor)
    assert scores == pytest.approx([1.05] * len(tasks)), [(t.id, v.detail) for t, v in zip(tasks, verdicts)]


def test_partial_solutions_earn_the_pass_rate(executor):
    (task,) = [t for t in load_code_rl(DATA / "eurus_code.jsonl").tasks if t.question["source"] == "codecontests"]
    only_sum = "a, b = map(int, input().split())\nprint(a + b)\nprint(a * b if a != 10 else 0)"
    (score,), _ = _reward([task], [only_sum], executor)
    assert score == pytest.approx(3 / 4 + 0.05)
