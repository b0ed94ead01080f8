"""n-gram decontamination against CRUXEval and other benchmark files."""

from __future__ import annotations

import gzip
import json

import pytest

from codereasoner.programs.decontam import NgramFilter, cruxeval_filter, load_texts, tokens
from codereasoner.records import Program


@pytest.fixture(scope="module")
def crux(benchmarks_dir):
    return cruxeval_filter(benchmarks_dir / "cruxeval" / "cruxeval.jsonl")


def test_removes_a_cruxeval_function_even_reformatted_and_keeps_a_fresh_one(crux, benchmarks_dir):
    row = json.loads((benchmarks_dir / "cruxeval" / "cruxeval.jsonl").read_text().splitlines()[0])
    assert crux.is_contaminated(row["code"])
    reformatted = "# copied\n" + row["code"].replace("    ", "\t").replace("'", '"')
    assert crux.is_contaminated(reformatted)
    fresh = "def f(grid, k):\n    best = None\n    for row in grid:\n        s = sum(row[:k])\n" \
            "        best = s if best is None or s > best else best\n    return best"
    assert not crux.is_contaminated(fresh)
    kept = crux.filter([Program(id="a", code=row["code"], call="f()"), Program(id="b", code=fresh, call="f()")])
    assert [p.id for p in kept] == ["b"]
    assert crux.summary() == {"n": 10, "benchmark_texts": 800, "checked": 2, "removed": 1}


def test_tokens_ignore_layout_comments_and_quotes():
    assert tokens("x = 'a'  # c\nif x:\n    y = 1") == tokens('x="a"\nif x:\n  y=1')


def test_other_benchmark_files_and_n(tmp_path, benchmarks_dir):
    he = benchmarks_dir / "codegen" / "humaneval" / "HumanEval.jsonl.gz"
    texts = load_texts([he])
    assert len(texts) == 164 and "def has_close_elements" in texts[0] and "for idx, elem" in texts[0]
    py = tmp_path / "bench.py"
    py.write_text("def secret(a, b):\n    return [x * a for x in range(b) if x % 3 == 1]\n")
    flt = NgramFilter(load_texts([py, he]), n=8)
    assert flt.is_contaminated("def other(a, b):\n    return [x * a for x in range(b) if x % 3 == 1]")
    with gzip.open(he, "rt") as fh:
        prompt = json.loads(fh.readline())
    assert flt.is_contaminated(prompt["prompt"] + prompt["canonical_solution"])
    assert not NgramFilter(["a b c"], n=3).is_contaminated("d e f")
    with pytest.raises(ValueError):
        NgramFilter([], n=0)
