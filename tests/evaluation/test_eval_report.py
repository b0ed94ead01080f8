"""Run reports: JSON with every verdict and what decided it, markdown beside the papers, a PNG, and compare."""

from __future__ import annotations

import json

from codereasoner.cli.main import main
from codereasoner.evaluation.report import PAPERS, compare, load_run, markdown, write_run
from codereasoner.records import Report, Verdict, VerdictStatus


def _report(benchmark: str, task: str, flags: list[bool], metric: str = "pass@1") -> Report:
    verdicts = tuple(Verdict(f"item_{i}#0", ok, VerdictStatus.CORRECT if ok else VerdictStatus.WRONG)
                     for i, ok in enumerate(flags))
    value = 100 * sum(flags) / len(flags) if metric.startswith("pass@") else sum(flags) / len(flags)
    return Report(benchmark, "1", "official", {metric: value}, verdicts, {"task": task, "limits": {"timeout_s": 3.0}})


def test_write_run_outputs(tmp_path):
    reports = [_report("cruxeval", "output", [True, False, True, True]),
               _report("reval", "state", [True, False], metric="accuracy")]
    write_run(tmp_path, reports, {"model": "m"})
    doc = json.loads((tmp_path / "report.json").read_text())
    assert doc["config"] == {"model": "m"}
    assert [r["benchmark"] for r in doc["reports"]] == ["cruxeval", "reval"]
    assert len(doc["reports"][0]["verdicts"]) == 4 and doc["reports"][0]["mode"] == "official"
    assert doc["reports"][0]["version"] == "1" and doc["reports"][0]["limits"] == {"timeout_s": 3.0}
    md = (tmp_path / "report.md").read_text()
    assert "| CX-O | State |" in md and "**0.750**" in md and "**0.500**" in md
    assert f"{PAPERS['StepCodeReasoner-7B']['CX-O']:.3f}" in md  # the paper's .916 beside ours
    png = (tmp_path / "scores.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    assert [r.metrics for r in load_run(tmp_path)] == [r.metrics for r in reports]


def test_compare_shows_deltas_and_flips(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    write_run(a, [_report("cruxeval", "output", [True, False, False, True]),
                  _report("cruxeval", "input", [False, False])])
    write_run(b, [_report("cruxeval", "output", [True, True, True, False])])
    text = compare(a, b)
    assert "| cruxeval/output | pass@1 | 50 | 75 | +25 | 2 | 1 |" in text
    assert "cruxeval/input | (only in the first run)" in text
    assert main(["eval", "compare", str(a), str(b)]) == 0
    assert "+25" in capsys.readouterr().out


def test_markdown_without_paper_columns_still_lists_scores():
    md = markdown([_report("codegen", "humaneval_plus", [True])])
    assert "codegen | humaneval_plus" in md and "Beside the papers" not in md
