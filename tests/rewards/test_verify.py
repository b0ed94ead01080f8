"""verify_batch: strict vs official on CRUXEval rows, the official harness's quirks, and the published scores."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codereasoner.config import benchmarks_root
from codereasoner.records import Run, RunStatus, VerdictStatus
from codereasoner.rewards.official import cruxeval_task, official_counts
from codereasoner.rewards.verify import averify_batch, verify, verify_batch

CRUX = benchmarks_root() / "cruxeval"  # tests/conftest.py points $CODEREASONER_BENCHMARKS at the data it finds


def rows() -> list[dict]:
    if not (CRUX / "cruxeval.jsonl").is_file():
        pytest.skip(f"no CRUXEval data in {CRUX}: run `codereasoner benchmarks fetch cruxeval`")
    return [json.loads(line) for line in (CRUX / "cruxeval.jsonl").read_text().splitlines()]


def crux(i: int, kind: str):
    r = rows()[i]
    return cruxeval_task(r["id"], kind, r["code"], r["input"], r["output"])


DOUBLE = cruxeval_task("d", "output", "def f(x):\n    return [x, x]", "1", "[1, 1]")
DOUBLE_IN = cruxeval_task("d", "input", "def f(x):\n    return [x, x]", "1", "[1, 1]")


@pytest.mark.parametrize("mode", ["strict", "official"])
def test_gold_answers_are_correct_in_both_modes(executor, mode):
    sample = rows()[:20]
    outs = [cruxeval_task(r["id"], "output", r["code"], r["input"], r["output"]) for r in sample]
    ins = [cruxeval_task(r["id"], "input", r["code"], r["input"], r["output"]) for r in sample]
    verdicts = verify_batch(outs + ins, [r["output"] for r in sample] + [f"f({r['input']})" for r in sample],
                            mode=mode, executor=executor)
    assert [v.status for v in verdicts] == [VerdictStatus.CORRECT] * 40
    assert all(v.meta["mode"] == mode for v in verdicts)
    assert [v.id for v in verdicts] == [t.id for t in outs + ins]


@pytest.mark.parametrize(
    ("answer", "strict", "official"),
    [
        ("[1, 1]", True, True),
        ("[1, True]", False, True),  # official uses ==: 1 == True
        ("[1.0, 1]", False, True),
        ("(1, 1)", False, False),  # tuple != list under == too
        ("[1] * 2", False, True),  # an expression: official executes it
        ("[2, 2]", False, False),
        ("f(1)", False, None),  # repeats the call: official drops it
        ("f( 1)", False, True),  # ...but only the exact substring f(<input>)
    ],
)
def test_strict_vs_official_on_output_answers(executor, answer, strict, official):
    s = verify(DOUBLE, answer, executor=executor)
    o = verify(DOUBLE, answer, mode="official", executor=executor)
    assert s.correct is strict
    if official is None:
        assert o.status is VerdictStatus.UNPARSABLE and o.meta["dropped"] is True
    else:
        assert o.correct is official, o.detail


@pytest.mark.parametrize(
    ("answer", "strict", "official"),
    [
        ("f(1)", True, True),
        ("1", True, None),  # strict takes bare arguments; official drops answers without "f("
        ("f(True)", False, True),  # [True, True] == [1, 1] under ==, but not by type
        ("f(x=1)", True, True),
        ("f(2)", False, False),
        ("f(1, 2)", False, False),  # f raises TypeError
    ],
)
def test_strict_vs_official_on_input_answers(executor, answer, strict, official):
    s = verify(DOUBLE_IN, answer, executor=executor)
    o = verify(DOUBLE_IN, answer, mode="official", executor=executor)
    assert s.correct is strict, s.detail
    if official is None:
        assert o.status is VerdictStatus.UNPARSABLE and o.meta["dropped"] is True
    else:
        assert o.correct is official, o.detail


def test_official_counts_drop_answers_then_reset_when_none_pass():
    from codereasoner.records import Verdict

    ok = Verdict("s", True, VerdictStatus.CORRECT)
    bad = Verdict("s", False, VerdictStatus.WRONG)
    dropped = Verdict("s", False, VerdictStatus.UNPARSABLE, meta={"dropped": True})
    assert official_counts([ok, bad, dropped, dropped]) == (2, 1)  # the list shrinks
    assert official_counts([bad, dropped, dropped]) == (3, 0)  # ...unless nothing passed: [False] * len


def test_official_mode_refuses_other_kinds_without_crashing(executor):
    from codereasoner.records import Task

    t = Task("c", "coverage", "def f():\n    return 1", "f()", {"line": 2}, True)
    v = verify_batch([t, DOUBLE], ["yes", "[1, 1]"], mode="official", executor=executor)
    assert v[0].status is VerdictStatus.INVALID and v[1].correct


def test_unknown_kind_is_invalid_and_batch_goes_on(executor):
    from codereasoner.records import Task

    t = Task("x", "nextline", "def f():\n    return 1", "f()", {}, 1)
    v = verify_batch([t, DOUBLE], ["2", "[1, 1]"], executor=executor)
    assert v[0].status is VerdictStatus.INVALID and "next_line" in v[0].detail or "known" in v[0].detail
    assert v[1].correct


def test_mismatched_lengths_and_bad_mode_fail_fast():
    with pytest.raises(ValueError, match="1 tasks but 2 completions"):
        verify_batch([DOUBLE], ["1", "2"])
    with pytest.raises(ValueError, match="mode"):
        verify_batch([DOUBLE], ["1"], mode="lenient")  # type: ignore[arg-type]


class BrokenExecutor:
    def run(self, programs, **kw):
        raise RuntimeError("pool is gone")


class CrashingExecutor:
    def run(self, programs, **kw):
        return [Run(p.id, RunStatus.CRASHED, error="worker died") for p in programs]


@pytest.mark.parametrize("mode", ["strict", "official"])
def test_executor_failure_is_sandbox_error_not_zero(mode):
    v = verify(DOUBLE_IN, "f(1)", mode=mode, executor=BrokenExecutor())
    assert v.status is VerdictStatus.SANDBOX_ERROR and not v.correct
    from codereasoner.rewards import REWARDS

    assert REWARDS.get("output")(DOUBLE_IN, v) is None


def test_crashed_worker_in_strict_input_check_is_sandbox_error():
    v = verify(DOUBLE_IN, "f(1)", executor=CrashingExecutor())
    assert v.status is VerdictStatus.SANDBOX_ERROR


def test_output_strict_needs_no_executor():
    # Output answers are compared as literals: nothing runs, so no executor is even created.
    v = verify_batch([DOUBLE, DOUBLE], ["[1, 1]", "[1, 2]"], executor=BrokenExecutor())
    assert [x.correct for x in v] == [True, False]


def test_chat_message_completions_and_format_flag(executor):
    msgs = [{"role": "assistant", "content": "<reasoning>\nx\n</reasoning>\n<answer>\n[1, 1]\n</answer>"}]
    v = verify(DOUBLE, msgs, executor=executor)
    assert v.correct and v.meta["format"] is True
    assert verify(DOUBLE, "[1, 1]", executor=executor).meta["format"] is False


def test_async_matches_sync(executor):
    import asyncio

    comps = ["[1, 1]", "[1, 2]", "nope"]
    sync = verify_batch([DOUBLE] * 3, comps, executor=executor)
    assert asyncio.run(averify_batch([DOUBLE] * 3, comps, executor=executor)) == sync


def _published(kind: str) -> tuple[dict, dict]:
    rows()  # skips without the data
    gens = json.loads((CRUX / "samples" / f"codellama-7b_temp0.2_{kind}_generations.json").read_text())
    scored = json.loads((CRUX / "samples" / f"sample_scored_codellama-7b_temp0.2_{kind}.json").read_text())
    return gens, scored


def _official_lists(executor, kind: str, ids: list[str]) -> tuple[dict, dict]:
    gens, scored = _published(kind)
    by_id = {r["id"]: r for r in rows()}
    tasks, answers, owner = [], [], []
    for sid in ids:
        r = by_id[sid]
        task = cruxeval_task(sid, kind, r["code"], r["input"], r["output"])
        for g in gens[sid]:
            tasks.append(task)
            answers.append(g)
            owner.append(sid)
    verdicts = verify_batch(tasks, answers, mode="official", executor=executor)
    got: dict[str, list] = {sid: [] for sid in ids}
    for sid, v in zip(owner, verdicts):
        got[sid].append(v)
    return got, scored


@pytest.mark.parametrize("kind", ["output", "input"])
def test_official_matches_the_published_per_answer_verdicts(executor, kind):
    # 39 samples x 10 answers; sample_520's answers loop until the 3 s timeout (left to the slow test).
    ids = [f"sample_{i}" for i in range(0, 800, 20) if i != 520]
    got, scored = _official_lists(executor, kind, ids)
    for sid in ids:
        assert [v.correct for v in got[sid]] == scored["raw_scored_generations"][sid], sid


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "pass1", "pass5"),
    [("output", 34.212500000000006, 40.286706349206355), ("input", 35.94999999999998, 44.991071428571416)],
)
def test_official_reproduces_published_pass_at_k(executor, kind, pass1, pass5):
    import math

    ids = [f"sample_{i}" for i in range(800)]
    got, scored = _official_lists(executor, kind, ids)

    def pass_at_k(n, c, k):  # utils_general.py
        if n - c < k:
            return 1.0
        return 1.0 - math.prod(1.0 - k / x for x in range(n - c + 1, n + 1))

    counts = [official_counts(got[sid]) for sid in ids]
    assert sum(pass_at_k(n, c, 1) for n, c in counts) / 800 * 100 == pytest.approx(pass1, abs=1e-9)
    assert sum(pass_at_k(n, c, 5) for n, c in counts) / 800 * 100 == pytest.approx(pass5, abs=1e-9)
    for sid in ids:
        assert [v.correct for v in got[sid]] == scored["raw_scored_generations"][sid], sid


def test_cli_verify_writes_one_line_per_input_and_flags_bad_lines(tmp_path, write_jsonl):
    good = {"id": "a", "task": "output", "code": "def f(x):\n    return x + 1", "input": "1", "output": "2",
            "answer": "2"}
    wrong = {**good, "id": "b", "answer": "3"}
    path = write_jsonl([good, "{not json", {**good, "id": "c", "task": "outptu"}, wrong])
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "codereasoner", "verify", str(path), "-o", str(out), "--workers", "1"],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr  # some lines were invalid
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["status"] for x in lines] == ["correct", "invalid", "invalid", "wrong"]
    assert f"{path}:2" in lines[1]["detail"] and f"{path}:3" in lines[2]["detail"]
    assert lines[2]["id"] == "c"
    assert all(x["mode"] == "strict" for x in lines) and set(lines[0]) == {"id", "correct", "status", "detail", "mode"}


def test_cli_verify_official_mode(tmp_path, write_jsonl):
    row = {"id": "a", "task": "input", "code": "def f(x):\n    return x + 1", "input": "1", "output": "2",
           "answer": "f(True)"}
    path = write_jsonl([row])
    proc = subprocess.run([sys.executable, "-m", "codereasoner", "verify", str(path), "--mode", "official"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"id": "a", "correct": True, "status": "correct", "detail": "assertion passed",
                                       "mode": "official"}


def test_design_task_records_without_func_still_verify(executor):
    from codereasoner.records import Task

    out = Task("o", "output", "def g(x):\n    return x * 2", "g(2)", {"input": "2"}, "4")
    inp = Task("i", "input", "def g(x):\n    return x * 2", "g(2)", {"output": "4"}, "2")
    v = verify_batch([out, inp, inp], ["4", "g(2)", "g(3)"], executor=executor)
    assert [x.correct for x in v] == [True, True, False], [x.detail for x in v]
