"""Step logs read back as one point per step: a resumed run's repeated steps and TRL's summary row."""

from __future__ import annotations

import json

import pytest

from codereasoner.train.curves import read_log, series


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_a_resumed_run_replaces_the_killed_runs_steps(tmp_path):
    log = write(tmp_path / "log.jsonl", [
        {"step": 1, "loss": 3.0}, {"step": 2, "loss": 2.5}, {"step": 3, "loss": 2.4},  # killed after step 3
        {"step": 2, "loss": 2.6}, {"step": 3, "loss": 2.2}, {"step": 4, "loss": 2.0},  # resumed from step 1
        {"step": 4, "train_runtime": 9.5, "train_loss": 2.5},  # TRL's summary at the last step
    ])
    rows = read_log(log)
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    assert series(rows, "loss") == ([1, 2, 3, 4], [3.0, 2.6, 2.2, 2.0])
    assert rows[-1]["train_runtime"] == 9.5  # merged, not replacing the loss of step 4
    assert series(rows, "loss", offset=10)[0] == [11, 12, 13, 14]


def test_a_torn_last_line_is_skipped_but_a_bad_line_inside_is_an_error(tmp_path):
    assert read_log(write(tmp_path / "a.jsonl", [{"step": 1, "reward": 0.5}, '{"step": 2, "rew'])) == [
        {"step": 1, "reward": 0.5}]
    with pytest.raises(ValueError, match=r"b.jsonl:1"):
        read_log(write(tmp_path / "b.jsonl", ['{"step": 2, "rew', {"step": 1, "reward": 0.5}]))
    assert read_log(tmp_path / "missing.jsonl") == []
