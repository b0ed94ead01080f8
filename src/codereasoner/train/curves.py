"""Training curves: read the step logs `runner.log_callback` and the validation callbacks write, one point per step.

Stage: train. A log is JSONL, one row per TRL log event, each with its optimizer `step`. The same step can
appear more than once: a resumed run logs again the steps after its last checkpoint, and TRL's end-of-training
summary shares the last step with its final loss row. So rows are merged per step, and for each key the row
written last wins: a resumed run's values replace the killed run's, and no key is lost to a row without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a step log, one per step in step order (see the module docstring); [] when there is none."""
    p = Path(path)
    if not p.is_file():
        return []
    steps: dict[int, dict[str, Any]] = {}
    lines = p.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):
                break  # a torn last line: the run was killed mid-write
            raise ValueError(f"{p}:{number}: not valid JSON") from None
        steps.setdefault(int(row.get("step", 0)), {}).update(row)
    return [steps[k] for k in sorted(steps)]


def series(rows: Sequence[Mapping[str, Any]], key: str, offset: int = 0) -> tuple[list[int], list[float]]:
    """(steps, values) of `key` over the rows that have it, steps shifted by `offset`."""
    pts = [(int(r["step"]) + offset, float(r[key])) for r in rows if key in r]
    return [p[0] for p in pts], [p[1] for p in pts]
