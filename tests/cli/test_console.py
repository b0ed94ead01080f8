"""What a person sees on stderr: the engine's start-up line stands on its own line, never inside a progress bar."""

from __future__ import annotations

import re
import subprocess
import sys


def test_isolation_line_is_not_written_into_a_progress_bar(tmp_path):
    done = subprocess.run([sys.executable, "-m", "codereasoner", "data", "build", "--recipe", "tiny", "--n", "20",
                           "-o", str(tmp_path / "d")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    segments = re.split(r"[\r\n]", done.stderr)  # what a terminal shows: each \r returns to the line's start
    (line,) = [s for s in segments if "codereasoner: isolation" in s]
    assert line.startswith("codereasoner: isolation"), repr(line)
    assert any("programs:" in s for s in segments)  # the bar was showing
