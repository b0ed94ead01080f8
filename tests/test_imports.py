"""Layering is checked, not aspirational: import-linter's contract, and no torch on core import or --help."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "transformers", "trl", "vllm", "datasets")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_import_loads_no_torch():
    core = (
        "import codereasoner, codereasoner.execution, codereasoner.programs, codereasoner.tasks, "
        "codereasoner.rewards, codereasoner.rationale, codereasoner.evaluation"
    )
    assert _loaded_after(core) == set()


def test_cli_help_loads_no_torch():
    code = (
        "from codereasoner.cli.main import build_parser\n"
        "p = build_parser()\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        p.parse_args(['--help'])\n"
        "    except SystemExit:\n"
        "        pass"
    )
    assert _loaded_after(code) == set()


def test_import_layers_contract_holds():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(["lint-imports"], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
