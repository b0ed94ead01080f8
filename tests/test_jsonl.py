"""JSONL I/O: bad lines name file:line and lose nothing else; the resumable writer survives a torn write."""

from __future__ import annotations

import json

from codereasoner.jsonl import BadLine, ResumableWriter, read_records, write_atomic
from codereasoner.records import Program


def test_bad_lines_are_reported_in_place(write_jsonl):
    path = write_jsonl(
        [
            {"id": "a", "code": "def f(): return 1", "call": "f()"},
            "{not json",
            {"id": "b", "code": "x"},
            {"id": "c", "code": "def f(): return 2", "call": "f()"},
        ]
    )
    out = list(read_records(path, Program))
    assert [type(r).__name__ for r in out] == ["Program", "BadLine", "BadLine", "Program"]
    assert isinstance(out[1], BadLine) and f"{path}:2" in out[1].error and "not valid JSON" in out[1].error
    assert out[2].id == "b" and "missing field 'call'" in out[2].error


def test_resumable_writer_cuts_a_torn_line_and_remembers_done(tmp_path):
    path = tmp_path / "out.jsonl"
    with ResumableWriter(path) as w:
        w.write({"id": "1"})
        w.write({"id": "2"})
    with path.open("a") as f:
        f.write('{"id": "3", "tor')  # killed mid-write
    w = ResumableWriter(path)
    assert w.done == {"1", "2"}
    w.write({"id": "3"})
    w.close()
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["1", "2", "3"]


def test_write_atomic_leaves_no_temp_files(tmp_path):
    write_atomic(tmp_path / "a" / "x.json", "{}")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["x.json"]
