"""ExecVerify stage II data: code-RL problems from PRIME's Eurus-2-RL-Data, APPS, TACO and CodeContests.

Stage: train. Reads the released files (parquet, JSONL or a JSON list) and writes `codegen` Tasks whose
`question.inputs`/`outputs` (and `fn_name` for call-based problems) are the problem's tests, scored by
`rewards.codegen` with verl's `prime_code` semantics (all tests pass = 1.0, else the rate over the first
ten; + 0.05 when `<answer>…</answer>` is present; docs/scoring.md). Row shapes:

- Eurus-2-RL-Data (verl rows): `prompt` chat messages, `ability` ("code" rows only), `data_source`,
  `reward_model.ground_truth` = JSON text `{"inputs", "outputs", "fn_name"?}`; its earlier layout
  (`task` "Coding", `instruction`, `reference`) is read too;
- APPS (codeparrot/apps) and TACO (BAAI/TACO): `question`, `starter_code`, `solutions` (JSON text list),
  `input_output` (JSON text, same shape as above; rows without tests are skipped);
- CodeContests (deepmind/code_contests): `description`, `public_tests`/`private_tests`/`generated_tests`
  (`{"input": [...], "output": [...]}`), `solutions` (`{"language": [...], "solution": [...]}`; Python 3
  is language 3). stdin/stdout only.

The prompt is ExecVerify's stage-II prompt around the problem text. A row that cannot be read is reported
(file:row and why) in `Loaded.skipped`; the other rows still load.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codereasoner.records import Task
from codereasoner.train.stage2 import STAGE2_PROMPT

FORMATS = ("eurus", "apps", "taco", "codecontests")
PYTHON3 = 3  # CodeContests' Language enum


@dataclass
class Loaded:
    tasks: list[Task] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "file:row: why"


def read_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """(row number, row) from parquet, JSONL or a JSON list; a JSONL line that is not JSON is yielded as an
    Exception so the caller can report it and go on."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for number, row in enumerate(pq.read_table(path).to_pylist(), 1):
            yield number, row
        return
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        yield from enumerate(json.loads(text), 1)
        return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as e:
                yield number, ValueError(f"not valid JSON: {e.msg}")


def detect(row: Mapping[str, Any]) -> str:
    """Which dataset a row comes from, by its fields."""
    if "reward_model" in row or "ability" in row or ("instruction" in row and "reference" in row):
        return "eurus"
    if "public_tests" in row or "private_tests" in row:
        return "codecontests"
    if "input_output" in row:
        return "taco" if "skill_types" in row or "raw_tags" in row else "apps"
    raise ValueError("unknown row shape (expected Eurus-2-RL-Data, APPS, TACO or CodeContests fields)")


def _tests(spec: Any) -> dict[str, Any]:
    if isinstance(spec, str):
        spec = json.loads(spec)
    if not isinstance(spec, Mapping):
        raise ValueError("tests must be a JSON object with inputs and outputs")
    inputs, outputs = spec.get("inputs"), spec.get("outputs")
    if not (isinstance(inputs, list) and isinstance(outputs, list) and inputs and len(inputs) == len(outputs)):
        raise ValueError("tests need equal-length non-empty inputs and outputs")
    out: dict[str, Any] = {"inputs": inputs, "outputs": outputs}
    if spec.get("fn_name"):
        out["fn_name"] = str(spec["fn_name"])
    return out


def _eurus(row: Mapping[str, Any]) -> tuple[str, dict[str, Any], str | None, str] | None:
    if "reward_model" in row:
        if row.get("ability") != "code":
            return None
        messages = row.get("prompt") or []
        users = [m.get("content", "") for m in messages if isinstance(m, Mapping) and m.get("role") == "user"]
        if not users:
            raise ValueError("no user message in prompt")
        return users[-1], _tests((row["reward_model"] or {}).get("ground_truth")), None, str(row.get("data_source", ""))
    if row.get("task") != "Coding":
        return None
    return str(row["instruction"]), _tests(row["reference"]), None, str(row.get("source", ""))


def _apps(row: Mapping[str, Any], name: str) -> tuple[str, dict[str, Any], str | None, str] | None:
    if not row.get("input_output"):
        return None  # APPS/TACO rows without tests
    tests = _tests(row["input_output"])
    problem = str(row["question"])
    if row.get("starter_code"):
        problem += f"\n\nStarter code:\n{row['starter_code']}"
    solutions = row.get("solutions") or "[]"
    solutions = json.loads(solutions) if isinstance(solutions, str) else solutions
    reference = solutions[0] if solutions and isinstance(solutions[0], str) else None
    return problem, tests, reference, name


def _codecontests(row: Mapping[str, Any], splits: tuple[str, ...]) -> tuple[str, dict[str, Any], str | None, str]:
    inputs: list[str] = []
    outputs: list[str] = []
    for split in splits:
        tests = row.get(f"{split}_tests") or {}
        inputs += list(tests.get("input") or [])
        outputs += list(tests.get("output") or [])
    sols = row.get("solutions") or {}
    langs, codes = list(sols.get("language") or []), list(sols.get("solution") or [])
    reference = next((c for lang, c in zip(langs, codes) if lang == PYTHON3), None)
    return str(row["description"]), _tests({"inputs": inputs, "outputs": outputs}), reference, "codecontests"


def load_code_rl(path: str | Path, *, fmt: str | None = None, recipe: str = "execverify",
                 splits: tuple[str, ...] = ("public", "private", "generated"), limit: int | None = None) -> Loaded:
    """`codegen` Tasks from one released file; `fmt` one of FORMATS (detected per row when None);
    `splits`: which CodeContests test lists to use."""
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    loaded = Loaded()
    for number, row in read_rows(path):
        if limit is not None and len(loaded.tasks) >= limit:
            break
        try:
            if isinstance(row, Exception):
                raise row
            if not isinstance(row, Mapping):
                raise ValueError(f"expected an object, got {type(row).__name__}")
            kind = fmt or detect(row)
            got = (_eurus(row) if kind == "eurus" else _codecontests(row, splits) if kind == "codecontests"
                   else _apps(row, kind))
        except (ValueError, KeyError, TypeError) as e:
            loaded.skipped.append(f"{path}:{number}: {type(e).__name__}: {e}")
            continue
        if got is None:
            continue
        problem, tests, reference, source = got
        ident = str(row.get("problem_id", row.get("name", row.get("id", number))))
        question = {**tests, "problem": problem, "source": source}
        loaded.tasks.append(Task(
            id=f"{kind}-{ident}", kind="codegen", code="", call="", question=question, answer=reference,
            prompt=STAGE2_PROMPT.replace("{problem}", problem), recipe=recipe,
            meta={"source": source, "file": str(path), "row": number},
        ))
    return loaded
