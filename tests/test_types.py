"""The type checker on src/ (settings in pyproject.toml, [tool.mypy]; mypy pinned in the `dev` extra).

Part of the default run, so a change that breaks the declared types fails where every other test fails.
mypy runs in a process of its own (it raises the recursion limit and keeps ~2 GB while it checks). Its cache
lives in .mypy_cache under the repository (ignored by git): cold, the check costs about a minute of CPU on
this project; a rerun checks only what changed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_src_type_checks():
    done = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                           "--cache-dir", str(ROOT / ".mypy_cache"), str(ROOT / "src" / "codereasoner")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout, done.stdout
