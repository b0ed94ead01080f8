"""The `codereasoner` command as users run it: a real subprocess per contract, nothing imported in-process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codereasoner.cli.main import COMMANDS, build_parser


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codereasoner", *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_every_subcommand_is_registered_and_has_help_with_an_example():
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices  # argparse keeps them here
    assert len(subcommands) == len(COMMANDS)
    for name, sub in subcommands.items():
        assert sub.format_help().strip(), name
        assert "example" in (sub.epilog or "").lower(), f"`codereasoner {name} --help` shows no example"


def test_no_command_prints_help_and_exits_2():
    out = _run()
    assert out.returncode == 2 and "usage: codereasoner" in out.stderr


def test_exec_reads_stdin_and_writes_the_contract_fields():
    rows = [
        {"id": "a", "code": "def f(x):\n    return x * 2", "call": "f(21)"},
        {"id": "b", "code": "def f(:", "call": "f()"},
    ]
    out = _run("exec", "-", stdin="".join(json.dumps(r) + "\n" for r in rows))
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in results] == ["a", "b"]
    assert results[0] == {"id": "a", "status": "ok", "result": "42", "error": None, "stdout": ""}
    assert results[1]["status"] == "invalid" and "SyntaxError" in results[1]["error"]


def test_list_recipes_names_the_three_papers_and_tiny():
    out = _run("list", "recipes")
    assert out.returncode == 0
    assert {"codereasoner", "execverify", "stepcodereasoner", "tiny"} <= set(out.stdout.split())


@pytest.mark.parametrize("what", ["task-kinds", "sources", "rewards", "benchmarks", "backends"])
def test_list_registries_are_populated(what):
    out = _run("list", what)
    assert out.returncode == 0 and out.stdout.split(), out.stderr


def test_unknown_recipe_is_a_usage_error_with_a_suggestion(tmp_path):
    out = _run("data", "build", "--recipe", "execverfy", "--n", "5", "--seed", "0", "-o", str(tmp_path / "d"))
    assert out.returncode == 2
    assert "execverify" in out.stderr
