"""Evaluation fixtures: a few REval programs as a data directory (tracing all 690 pairs is a slow test),
and a private truth cache for the session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REVAL_SUBSET = (0, 1, 94, 112, 126)  # has_close_elements, separate_paren_groups, bytearray, deque, numpy.float64


def reval_subset(src: Path, dst: Path, keep=REVAL_SUBSET) -> Path:
    """A REval data directory holding only the programs `keep` (DREval/<i>)."""
    dst.mkdir(parents=True, exist_ok=True)
    ids = {f"DREval/{i}" for i in keep}
    for name in ("DREval_data.jsonl", "DREval_tasks.jsonl"):
        lines = (src / name).read_text(encoding="utf-8").splitlines()
        (dst / name).write_text("".join(ln + "\n" for ln in lines if json.loads(ln)["task_id"] in ids), encoding="utf-8")
    return dst


@pytest.fixture(autouse=True)
def reval_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CODEREASONER_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def reval_dir(tmp_path_factory, benchmarks_dir) -> Path:
    return reval_subset(benchmarks_dir / "reval", tmp_path_factory.mktemp("reval"))


@pytest.fixture
def make_reval_subset():
    return reval_subset
