"""Shared fixtures: one isolated executor pool for the whole test session, a seeded rng, tmp JSONL files."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
BENCHMARKS = SHARED / "benchmarks"


@pytest.fixture(scope="session")
def executor() -> Iterator[object]:
    from codereasoner.execution import Executor

    with Executor(workers=2) as ex:
        yield ex


@pytest.fixture
def rng() -> random.Random:
    return random.Random(0)


@pytest.fixture
def write_jsonl(tmp_path: Path):
    """Write rows (dicts or raw strings) to a JSONL file and return its path."""

    def write(rows: list, name: str = "in.jsonl") -> Path:
        path = tmp_path / name
        path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def benchmarks_dir() -> Path:
    return BENCHMARKS
