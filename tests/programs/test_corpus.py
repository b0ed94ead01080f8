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


def test_stdlib_files_are_library_code():
    from codereasoner.programs.corpus import stdlib_files, stdlib_root

    files = stdlib_files()
    parts = {part for p in files for part in p.relative_to(stdlib_root()).parts}
    assert not parts & {"site-packages", "test", "tests", "idlelib", "tkinter"}
    assert stdlib_root() / "json" / "decoder.py" in files and stdlib_root() / "colorsys.py" in files
    assert stdlib_files(["colorsys", "json"])[0].name == "colorsys.py"
    import pytest

    with pytest.raises(ValueError, match="no standard-library module 'colorsis'"):
        stdlib_files(["colorsis"])


def test_stdlib_source_names_where_each_function_came_from_and_its_licence():
    cfg = CorpusConfig(paths=("stdlib:colorsys,calendar",), calls_per_function=2)
    src = CorpusSource(cfg)
    programs = list(src.programs(random.Random(0)))
    assert {p.meta["name"] for p in programs} >= {"rgb_to_hsv", "isleap"}
    assert all(p.meta["origin"].startswith(("stdlib/colorsys.py:", "stdlib/calendar.py:")) for p in programs)
    assert src.licence == "psf-2.0" and src.stats["no parameters"] >= 1
    assert CorpusSource(CorpusConfig(paths=(str(FIXTURE),))).licence is None
    assert CorpusSource(CorpusConfig(paths=(str(FIXTURE),), licence="mit")).licence == "mit"


def test_bad_jsonl_lines_are_counted_not_fatal(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"code": "def g(x):\\n    return x + 1", "input": "2"}\n{not json\n\n[1, 2]\n')
    src = CorpusSource(CorpusConfig(paths=(str(path),), calls_per_function=1))
    assert [p.call for p in src.programs(random.Random(0))] == ["f(2)"]
    assert src.stats["bad_row"] == 1


def test_a_hugging_face_dataset_of_code(tmp_path):
    import pytest

    datasets = pytest.importorskip("datasets")
    rows = [{"code": "def shout(s):\n    return s.upper() + '!'", "input": "'hey'"},
            {"code": "import os\ndef cwd(x):\n    return os.getcwd()", "input": "1"}]
    datasets.Dataset.from_list(rows).save_to_disk(str(tmp_path / "ds"))
    src = CorpusSource(CorpusConfig(paths=(f"hf:{tmp_path / 'ds'}",), calls_per_function=1))
    programs = list(src.programs(random.Random(0)))
    assert [(p.code, p.call) for p in programs] == [("def f(s):\n    return s.upper() + '!'", "f('hey')")]
    assert programs[0].meta["origin"].endswith("ds:0:1")
