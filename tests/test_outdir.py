"""The output-directory guard: one live run per directory (stale-lock safe), resume on the same parameters,
refuse naming the changed keys, start over with overwrite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codereasoner.cli.main import main
from codereasoner.outdir import OutputDirBusy, changed_keys, check_params, claim, lock

HOLD = ("import sys, time\nfrom codereasoner.outdir import lock\nwith lock(sys.argv[1]):\n"
        "    print('held', flush=True)\n    time.sleep(60)\n")


def hold_in_child(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_is_refused_while_the_first_holds_the_lock(tmp_path):
    proc = hold_in_child(tmp_path / "run")
    try:
        with pytest.raises(OutputDirBusy, match=rf"in use by another run \(pid {proc.pid}\)"):
            with lock(tmp_path / "run"):
                pass
    finally:
        proc.kill()
        proc.wait()


def test_a_lock_left_by_a_killed_process_is_not_stale(tmp_path):
    proc = hold_in_child(tmp_path / "run")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with lock(tmp_path / "run") as path:  # the kernel released the dead holder's lock
        assert path == tmp_path / "run"
    assert (tmp_path / "run" / ".lock").read_bytes() == b""  # nothing run-specific in the output


def test_one_process_may_reenter_its_own_lock(tmp_path):
    with lock(tmp_path):
        with lock(tmp_path):
            pass
        proc = subprocess.run([sys.executable, "-c", HOLD.replace("time.sleep(60)", "pass"), str(tmp_path)],
                              capture_output=True, text=True)
        assert proc.returncode != 0 and "in use" in proc.stderr  # still held after the inner block
    assert subprocess.run([sys.executable, "-c", HOLD.replace("time.sleep(60)", "pass"), str(tmp_path)],
                          capture_output=True).returncode == 0


def test_same_parameters_resume_and_different_ones_are_refused_by_dotted_key(tmp_path):
    params = {"n": 5, "data": {"ngram": 10, "kinds": ("output",)}}
    assert check_params(tmp_path / "d", params, what="data build") is False
    (tmp_path / "d" / "out.txt").write_text("work")
    assert check_params(tmp_path / "d", params, what="data build") is True  # tuples compare as the JSON lists
    with pytest.raises(ValueError, match=r"holds a data build with different data\.ngram, n;"):
        check_params(tmp_path / "d", {"n": 6, "data": {"ngram": 8, "kinds": ["output"]}}, what="data build")
    with pytest.raises(ValueError, match="holds a data build already"):
        check_params(tmp_path / "d", params, what="data build", resume=False)
    assert json.loads((tmp_path / "d" / "params.json").read_text())["data"]["ngram"] == 10  # unchanged


def test_overwrite_deletes_only_the_jobs_own_outputs(tmp_path):
    check_params(tmp_path, {"a": 1}, what="run", owned=("model", "log.*"))
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "w.bin").write_text("x")
    (tmp_path / "log.jsonl").write_text("{}\n")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / ".log.jsonl.abc.tmp").write_text("torn")
    assert check_params(tmp_path, {"a": 2}, what="run", owned=("model", "log.*"), overwrite=True) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "params.json"]
    assert json.loads((tmp_path / "params.json").read_text()) == {"a": 2}
    (tmp_path / "log.jsonl").write_text("{}\n")
    assert check_params(tmp_path, {"a": 2}, what="run", owned=("log.*",), overwrite=True) is True  # same: resume
    assert (tmp_path / "log.jsonl").exists()


def test_a_directory_that_is_not_the_jobs_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="is not a train run; use --overwrite"):
        with claim(tmp_path, {"a": 1}, what="train run"):
            pass
    with lock(tmp_path):  # an empty directory (or one holding only the lock file) is fine
        pass
    assert check_params(tmp_path / "fresh", {"a": 1}, what="run") is False


def test_changed_keys_names_nested_additions_and_removals():
    assert changed_keys({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "d": 2}}) == ["a.c", "a.d"]
    assert changed_keys([1, 2], [1, 3]) == ["(all)"] and changed_keys({"x": [1]}, {"x": [1]}) == []


def test_two_data_builds_into_one_directory_cannot_interleave(tmp_path, capsys):
    out = tmp_path / "data"
    proc = hold_in_child(out)
    try:
        assert main(["data", "build", "--recipe", "tiny", "--n", "5", "-o", str(out), "--no-progress"]) == 2
        assert "in use by another run" in capsys.readouterr().err
        assert not (out / "tasks").exists()
    finally:
        proc.kill()
        proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline:  # the killed holder's lock is gone once the kernel reaps it
        try:
            with lock(out):
                break
        except OutputDirBusy:
            time.sleep(0.05)
    assert main(["data", "build", "--recipe", "tiny", "--n", "5", "-o", str(out), "--no-progress"]) == 0
