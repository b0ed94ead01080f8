"""Corpus ingestion: core-logic extraction keeps pure functions and strips I/O, docstrings, dead code."""

from __future__ import annotations

import ast
import json
import random
from pathlib import Path

from codereasoner.programs import PROGRAM_SOURCES
from codereasoner.programs.corpus import CorpusConfig, CorpusSource, extract_functions

FIXTURE = Path(__file__).parent / "data" / "corpus_fixture.py"


def extracted() -> dict:
    found, dropped = extract_functions(FIXTURE.read_text(), "fixture")
    return {e.name: e for e in found}, dropped


def test_keeps_pure_functions_and_drops_impure_ones():
    found, dropped = extracted()
    assert set(found) == {"count_vowels", "join_words", "hypot_floor", "uses_helper", "double"}
    # random.randint (nondeterministic), open() (I/O), print-only (returns nothing), generator
    assert sum(dropped.values()) == 4


def test_strips_io_docstrings_comments_and_dead_code():
    found, _ = extracted()
    code = found["count_vowels"].code
    assert "print" not in code and "logger" not in code and '"""' not in code and "never reached" not in code
    assert code.startswith("def f(text):")  # entry renamed to CRUXEval's f, annotations gone
    assert "logging" not in found["join_words"].code
    assert "# uses" not in found["hypot_floor"].code and found["hypot_floor"].code.startswith("import math")


def test_pulls_in_helpers_and_literal_constants():
    found, _ = extracted()
    helper = found["uses_helper"].code
    assert "def double(x):" in helper and helper.index("def double") < helper.index("def f(")
    assert "SEP = '-'" in found["join_words"].code
    for e in found.values():
        ast.parse(e.code)


def test_calls_come_from_asserts_prints_doctests_and_main_blocks():
    found, _ = extracted()
    assert found["count_vowels"].calls == ("f('banana')",)  # doctest
    assert found["hypot_floor"].calls == ("f(3, 4)",)  # module-level assert
    assert found["uses_helper"].calls == ("f([1, 2, 3])",)  # module-level print
    assert found["join_words"].calls == ("f(['a', 'b'])",)  # __main__ block


def test_source_gives_several_calls_and_they_run(executor):
    assert PROGRAM_SOURCES.get("corpus") is CorpusSource
    cfg = CorpusConfig(paths=(str(FIXTURE),), calls_per_function=3)
    programs = list(CorpusSource(cfg).programs(random.Random(0)))
    by_fn: dict[str, set[str]] = {}
    for p in programs:
        by_fn.setdefault(p.meta["name"], set()).add(p.call)
    assert all(len(calls) == 3 for calls in by_fn.values()), by_fn
    verified = list(CorpusSource(cfg, executor=executor).programs(random.Random(0)))
    assert verified and {p.meta["name"] for p in verified} >= {"count_vowels", "hypot_floor", "uses_helper"}
    assert all("result" in p.meta for p in verified)
    first = next(p for p in verified if p.call == "f('banana')")
    assert first.meta["result"] == "3"


def test_jsonl_rows_with_code_and_input(tmp_path):
    rows = [{"code": "def g(x):\n    '''doc'''\n    print(x)\n    return x * 2", "input": "4"},
            {"code": "import os\ndef h(p):\n    return os.listdir(p)", "input": "'.'"}]
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    programs = list(CorpusSource(CorpusConfig(paths=(str(path),), calls_per_function=1)).programs(random.Random(1)))
    assert [(p.code, p.call) for p in programs] == [("def f(x):\n    return x * 2", "f(4)")]
