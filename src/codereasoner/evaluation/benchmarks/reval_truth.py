"""Evaluation: REval's ground truth, computed here by tracing every (program, input) pair, and the official
checks that must execute answers — all in the engine's untrusted sandbox (benchmark programs and model
answers are outside parties' code), with read-only access to installed packages (numpy, gensim, bs4 …).

Reads `DREval_data.jsonl` + `DREval_tasks.jsonl` rows; writes per pair
`{"input_idx", "atoms": [{"lineno", "var", "coverage", "next_lines", "state"}], "skipped"}` where `state` is
None (REval's Nil) or `[{"repr", "type", "value"}]` (`value`: the literal projection, decoded by the
engine's type-exact codec; anything else is an `Opaque` that equals nothing) and `skipped` says why a pair
has no truth here (a package that is not installed, a program that fails under this environment). The
probe that runs in the sandbox is reval_probe.py. Truth is cached per data, probe and environment under
`$CODEREASONER_CACHE/reval` (default `$XDG_CACHE_HOME/codereasoner/reval`, `~/.cache/...`): tracing all 690 pairs takes a while.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from codereasoner.records import JSON

PROBE = Path(__file__).with_name("reval_probe.py")
TRACE_TIMEOUT_S = 120.0  # REval's Sandbox(timeout=120)
CHECK_TIMEOUT_S = 60.0  # per part of a check job: loading (and tracing) the pair, then each answer (REval: none)
RESULT_BYTES = 64_000_000  # the largest pair (DREval/93) returns ~5 MB of state values
PACKAGES = ("numpy", "pandas", "gensim", "bs4", "dateutil", "lxml", "nltk")  # what DREval programs import


_MEMO: dict[Path, list[dict[str, JSON]]] = {}  # this process's truths: each kind's load reuses them


@cache
def probe_source() -> str:
    return PROBE.read_text(encoding="utf-8")


def call(function: str, *args: JSON) -> str:
    """`function(arg, ...)` with each argument as a Python literal (repr of JSON data: strings, ints, lists,
    dicts, bools, None), so answers and programs reach the probe as data, never as code."""
    return f"{function}({', '.join(repr(a) for a in args)})"


def pair_spec(program: dict, input_idx: int, atoms: Sequence[tuple[int, str]] = ()) -> dict[str, JSON]:
    """What the probe needs to load one (program, input) pair as REval does."""
    idx = int(str(program["task_id"]).split("/")[1])
    return {"code": program["code"], "entry": program["entry_point"], "humaneval": idx <= 84,
            "input": program["inputs"][input_idx], "test": program.get("test") or "", "input_idx": input_idx,
            "atoms": [list(a) for a in atoms]}


def limits() -> Any:
    from codereasoner.execution import ExecLimits

    return ExecLimits(timeout_s=TRACE_TIMEOUT_S, memory_mb=2048, max_result_bytes=RESULT_BYTES)


def _environment() -> dict[str, str]:
    """Python and the versions of the packages DREval programs import: traces depend on them."""
    from importlib import metadata

    env = {"python": sys.version.split()[0]}
    for name in ("numpy", "pandas", "gensim", "beautifulsoup4", "python-dateutil", "lxml", "nltk"):
        try:
            env[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            env[name] = "absent"
    return env


def cache_dir() -> Path:
    from codereasoner.config import cache_dir as root

    return root() / "reval"


def skip_reason(error: str | None) -> str:
    """Why a pair cannot be traced here, in words a user can act on."""
    error = error or "no result"
    if error.startswith("ModuleNotFoundError: No module named "):
        module = error.split("named ", 1)[1].strip("'\"").split(".")[0]
        return (f"needs the {module!r} package, which is not installed here "
                "(pip install 'codereasoner[eval]' installs what DREval programs import)")
    hint = " (REval's data needs numpy < 2)" if "NumPy 2" in error else ""
    return f"the program fails under this environment: {error}{hint}"


def compute_truth(programs: Sequence[dict], specs: Sequence[dict], executor: Any = None,
                  progress: bool = True) -> dict[str, list[dict[str, JSON]]]:
    """Per program id, per asked input, the traced truth (see the module docstring); cached on disk."""
    from codereasoner.records import CallJob

    by_id = {p["task_id"]: p for p in programs}
    jobs, keys = [], []
    for spec in specs:
        program = by_id[spec["task_id"]]
        for pair in spec["tasks"]:
            asked = [(a["lineno"], a["var"]) for a in pair["task"]]
            job_spec = pair_spec(program, pair["input_idx"], asked)
            jobs.append(CallJob(f"{spec['task_id']}/{pair['input_idx']}", probe_source(),
                                (call("_reval_truth", job_spec),), timeout_s=TRACE_TIMEOUT_S, packages=True))
            keys.append((spec["task_id"], pair["input_idx"]))
    digest = hashlib.sha256(json.dumps([[j.id, j.calls] for j in jobs], ensure_ascii=True).encode())
    digest.update(json.dumps(_environment(), sort_keys=True).encode())
    digest.update(probe_source().encode())
    path = cache_dir() / f"truth-{digest.hexdigest()[:24]}.json"
    raw = _MEMO.get(path) or _read_cache(path)
    final = True
    if raw is None:
        raw, final = _run(jobs, executor, progress)
        if final:
            _write_cache(path, raw)
    if final:
        _MEMO[path] = raw
    from codereasoner.execution.values import decode, encode

    out: dict[str, list[dict[str, JSON]]] = {}
    for (tid, input_idx), item in zip(keys, raw):
        atoms: list[Any] = []
        if item.get("value") is not None:
            atoms = decode(item["value"], 4 * RESULT_BYTES)["atoms"]  # type: ignore[index]
            for atom in atoms:  # values stay in the codec's JSON form: tasks hold JSON only
                for value in atom["state"] or ():
                    value["value"] = encode(value["value"], RESULT_BYTES)
        out.setdefault(tid, []).append({"input_idx": input_idx, "skipped": item.get("skipped"), "atoms": atoms})
    return out


_TRANSIENT = ("timeout", "crashed", "memory_exceeded")  # may pass on a quieter machine: retried, never cached


def _run(jobs: Sequence[Any], executor: Any, progress: bool) -> tuple[list[dict[str, JSON]], bool]:
    """(per job {"value"} or {"skipped"}, whether every result is final and may be cached)."""
    from codereasoner.records import RunStatus

    if executor is None:
        from codereasoner.execution import default_executor

        executor = default_executor()
    if progress:
        print(f"reval: tracing {len(jobs)} (program, input) pairs for the ground truth "
              f"(cached in {cache_dir()})", file=sys.stderr)
    out: list[dict[str, JSON]] = [{} for _ in jobs]
    todo = list(range(len(jobs)))
    final = True
    for attempt in range(2):
        runs = executor.run_calls([jobs[i] for i in todo], limits=limits(), progress=progress and attempt == 0)
        again = []
        for i, run in zip(todo, runs):
            result = run.results[0] if run.results else None
            if run.status is RunStatus.OK and result is not None and result.status is RunStatus.OK:
                out[i] = {"value": result.value}
                continue
            status = (result.status if result is not None else run.status).value
            out[i] = {"skipped": skip_reason((result.error if result else None) or run.error)}
            if status in _TRANSIENT:
                again.append(i)
        todo = again
        if not todo:
            break
    else:
        final = False
    return out, final


def _read_cache(path: Path) -> list[dict[str, JSON]] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, list) else None


def _write_cache(path: Path, raw: list[dict[str, JSON]]) -> None:
    from codereasoner.jsonl import write_atomic

    try:
        write_atomic(path, json.dumps(raw, ensure_ascii=True))
    except OSError as e:  # a read-only home: recompute next time, say so once
        print(f"reval: cannot cache the ground truth at {path} ({e})", file=sys.stderr)
