"""Every command that takes a model path says clearly when nothing is there (one line, exit 2), never a
hub traceback."""

from __future__ import annotations

import pytest

from codereasoner.cli.main import main


@pytest.mark.parametrize("argv", [
    ["eval", "run", "--benchmark", "cruxeval", "--backend", "hf", "--limit", "1"],
    ["train", "plan"],
])
def test_missing_model_directory(tmp_path, capsys, argv):
    missing = str(tmp_path / "no" / "such" / "model")
    extra = ["-o", str(tmp_path / "out")] if argv[0] == "eval" else []
    assert main([*argv, "--model", missing, *extra]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and missing in err and ("no config.json" in err or "no such checkpoint" in err)


def test_hub_names_are_left_to_the_backend():
    from codereasoner.evaluation.backends.base import check_model

    assert check_model("Qwen/Qwen2.5-Coder-7B-Instruct") == "Qwen/Qwen2.5-Coder-7B-Instruct"
    with pytest.raises(ValueError, match="no config.json"):
        check_model("./runs/sft/final")


def test_eval_run_takes_the_recipes_generation_budget(tmp_path, monkeypatch):
    import codereasoner.evaluation.harness as harness
    import codereasoner.evaluation.report as report
    from codereasoner.evaluation.backends import BACKENDS

    seen = []
    monkeypatch.setattr(BACKENDS, "get", lambda name: (lambda model, **kw: object()))
    monkeypatch.setattr(harness, "evaluate", lambda backend, benchmarks, **kw: seen.append(kw["sampling"]) or [])
    monkeypatch.setattr(report, "write_run", lambda *a, **k: None)
    monkeypatch.setattr(report, "markdown", lambda *a, **k: "")
    base = ["eval", "run", "--benchmark", "cruxeval", "--model", "m", "-o", str(tmp_path / "o")]
    assert main([*base, "--recipe", "execverify"]) == 0
    assert main([*base, "--recipe", "stepcodereasoner"]) == 0
    assert main(base) == 0
    assert main([*base, "--recipe", "execverify", "--max-new-tokens", "64"]) == 0
    assert [s.max_new_tokens for s in seen] == [12288, 4096, 1024, 64]
