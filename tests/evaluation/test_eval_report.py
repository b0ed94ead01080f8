"""Run reports: JSON with every verdict and what decided it, markdown beside the papers, a PNG, and compare."""

from __future__ import annotations

import json

from codereasoner.cli.main import main
from codereasoner.evaluation.report import PAPERS, compare, in_percent, load_run, markdown, write_run
from codereasoner.records import Report, Verdict, VerdictStatus


def _report(benchmark: str, task: str, flags: list[bool], metric: str = "pass@1", total: int | None = None) -> Report:
    """As the benchmarks make them: pass@k in percent, REval's accuracy a fraction (its official rule)."""
    verdicts = tuple(Verdict(f"item_{i}#0", ok, VerdictStatus.CORRECT if ok else VerdictStatus.WRONG)
                     for i, ok in enumerate(flags))
    value = 100 * sum(flags) / len(flags) if metric.startswith("pass@") else sum(flags) / len(flags)
    return Report(benchmark, "1", "official", {metric: value}, verdicts,
                  {"task": task, "limits": {"timeout_s": 3.0}, "items": len(flags),
                   "benchmark_items": len(flags) if total is None else total})


def test_write_run_outputs(tmp_path):
    reports = [_report("cruxeval", "output", [True, False, True, True]),
               _report("reval", "state", [True, False], metric="accuracy")]
    write_run(tmp_path, reports, {"model": "m"})
    doc = json.loads((tmp_path / "report.json").read_text())
    assert doc["config"] == {"model": "m"}
    assert [r["benchmark"] for r in doc["reports"]] == ["cruxeval", "reval"]
    assert len(doc["reports"][0]["verdicts"]) == 4 and doc["reports"][0]["mode"] == "official"
    assert doc["reports"][0]["version"] == "1" and doc["reports"][0]["limits"] == {"timeout_s": 3.0}
    assert doc["unit"] == "percent" and doc["reports"][1]["metrics"]["accuracy"] == 50.0  # REval's fraction, now percent
    md = (tmp_path / "report.md").read_text()
    assert "| CX-O | State |" in md and "**75.0**" in md and "**50.0**" in md and "percentages" in md
    assert "| cruxeval | output | 4 |" in md and "pass@1 75.00" in md and "accuracy 50.00" in md
    assert f"| {PAPERS['StepCodeReasoner-7B']['CX-O']:.1f} |" in md  # the paper's 91.6 beside ours
    assert "†" not in md and "Not comparable" not in md  # every item was run
    png = (tmp_path / "scores.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    assert [r.metrics for r in load_run(tmp_path)] == [{"pass@1": 75.0}, {"accuracy": 50.0}]


def test_a_subset_run_says_so_beside_the_papers(tmp_path):
    md = markdown([_report("cruxeval", "output", [True] * 5, total=800)])
    assert "| 5 of 800 (subset) |" in md and "**100.0**†" in md and "Not comparable" in md


def test_percent_conversion_happens_once():
    r = in_percent(_report("reval", "coverage", [True, False, True, True], metric="accuracy"))
    assert r.metrics["accuracy"] == 75.0 and in_percent(r) is r


def test_compare_shows_deltas_and_flips(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    write_run(a, [_report("cruxeval", "output", [True, False, False, True]),
                  _report("cruxeval", "input", [False, False])])
    write_run(b, [_report("cruxeval", "output", [True, True, True, False])])
    text = compare(a, b)
    assert "| cruxeval/output | pass@1 | 50 | 75 | +25 | 2 | 1 |" in text and "percentage points" in text
    assert "cruxeval/input | (only in the first run)" in text
    assert main(["eval", "compare", str(a), str(b)]) == 0
    assert "+25" in capsys.readouterr().out


def test_markdown_without_paper_columns_still_lists_scores():
    md = markdown([_report("codegen", "humaneval_plus", [True])])
    assert "codegen | humaneval_plus" in md and "Beside the papers" not in md


def test_eval_run_refuses_a_directory_another_run_holds(tmp_path, capsys):
    import subprocess
    import sys

    run_dir = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom codereasoner.outdir import lock\n"
                               f"with lock({str(run_dir)!r}):\n    print('held', flush=True)\n    time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        argv = ["eval", "run", "--benchmark", "cruxeval", "--backend", "openai", "--model", "m",
                "--base-url", "http://127.0.0.1:9/v1", "-o", str(run_dir)]
        assert main(argv) == 2
        assert "in use by another run" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    assert not (run_dir / "generations").exists()  # refused before any work


def test_scores_json_uses_the_same_unit():
    from codereasoner.evaluation.scoring import report_doc

    doc = report_doc(_report("reval", "state", [True, False, True, True], metric="accuracy"))
    assert doc["unit"] == "percent" and doc["accuracy"] == 75.0
    doc = report_doc(_report("cruxeval", "output", [True, False]))
    assert doc["unit"] == "percent" and doc["pass@1"] == 50.0


def test_eval_run_names_a_missing_model_directory(tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    for model in (str(tmp_path / "runs" / "grpo" / "final"), "runs/grpo/final"):
        argv = ["eval", "run", "--benchmark", "cruxeval", "--model", model, "-o", str(tmp_path / "eval")]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "no such checkpoint directory" in err and "Traceback" not in err
    assert not (tmp_path / "eval").exists()  # refused before anything is written
