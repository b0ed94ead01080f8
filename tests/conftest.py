"""Shared fixtures: one isolated executor pool for the whole test session, a seeded rng, tmp JSONL files."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest


def _find_benchmarks() -> Path | None:
    """Benchmark data for the tests that need it: $CODEREASONER_BENCHMARKS, else the user cache that
    `codereasoner benchmarks fetch` fills, else a `shared/benchmarks` folder beside this checkout (this
    project's CI machine; exported so subprocesses see it too). None: those tests skip, saying why."""
    from codereasoner.config import BENCHMARKS_ENV, benchmarks_root

    if os.environ.get(BENCHMARKS_ENV):
        return benchmarks_root() if benchmarks_root().is_dir() else None
    if (benchmarks_root() / "cruxeval").is_dir():
        return benchmarks_root()
    sibling = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
    if sibling.is_dir():
        os.environ[BENCHMARKS_ENV] = str(sibling)
        return sibling
    return None


BENCHMARKS = _find_benchmarks()
NO_DATA = ("benchmark data not found: run `codereasoner benchmarks fetch all` or set CODEREASONER_BENCHMARKS "
           "to a folder holding cruxeval/, reval/, codegen/, livecodebench_execution/")


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
    """The benchmark data folder; the test skips (with how to get the data) when there is none."""
    if BENCHMARKS is None:
        pytest.skip(NO_DATA)
    return BENCHMARKS


@pytest.fixture(scope="session")
def benchmark_file(benchmarks_dir):
    """`benchmark_file("reval/DREval_data.jsonl")`: that file, or a skip naming it (some files are derived,
    not official downloads: `codereasoner benchmarks fetch` cannot provide them)."""
    def get(relative: str) -> Path:
        path = benchmarks_dir / relative
        if not path.exists():
            pytest.skip(f"{relative} is not in {benchmarks_dir} ({NO_DATA})")
        return path

    return get
