"""LiveCodeBench execution: the cases no published answer triggers, scored as lcb_runner @ 28fef95 does.

The official check is `BASE_IMPORTS + code + assert output == answer`: `np`/`pd` answers evaluate (its prefix
imports numpy and pandas), and the entry point keeps its own name, so an `f(...)` answer is a NameError.
"""

from __future__ import annotations

import json

import pytest

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.records import Generation
from codereasoner.rewards.official import LCB_BASE_IMPORTS, lcb_prefix

ROW = {"question_id": "1", "contest_id": "c", "contest_date": "2023-05-07T00:00:00", "difficulty": "Easy",
       "function_name": "sumIt", "code": "def sumIt(nums: List[int]) -> int:\n    return sum(nums)",
       "input": "sumIt(nums = [1, 2])", "output": "3", "id": "sample_0", "problem_id": "p", "numsteps": 3}


@pytest.fixture
def lcb(tmp_path):
    path = tmp_path / "execution-v2.jsonl"
    path.write_text(json.dumps(ROW) + "\n")
    return BENCHMARKS.get("lcb_exec")(), path


def _scored(bench, task, answers, executor, **kw):
    report = bench.score([task], [Generation(task.id, tuple(answers))], executor=executor, **kw)
    return report.meta["scored"][task.id]


def test_numpy_and_pandas_answers_evaluate_as_under_the_official_prefix(lcb, executor):
    pytest.importorskip("numpy")
    pytest.importorskip("pandas")
    bench, path = lcb
    (task,) = bench.load(path, task="output")
    answers = ("np.int64(3)", "pd.Series([3]).iloc[0]", "numpy.int64(3)", "int(np.float64(4.0))", "inf")
    # `numpy` is no name BASE_IMPORTS binds (only `np`): NameError there, so here too; `inf` ≠ 3
    assert _scored(bench, task, answers, executor) == [True, True, False, False, False]


def test_an_f_alias_gives_f_answers_nothing(lcb, executor):
    bench, path = lcb
    (task,) = bench.load(path, task="output")
    # `f` is not defined in the official check: NameError; the entry point itself may be called
    assert _scored(bench, task, ("f([1, 2])", "sumIt([1, 2])", "3"), executor) == [False, True, True]
    (task,) = bench.load(path, task="input")
    # input variant: an answer must be a call of the entry point; `f(...)` is dropped, not run
    assert _scored(bench, task, ("f(nums = [1, 2])", "sumIt(nums = [1, 2])", "sumIt([3])"), executor) == [True, True]


def test_code_that_defines_f_keeps_its_f(tmp_path, executor):
    row = {**ROW, "code": "def f(x):\n    return x\n\ndef sumIt(nums):\n    return sum(nums)"}
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(row) + "\n")
    bench = BENCHMARKS.get("lcb_exec")()
    (task,) = bench.load(path, task="output")
    assert _scored(bench, task, ("f(3)",), executor) == [True]  # the code's own f, as in the official check


def test_prefix_is_verbatim_except_unnamed_libraries():
    assert lcb_prefix("def g(): pass", "3") == LCB_BASE_IMPORTS.replace("import numpy as np\n", "").replace(
        "import pandas as pd\n", "")
    with_np = lcb_prefix("def g(): pass", "np.int64(3)")
    assert with_np == LCB_BASE_IMPORTS.replace("import pandas as pd\n", "")
    both = lcb_prefix("import pandas\ndef g(): pass", "np.int64(3)")
    assert both == LCB_BASE_IMPORTS
    assert lcb_prefix("numpyish = 1", "3").count("import numpy") == 0
