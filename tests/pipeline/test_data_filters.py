"""The data stage's filters end to end: every program is accounted for in the card, the filters hold in the
written data, and each program runs in the engine only as often as the gates need."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from codereasoner.jsonl import read_records
from codereasoner.pipeline import build_data
from codereasoner.programs.filters import output_class
from codereasoner.programs.stats import degenerate_constructs
from codereasoner.records import Program
from codereasoner.tasks.card import REASONS
from codereasoner.tasks.selection import structural_ok, trivial_question


def rows(root: Path, kind: str | None = None) -> list[dict]:
    out = []
    for path in sorted((root / "tasks").glob("*.jsonl")):
        out += [json.loads(line) for line in path.open()]
    return [r for r in out if kind is None or r["kind"] == kind]


@pytest.fixture(scope="module")
def execverify(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("execverify")
    return out, build_data("execverify", 400, 1, out, progress=False)


def test_every_program_is_kept_or_dropped_for_a_reason_the_card_names(execverify):
    out, summary = execverify
    programs = summary.programs
    dropped = {k: v for k, v in programs.items() if k in REASONS and k not in ("duplicates", "contaminated")}
    assert programs["to_engine"] == programs["kept"] + sum(dropped.values())
    card = (out / "README.md").read_text()
    for reason, count in programs.items():
        if reason in REASONS and count:
            gate, text = REASONS[reason]
            assert re.search(rf"\| {re.escape(gate)} \| {re.escape(text)} \| {count} \|", card), reason
    # The filters did work on this draw (a check that could fail if they were off). The synthesizer rejects
    # degenerate constructs itself at its default scale, so the static checks are exercised below.
    assert programs["input_independent"] > 0


def test_static_checks_drop_degenerate_code(tmp_path):
    """Small scale still writes degenerate constructs (`x.count(a) + x.count(a)`, ...): the build drops them."""
    summary = build_data("execverify", 300, 1, tmp_path / "small", progress=False,
                         overrides=["data.source_config={synth: {scale: small}}"])
    assert any(k.startswith("static_") and v for k, v in summary.programs.items()), summary.programs


def test_written_programs_pass_the_filters(execverify):
    out, summary = execverify
    kept = list(read_records(out / "programs.jsonl", Program))
    assert len(kept) == summary.programs["kept"] and all(isinstance(p, Program) for p in kept)
    assert not any(degenerate_constructs(p.code) for p in kept)
    classes = Counter(output_class(p.meta["result"]) for p in kept)
    assert classes["bool"] <= 0.06 * len(kept) + 1 and classes["none"] <= 0.01 * len(kept) + 1


def test_white_box_questions_only_on_structural_programs_and_few_trivial(execverify):
    out, _ = execverify
    for kind in ("next_line", "state", "whitebox"):
        for r in rows(out, kind):
            assert structural_ok(Program(r["id"], r["code"], r["call"]))
    for kind in ("next_line", "state"):
        found = rows(out, kind)
        trivial = sum(trivial_question(kind, r["code"], json.loads(r["question"])) for r in found)
        assert found and trivial <= 0.05 * len(found) + 1
    items = [len(json.loads(r["question"])["items"]) for r in rows(out, "whitebox")]
    assert items and min(items) >= 2


def test_filters_can_be_turned_off(tmp_path):
    off = ["data.filters.static=[]", "data.filters.independence_inputs=0", "data.filters.max_share=1",
           *(f"data.filters.max_{c}=1" for c in ("bool", "none", "empty", "zero", "one"))]
    summary = build_data("codereasoner", 120, 1, tmp_path, progress=False, overrides=off)
    assert not any(k.startswith(("static_", "input_", "output_cap")) for k in summary.programs)
