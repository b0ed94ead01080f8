"""`codereasoner data stats DIR [--against cruxeval|lcb_exec]`, run as users do: the figures printed, in
stats.json, in the card's section (replaced, never duplicated) and as a PNG."""

from __future__ import annotations

import json

import pytest

from codereasoner.cli.main import main
from codereasoner.config import benchmarks_root
from codereasoner.pipeline import build_data
from codereasoner.pipeline.data_stats import positional
from codereasoner.tasks.realism import SECTION, replace_section

CRUXEVAL = benchmarks_root() / "cruxeval" / "cruxeval.jsonl"
LCB = benchmarks_root() / "livecodebench_execution" / "execution-v2.reconstructed.jsonl"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    build_data("execverify", 80, 3, out, progress=False, overrides=["data.decontaminate=false"])
    return out


def test_the_build_card_already_says_what_the_data_teaches(built):
    card = (built / "README.md").read_text()
    assert card.count(SECTION) == 1 and "| trivial outputs (bool, None, 0, ±1, empty) |" in card
    assert "| level | lines | trace line-steps |" in card


def test_stats_against_cruxeval(built, tmp_path, capsys):
    if not CRUXEVAL.is_file():
        pytest.skip(f"CRUXEval data not found at {CRUXEVAL} (set CODEREASONER_BENCHMARKS)")
    subset = tmp_path / "crux.jsonl"
    subset.write_text("".join(CRUXEVAL.read_text().splitlines(keepends=True)[:60]))
    for _ in range(2):  # a second run replaces the card's section, it does not add one
        assert main(["data", "stats", str(built), "--against", "cruxeval", "--data", str(subset)]) == 0
    printed = capsys.readouterr().out
    assert "| measure | this data | cruxeval |" in printed and "| method_jsd |" in printed
    report = json.loads((built / "stats.json").read_text())
    assert report["against"] == "cruxeval" and report["reference"]["functions"] == 60
    ours, ref = report["ours"], report["reference"]
    assert ours["programs"] > 0 and ref["independence_measured"] > 30 and 0 <= ref["input_independent"] < 0.5
    assert 0 < ours["method_jsd"] < 1 and {c["name"] for c in report["checks"]} >= {"trivial_outputs", "ternary"}
    assert ours["steps_per_level"] and ours["output_types"] and ref["output_types"]
    card = (built / "README.md").read_text()
    assert card.count(SECTION) == 1 and "| method-call JSD to the reference |" in card
    assert "Targets against cruxeval" in card and card.index(SECTION) < card.index("## Examples")
    png = (built / "stats.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000


def test_stats_against_lcb_runs_its_functions_with_the_harness_imports(built, tmp_path, capsys):
    if not LCB.is_file():
        pytest.skip(f"LiveCodeBench execution data not found at {LCB} (set CODEREASONER_BENCHMARKS)")
    subset = tmp_path / "lcb.jsonl"
    subset.write_text("".join(LCB.read_text().splitlines(keepends=True)[:40]))
    assert main(["data", "stats", str(built), "--against", "lcb_exec", "--data", str(subset), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    ref = report["reference"]
    assert ref["functions"] == 40 and ref["outputs"] >= 36  # List[int], Counter, ... resolve
    assert ref["independence_measured"] >= 20  # keyword calls made positional, so inputs mutate
    assert ref["lines_mean"] < 15  # the imports it runs with are not counted as its lines


def test_stats_of_a_folder_that_is_not_a_build(tmp_path, capsys):
    assert main(["data", "stats", str(tmp_path)]) == 2
    assert "programs.jsonl not found" in capsys.readouterr().err


def test_positional_calls_and_section_replacement():
    assert positional("fn(nums = [1, 2], k = 3)") == "fn([1, 2], 3)"
    assert positional("f(1, 'a')") == "f(1, 'a')"
    card = "# t\n\n## Programs\n\nx\n\n## Examples\n\ne\n"
    once = replace_section(card, [SECTION, "", "one"])
    twice = replace_section(once, [SECTION, "", "two"])
    assert twice == "# t\n\n## Programs\n\nx\n\n" + SECTION + "\n\ntwo\n\n## Examples\n\ne\n"
