"""JSONL reading that names file:line on bad input, and atomic, resumable writing.

Readers never lose a good record because of a bad one: a malformed line is reported as a `BadLine`
in place, so callers can emit an `invalid` result for it and carry on.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from codereasoner.records import from_json, to_json

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that could not be read as the expected record; `error` names file:line and the problem."""

    where: str
    error: str
    raw: str
    id: str | None = None  # the record's id when the line was JSON with an "id"


def read_jsonl(path: str | Path) -> Iterator[tuple[str, Any]]:
    """Yield (where, parsed object or BadLine) for each non-blank line; `where` is "file:line"."""
    path = Path(path)
    opener = _open_text(path)
    with opener as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                yield where, json.loads(line)
            except json.JSONDecodeError as e:
                yield where, BadLine(where, f"{where}: not valid JSON ({e.msg} at column {e.colno})", line)


def read_records(path: str | Path, cls: type[R]) -> Iterator[R | BadLine]:
    """Records of type `cls`, with a `BadLine` in place of each line that is not one."""
    for where, obj in read_jsonl(path):
        if isinstance(obj, BadLine):
            yield obj
            continue
        try:
            yield from_json(cls, obj, where)
        except ValueError as e:
            rid = obj.get("id") if isinstance(obj, dict) and isinstance(obj.get("id"), str) else None
            yield BadLine(where, str(e), json.dumps(obj), rid)


def _open_text(path: Path) -> IO[str]:
    if str(path) == "-":
        import sys

        return sys.stdin
    if path.suffix == ".gz":
        import gzip

        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def dumps(record: Any) -> str:
    """One JSONL line (no newline) for a record or plain JSON data."""
    return json.dumps(to_json(record), ensure_ascii=False, sort_keys=False)


def write_atomic(path: str | Path, text: str) -> None:
    """Write a whole file so that readers see either the old or the new content, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file 0600; outputs are ordinary files others should be able to read.
        os.fchmod(fd, 0o644)
        # backslashreplace: a lone surrogate (valid in a Python str, not in UTF-8) is written as its
        # `\udXXX` escape, which inside JSON text reads back as the same string; the write never fails.
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl_atomic(path: str | Path, records: Iterable[Any]) -> None:
    write_atomic(path, "".join(dumps(r) + "\n" for r in records))


class ResumableWriter:
    """Append-only JSONL output that survives kill -9: each line is flushed and fsynced whole.

    On open, a torn last line (the process died mid-write) is cut off, and `done` holds the keys of
    the complete lines already there, so a resumed run skips exactly those and loses none.
    """

    def __init__(self, path: str | Path, key: str = "id", *, overwrite: bool = False, fsync: bool = True) -> None:
        self.path = Path(path)
        self.key = key
        self.fsync = fsync
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if overwrite:
            self.path.unlink(missing_ok=True)
        self.done: set[str] = set()
        self.count = 0
        if self.path.exists():
            self._recover()
        self._f = self.path.open("a", encoding="utf-8", errors="backslashreplace")  # see write_atomic

    def _recover(self) -> None:
        data = self.path.read_bytes()
        good_end = data.rfind(b"\n") + 1  # everything after the last newline is a torn write
        if good_end != len(data):
            with self.path.open("r+b") as f:
                f.truncate(good_end)
        for line in data[:good_end].decode("utf-8").splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            self.done.add(str(obj.get(self.key)) if isinstance(obj, dict) else line)
            self.count += 1

    def write(self, record: Any) -> None:
        line = dumps(record)
        self._f.write(line + "\n")
        self._f.flush()
        if self.fsync:
            os.fsync(self._f.fileno())
        obj = json.loads(line)
        self.done.add(str(obj.get(self.key)) if isinstance(obj, dict) else line)
        self.count += 1

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> ResumableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
