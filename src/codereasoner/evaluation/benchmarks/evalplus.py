"""Evaluation: HumanEval+ and MBPP+ scored by evalplus's rules, judged in the parent.

evalplus (read at evalplus/evalplus 26d6d00; the data files are the versions its 0.3.1 release loads)
computes every task's expected outputs by running the reference on each base and plus input, times
each input, and passes a candidate on an input set when every output matches under `rules.EvalPlusOracle`
within `max(MIN_TIME_LIMIT_S, 4 × reference seconds)` per input and a 4 GiB memory limit. "base" is the
base inputs, "plus" base and plus inputs together; the "+" score is plus. Here:

- MBPP+ inputs are rebuilt the way evalplus's `mbpp_deserialize_inputs` does (tuples, sets, complex for
  listed task ids; `_MBPP_INPUTS`), HumanEval+ inputs stay JSON lists;
- the reference runs once, in its own process (never the candidate's), and its outputs and seconds are
  cached under `config.cache_dir()`, keyed by the data file's sha256, the variant and Python's version
  (an atomic write; a half-written cache cannot exist);
- the candidate's process evaluates `entry(*args)` per input and returns the values; the oracle decides here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codereasoner.records import Task
from codereasoner.rewards.judge import Got, Job, run_jobs
from codereasoner.rewards.rules import MBPP_NOT_NONE, EvalPlusOracle
from codereasoner.tasks.answers import literal_source

MIN_TIME_LIMIT_S = 4.0  # evalplus DEFAULT_MIN_TIME_LIMIT since 2025-04 (1.0 in its 0.3.1 release)
TIME_LIMIT_FACTOR = 4.0  # evalplus DEFAULT_GT_TIME_LIMIT_FACTOR
TASK_LIMIT_S = 60.0  # evalplus EVALPLUS_TIMEOUT_PER_TASK: one input set's total, plus 1 s
MEMORY_MB = 4096  # evalplus EVALPLUS_MAX_MEMORY_BYTES default
REFERENCE_TIMEOUT_S = 120.0
RESULT_CHARS = 32_000_000  # a returned value's codec text; larger ones cross as fingerprints (rewards/child_values.py)
CACHE_LAYOUT = "2"  # bump when what the cache holds changes

# evalplus data/mbpp.py `mbpp_deserialize_inputs`: how MBPP+ task numbers rebuild their JSON inputs.
_MBPP_INPUTS: dict[str, frozenset[int]] = {
    "each_arg_tuple": frozenset({2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596,
                                 616, 630, 726, 740, 744, 809}),
    "each_arg_items_tuple": frozenset({63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780}),
    "first_items_tuple": frozenset({75, 413, 444, 753}),
    "second_tuple": frozenset({106, 750}),
    "first_tuple": frozenset({250, 405, 446, 617, 720, 763, 808}),
    "items_tuple_then_args_tuple": frozenset({259, 401, 445}),
    "all_tuple": frozenset({580, 615, 791}),
}


def _deep_tuple(x: Any) -> Any:
    return tuple(_deep_tuple(v) for v in x) if isinstance(x, list) else x


def mbpp_inputs(number: int, inputs: list) -> list:
    """One MBPP+ task's inputs as evalplus deserialises them (argument lists; tuples where it makes them)."""
    rule = next((name for name, ids in _MBPP_INPUTS.items() if number in ids), None)
    if rule == "each_arg_tuple":
        return [[tuple(a) for a in inp] for inp in inputs]
    if rule == "each_arg_items_tuple":
        return [[[tuple(x) for x in a] for a in inp] for inp in inputs]
    if rule == "first_items_tuple":
        return [[[tuple(x) for x in inp[0]], inp[1]] for inp in inputs]
    if rule == "second_tuple":
        return [[inp[0], tuple(inp[1])] for inp in inputs]
    if rule == "first_tuple":
        return [[tuple(inp[0]), inp[1]] for inp in inputs]
    if rule == "items_tuple_then_args_tuple":
        return [[tuple(tuple(x) for x in a) for a in inp] for inp in inputs]
    if rule == "all_tuple":
        return [_deep_tuple(inp) for inp in inputs]
    if number == 115:  # a list of sets; evalplus turns an empty list into {} (a dict), kept as it does
        return [[[set(x) if isinstance(x, list) and x else {} for x in inp[0]]] for inp in inputs]
    if number == 124:
        return [[float(inp[0]), complex(inp[1])] for inp in inputs]
    if number == 252:
        return [[complex(inp[0])] for inp in inputs]
    if number == 278:
        return [[tuple(tuple(x) if isinstance(x, list) else x for x in inp[0])] for inp in inputs]
    if number == 307:
        return [[tuple(inp[0]), inp[1], inp[2]] for inp in inputs]
    if number == 722:
        return [[{k: tuple(v) for k, v in inp[0].items()}, *inp[1:]] for inp in inputs]
    return inputs


@dataclass(frozen=True)
class Reference:
    """Expected outputs (decoded) and the reference's seconds per input, for base and plus inputs."""

    base: list[Any]
    base_s: list[float]
    plus: list[Any]
    plus_s: list[float]
    errors: dict[str, str]  # "base:3" -> why the reference failed on that input


def inputs_of(task: Task, which: str) -> list[list[Any]]:
    """The task's base or plus inputs as call arguments (`question` keeps the file's JSON)."""
    raw = list(task.question.get(f"{which}_input") or [])
    if task.meta.get("variant") == "mbpp_plus":
        raw = mbpp_inputs(int(task.id.split("/")[-1]), raw)
    return [list(a) for a in raw]


def _calls(task: Task, which: str, *, reference: bool) -> tuple[str, ...]:
    ep = task.question["entry_point"]
    # evalplus's expected value for MBPP+'s not-None tasks is "the reference returned something"
    wrap = reference and task.meta.get("variant") == "mbpp_plus" and ep in MBPP_NOT_NONE
    return tuple(f"({ep}(*{literal_source(tuple(a))}) is not None)" if wrap else f"{ep}(*{literal_source(tuple(a))})"
                 for a in inputs_of(task, which))


def cache_path(data_file: Path, variant: str, version: str) -> Path:
    """The cache file for one data file: its sha256, the variant, the benchmark's version, Python's version."""
    from codereasoner.config import cache_dir

    digest = hashlib.sha256(data_file.read_bytes()).hexdigest()[:20]
    py = f"py{sys.version_info.major}.{sys.version_info.minor}"
    return cache_dir() / "evalplus" / f"{variant}-{digest}-b{version}-{py}-v{CACHE_LAYOUT}.json.gz"


def references(tasks: Sequence[Task], executor: Any, cache: Path | None, *, progress: bool = False) -> dict[str, Reference]:
    """Expected outputs per task id: read from `cache`, else computed in separate processes and written."""
    from codereasoner.execution import ExecLimits, values

    raw = _read_cache(cache)
    missing = [t for t in tasks if t.id not in raw]
    if missing:
        jobs = [Job(str(t.answer), calls=_calls(t, w, reference=True), timeout_s=REFERENCE_TIMEOUT_S, resume=True)
                for t in missing for w in ("base", "plus")]
        limits = ExecLimits(timeout_s=REFERENCE_TIMEOUT_S, memory_mb=MEMORY_MB, max_result_bytes=RESULT_CHARS)
        got = run_jobs(executor, jobs, limits=limits, progress=progress)
        for k, t in enumerate(missing):
            base, plus = got[2 * k], got[2 * k + 1]
            raw[t.id] = {w: [[g.ok, values.encode(g.value, 4 * RESULT_CHARS) if g.ok else g.error, g.seconds] for g in gs]
                         for w, gs in (("base", base), ("plus", plus))}
        _write_cache(cache, raw)
    out = {}
    for t in tasks:
        entry = raw[t.id]
        errors = {f"{w}:{i}": str(r[1]) for w in ("base", "plus") for i, r in enumerate(entry[w]) if not r[0]}
        dec = {w: [values.decode(r[1]) if r[0] else None for r in entry[w]] for w in ("base", "plus")}
        out[t.id] = Reference(dec["base"], [r[2] for r in entry["base"]], dec["plus"], [r[2] for r in entry["plus"]],
                              errors)
    return out


def _read_cache(cache: Path | None) -> dict[str, Any]:
    if cache is None or not cache.exists():
        return {}
    try:
        with gzip.open(cache, "rt", encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # unreadable: recompute and replace it


def _write_cache(cache: Path | None, data: dict[str, Any]) -> None:
    """Atomic: a temporary file in the same folder, then a rename."""
    if cache is None:
        return
    import os
    import tempfile
    import warnings

    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=f".{cache.name}.", suffix=".tmp")
    except OSError as e:  # a read-only cache folder costs time on the next run, never the scores
        warnings.warn(f"cannot write the reference cache {cache}: {e}", stacklevel=2)
        return
    try:
        with os.fdopen(fd, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, cache)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def timed_tests(tasks: Sequence[Task], executor: Any, cache: Path | None) -> list[Task]:
    """Assert-style tasks with evalplus's time rule on each test call: the reference runs the same calls
    once (cached like the outputs), and each call may take max(MIN_TIME_LIMIT_S, 4 × its seconds)
    (`question.limits_s`). A reference that fails a call leaves that call at the floor."""
    import dataclasses

    from codereasoner.rewards.codetests import plan_for, record_references

    record_references(tasks, executor)
    seconds = _read_cache(cache)
    missing = [t for t in tasks if t.id not in seconds and isinstance(t.answer, str)]
    if missing:
        jobs = [dataclasses.replace(plan_for(t, t.answer).jobs[0], timeout_s=REFERENCE_TIMEOUT_S) for t in missing]
        for t, got in zip(missing, run_jobs(executor, jobs)):
            seconds[t.id] = [g.seconds if g.ok else 0.0 for g in got]
        _write_cache(cache, seconds)
    out = []
    for t in tasks:
        limits = list(limits_for(seconds.get(t.id, [])))
        out.append(dataclasses.replace(t, question={**t.question, "limits_s": limits}) if limits else t)
    return out


def limits_for(seconds: Sequence[float]) -> tuple[float, ...]:
    return tuple(max(MIN_TIME_LIMIT_S, TIME_LIMIT_FACTOR * s) for s in seconds)


def candidate_job(task: Task, code: str, ref: Reference, which: str) -> Job:
    """The candidate's job for one input set: its calls, each under evalplus's per-input limit."""
    limits = limits_for(ref.base_s if which == "base" else ref.plus_s)
    return Job(code, calls=_calls(task, which, reference=False), timeout_s=max(limits, default=MIN_TIME_LIMIT_S),
               limits_s=limits)


def passes(task: Task, ref: Reference, which: str, got: Sequence[Got]) -> tuple[bool, str]:
    """evalplus's verdict on one input set: every input right, in order, within the set's total limit."""
    dataset = "humaneval" if task.meta.get("variant") == "humaneval_plus" else "mbpp"
    oracle = EvalPlusOracle(dataset, task.question["entry_point"], float(task.question.get("atol") or 0))
    expected = ref.base if which == "base" else ref.plus
    inputs = inputs_of(task, which)
    for i, (inp, exp, g) in enumerate(zip(inputs, expected, got)):
        if f"{which}:{i}" in ref.errors:
            return False, f"{which} input {i}: the reference itself fails ({ref.errors[f'{which}:{i}'][:100]})"
        if not g.ok:
            return False, f"{which} input {i}: {g.error[:200]}"
        if not oracle(inp, g.value, exp):
            return False, f"{which} input {i}: wrong output"
    total = sum(g.seconds for g in got)
    if total > set_limit(ref.base_s if which == "base" else ref.plus_s):
        return False, f"{which}: {total:.1f} s in total, over the input set's limit"
    return True, ""


def set_limit(seconds: Sequence[float]) -> float:
    """evalplus's limit for one input set, min(60 s, sum of per-input limits) + 1 s — raised to 4 × the
    reference's own total where that is more (a machine on which the reference needs over 15 s would
    otherwise fail the reference itself: Mbpp/599 takes 40-160 s here)."""
    return max(min(TASK_LIMIT_S, sum(limits_for(seconds))), TIME_LIMIT_FACTOR * sum(seconds)) + 1


def judge(tasks: Sequence[Task], codes: Sequence[str], refs: dict[str, Reference],
          executor: Any, *, progress: bool = False) -> list[tuple[bool, bool, str]]:
    """(base passed, plus passed, detail) per (task, code): base inputs first; plus only where base passed."""
    from codereasoner.execution import ExecLimits

    limits = ExecLimits(timeout_s=60.0, memory_mb=MEMORY_MB, max_result_bytes=RESULT_CHARS)
    base = run_jobs(executor, [candidate_job(t, c, refs[t.id], "base") for t, c in zip(tasks, codes)],
                    limits=limits, progress=progress)
    verdicts = [passes(t, refs[t.id], "base", g) for t, g in zip(tasks, base)]
    todo = [i for i, (ok, _) in enumerate(verdicts) if ok]
    plus = run_jobs(executor, [candidate_job(tasks[i], codes[i], refs[tasks[i].id], "plus") for i in todo],
                    limits=limits, progress=progress)
    out = [(ok, False, detail) for ok, detail in verdicts]
    for i, got in zip(todo, plus):
        ok, detail = passes(tasks[i], refs[tasks[i].id], "plus", got)
        out[i] = (True, ok, detail)
    return out
