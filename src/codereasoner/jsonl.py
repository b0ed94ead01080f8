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


MAX_LINE_BYTES = 64 << 20  # a longer line is reported, not read into memory
MAX_DEPTH = 100  # JSON nesting kept; deeper values would overflow recursive code further on


def read_jsonl(path: str | Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[str, Any]]:
    """Yield (where, parsed object or BadLine) for each non-blank line; `where` is "file:line".

    Every problem of one line — bytes that are not UTF-8, a line over `max_line_bytes`, nesting deeper
    than MAX_DEPTH, a number too long to read, invalid JSON — is a BadLine naming file:line; the lines
    around it are read normally.
    """
    path = Path(path)
    with _open_bytes(path) as f:
        number = 0
        while True:
            raw = f.readline(max_line_bytes + 1)
            if not raw:
                return
            number += 1
            where = f"{path}:{number}"
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line without keeping it
                    raw = f.readline(1 << 20)
                yield where, BadLine(where, f"{where}: line longer than {max_line_bytes} bytes", "")
                continue
            if not raw.strip():
                continue
            yield where, parse_line(raw, where)


def parse_line(raw: bytes, where: str) -> Any:
    """One JSONL line parsed, or a BadLine saying exactly what is wrong with it."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return BadLine(where, f"{where}: not UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})",
                       raw.decode("utf-8", "replace"))
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return BadLine(where, f"{where}: not valid JSON ({e.msg} at column {e.colno})", line)
    except RecursionError:
        return BadLine(where, f"{where}: JSON nested more than {MAX_DEPTH} levels deep", line[:1000])
    except ValueError as e:  # e.g. an integer with more digits than Python converts (sys.set_int_max_str_digits)
        return BadLine(where, f"{where}: {e}", line[:1000])
    if line.count("[") + line.count("{") > MAX_DEPTH and _depth(obj) > MAX_DEPTH:
        return BadLine(where, f"{where}: JSON nested more than {MAX_DEPTH} levels deep", line[:1000])
    return obj


def _depth(obj: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, todo = 0, [(obj, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
            todo.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def read_records(path: str | Path, cls: type[R]) -> Iterator[R | BadLine]:
    """Records of type `cls`, with a `BadLine` in place of each line that is not one."""
    for _, record in read_records_at(path, cls):
        yield record


def read_records_at(path: str | Path, cls: type[R]) -> Iterator[tuple[str, R | BadLine]]:
    """(where, record or BadLine) for each non-blank line; `where` is "file:line"."""
    for where, obj in read_jsonl(path):
        if isinstance(obj, BadLine):
            yield where, obj
            continue
        try:
            yield where, from_json(cls, obj, where)
        except (ValueError, RecursionError) as e:
            rid = obj.get("id") if isinstance(obj, dict) and isinstance(obj.get("id"), str) else None
            error = str(e) if isinstance(e, ValueError) else f"{where}: nested too deeply"
            yield where, BadLine(where, error, json.dumps(obj)[:1000], rid)


def _open_bytes(path: Path) -> IO[bytes]:
    if str(path) == "-":
        import contextlib
        import sys

        return contextlib.nullcontext(sys.stdin.buffer)  # type: ignore[return-value]
    if path.suffix == ".gz":
        import gzip

        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


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
