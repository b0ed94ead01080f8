"""`codereasoner exec` as users run it: bad input lines, order, traces, resume after a kill."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codereasoner.cli.main import main

GOOD = [{"id": f"r{i}", "code": f"def f(x):\n    return x + {i}", "call": "f(1)"} for i in range(6)]


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_bad_lines_get_invalid_results_and_the_rest_still_runs(write_jsonl, tmp_path):
    rows = [GOOD[0], "{not json", {"id": "nocall", "code": "x = 1"}, {"id": "nocompile", "code": "def f(:", "call": "f()"},
            {"id": "wrongtype", "code": 3, "call": "f()"}, "[1, 2]", GOOD[1]]
    out = tmp_path / "out.jsonl"
    assert main(["exec", str(write_jsonl(rows)), "-o", str(out)]) == 0
    got = read(out)
    assert [g["status"] for g in got] == ["ok", "invalid", "invalid", "invalid", "invalid", "invalid", "ok"]
    assert [g["id"] for g in got] == ["r0", None, "nocall", "nocompile", "wrongtype", None, "r1"]
    assert "in.jsonl:2" in got[1]["error"] and "not valid JSON" in got[1]["error"]
    assert "missing field 'call'" in got[2]["error"] and "SyntaxError" in got[3]["error"]
    assert set(got[0]) == {"id", "status", "result", "error", "stdout"}  # no trace key without --trace


def test_unknown_fields_pass_through(write_jsonl, tmp_path):
    out = tmp_path / "out.jsonl"
    main(["exec", str(write_jsonl([{**GOOD[0], "output": "1", "origin": "cruxeval"}])), "-o", str(out)])
    assert read(out)[0]["output"] == "1" and read(out)[0]["origin"] == "cruxeval"


def test_trace_output_follows_the_contract(write_jsonl, tmp_path):
    out = tmp_path / "out.jsonl"
    loop = {"id": "loop", "code": "def f(x):\n    for i in range(x):\n        x += i\n    return x", "call": "f(9)"}
    main(["exec", str(write_jsonl([GOOD[0]])), "-o", str(out), "--trace"])
    trace = read(out)[0]["trace"]
    assert trace["coverage"] == [2] and trace["truncated"] is False and trace["python"] == "3.11"
    main(["exec", str(write_jsonl([GOOD[0], loop])), "-o", str(out), "--trace", "--max-steps", "3", "--overwrite"])
    trace = read(out)[1]["trace"]
    assert len(trace["steps"]) == 3 and trace["truncated"] is True and trace["max_steps"] == 3
    for step in trace["steps"]:
        assert set(step) == ({"event", "func", "line", "locals", "value"} if step["event"] == "return"
                             else {"event", "func", "line", "locals"})
    assert trace["steps"][0]["locals"] == {"x": {"repr": "9", "type": "int"}}


def test_resume_after_a_kill_neither_redoes_nor_loses_records(write_jsonl, tmp_path):
    src = write_jsonl(GOOD)
    fresh = tmp_path / "fresh.jsonl"
    main(["exec", str(src), "-o", str(fresh)])
    lines = fresh.read_text().splitlines(keepends=True)
    killed = tmp_path / "killed.jsonl"
    # What a kill -9 leaves: three whole lines and half of the fourth.
    killed.write_text("".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    marker = json.loads(lines[0])
    marker["stdout"] = "kept from the first run"
    killed.write_text(json.dumps(marker) + "\n" + killed.read_text().split("\n", 1)[1])
    assert main(["exec", str(src), "-o", str(killed)]) == 0
    got = read(killed)
    assert [g["id"] for g in got] == [r["id"] for r in GOOD]  # same order, no duplicates, none lost
    assert got[0]["stdout"] == "kept from the first run"  # not redone
    assert got[1:] == read(fresh)[1:]


def test_resume_refuses_output_of_another_input(write_jsonl, tmp_path):
    out = tmp_path / "out.jsonl"
    main(["exec", str(write_jsonl(GOOD[:2])), "-o", str(out)])
    other = write_jsonl([{**GOOD[0], "id": "other"}], name="other.jsonl")
    assert main(["exec", str(other), "-o", str(out)]) == 2
    assert main(["exec", str(other), "-o", str(out), "--overwrite"]) == 0
    assert [g["id"] for g in read(out)] == ["other"]


def test_missing_input_is_a_usage_error(tmp_path, capsys):
    assert main(["exec", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such input file" in capsys.readouterr().err


def test_examples_run(capsys):
    assert main(["exec", "--examples", "--timeout", "0.5"]) == 0
    got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    statuses = {g["id"]: g["status"] for g in got if g["id"]}
    assert statuses["sum_evens"] == "ok" and statuses["hostile_loop"] == "timeout"
    assert statuses["hostile_write"] == "error" and statuses["does_not_compile"] == "invalid"


@pytest.mark.parametrize("trace", [[], ["--trace"]])
def test_stdin_to_stdout_as_a_user_runs_it(trace):
    text = "".join(json.dumps(r) + "\n" for r in GOOD[:3])
    done = subprocess.run([sys.executable, "-m", "codereasoner", "exec", "-", *trace], input=text,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    got = [json.loads(line) for line in done.stdout.splitlines()]
    assert [g["result"] for g in got] == ["1", "2", "3"]
    assert "isolation (untrusted) =" in done.stderr


def test_every_kind_of_bad_line_is_a_per_line_error(tmp_path):
    good = [json.dumps(r).encode() for r in GOOD[:3]]
    lines = [good[0], b'{"id": "x", "code": "\xff\xfe", "call": "f()"}', b'{"id": "n", "n": ' + b"9" * 5000 + b"}",
             b"[" * 200_000 + b"]" * 200_000, good[1], json.dumps({**GOOD[0], "call": "f(2)"}).encode(), good[2]]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out.jsonl"
    assert main(["exec", str(path), "-o", str(out)]) == 0
    got = read(out)
    assert [g["status"] for g in got] == ["ok", "invalid", "invalid", "invalid", "ok", "invalid", "ok"]
    assert "in.jsonl:2: not UTF-8" in got[1]["error"] and "in.jsonl:3" in got[2]["error"] and "digits" in got[2]["error"]
    assert "in.jsonl:4: JSON nested more than" in got[3]["error"]
    assert got[5]["id"] == "r0" and "in.jsonl:6: duplicate id 'r0' (first used at" in got[5]["error"]


def test_a_real_kill_9_loses_only_records_in_flight_and_leaves_nothing_behind(tmp_path):
    import os
    import signal
    import time
    from pathlib import Path

    from codereasoner.execution import isolation

    rows = [{"id": f"s{i}", "code": "import time\ndef f(i):\n    time.sleep(0.02)\n    return i", "call": f"f({i})"}
            for i in range(300)]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = subprocess.Popen([sys.executable, "-m", "codereasoner", "exec", str(src), "-o", str(out), "--workers", "2"],
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 20):
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    written = out.read_text().count("\n")
    assert 20 <= written < 300  # results go out one by one as they finish, not per chunk of input
    orphans = list(Path(isolation.tempfile.gettempdir()).glob(f"{isolation.WORKDIR_PREFIX}{run.pid}-*"))
    assert main(["exec", str(src), "-o", str(out)]) == 0  # resumes, and sweeps the killed run's work dirs
    assert [g["id"] for g in read(out)] == [r["id"] for r in rows]
    assert all(g["result"] == repr(i) for i, g in enumerate(read(out)))
    assert orphans and not any(p.exists() for p in orphans)
