"""Tasks stage (data build): draw a recipe's programs, deterministically, then dedupe and decontaminate.

Programs come from the recipe's sources (`PROGRAM_SOURCES`), one stream per (source, level), each with its
own rng derived from the seed, interleaved so program i always comes from the same stream and position (a
level listed twice in `data.levels` is drawn twice as often).
Then: extra mutated inputs (`data.inputs_per_program`), exact-duplicate removal, and n-gram decontamination
against CRUXEval plus any `data.benchmark_files` (StepCodeReasoner §4.2 uses 10-grams).
"""

from __future__ import annotations

import dataclasses
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from codereasoner.config import benchmarks_root, from_dict
from codereasoner.records import Program
from codereasoner.tasks.config import DataConfig

CRUXEVAL = Path("cruxeval") / "cruxeval.jsonl"


def draw_programs(data: DataConfig, n: int, seed: int) -> tuple[list[Program], dict[str, Any]]:
    """(programs kept for the engine, counts and notes): n drawn, then inputs added, deduped, decontaminated."""
    from codereasoner.programs import PROGRAM_SOURCES

    slots = [(name, level) for name in data.sources
             for level in (_schedule(data.levels) if _has_levels(PROGRAM_SOURCES.get(name)) else (None,))]
    made = {slot: _stream(*slot, data, seed) for slot in dict.fromkeys(slots)}  # one stream per level
    streams = {slot: stream for slot, (_, stream) in made.items()}
    drawn: list[Program] = []
    for i in range(n):
        try:
            program = next(streams[slots[i % len(slots)]])
        except StopIteration:  # a finite source (corpus) ran out
            continue
        name, level = slots[i % len(slots)]
        meta = {**program.meta, "source_id": program.id}
        drawn.append(dataclasses.replace(program, id=f"{name}-{seed}-{i:06d}", source=program.source or name,
                                         difficulty=program.difficulty or (level or 0), meta=meta))
    programs = _with_inputs(drawn, data, seed)
    unique = _dedupe(programs)
    clean, decontam = _decontaminate(unique, data)
    counts = {"drawn": len(drawn), "with_inputs": len(programs), "duplicates": len(programs) - len(unique),
              "contaminated": len(unique) - len(clean), "to_engine": len(clean)}
    return clean, {**counts, "decontamination": decontam, "sources": _source_notes(made, drawn)}


def _source_notes(made: dict[tuple[str, int | None], tuple[Any, Any]], drawn: list[Program]) -> dict[str, Any]:
    """Per source: programs drawn, its own counters (e.g. the LLM's unparsable answers, the corpus's
    extraction drops) and its licence when it declares one; for the dataset card."""
    notes: dict[str, dict[str, Any]] = {}
    for (name, _), (source, _) in made.items():
        note = notes.setdefault(name, {"drawn": 0, "stats": {}})
        for key, value in sorted(getattr(source, "stats", {}).items()):
            note["stats"][key] = note["stats"].get(key, 0) + value
        if getattr(source, "licence", None):
            note["licence"] = source.licence
    for p in drawn:
        name = p.id.split("-", 1)[0]
        if name in notes:
            notes[name]["drawn"] += 1
    return notes


def _schedule(levels: tuple[int, ...]) -> list[int]:
    """A level listed k times is drawn k times as often; each level once first, so a small n sees them all:
    (1, 2, 3, 3, 4, 4, 5, 5, 6) -> [1, 2, 3, 4, 5, 6, 3, 4, 5]."""
    counts = Counter(levels)
    return [lv for r in range(max(counts.values())) for lv in dict.fromkeys(levels) if counts[lv] > r]


def _has_levels(cls: Any) -> bool:
    return hasattr(getattr(cls, "Config", None), "at_level")


def _stream(name: str, level: int | None, data: DataConfig, seed: int) -> tuple[Any, Any]:
    from codereasoner.programs import PROGRAM_SOURCES

    cls = PROGRAM_SOURCES.get(name)
    options = dict(data.source_config.get(name, {}))
    where = f"data.source_config.{name}"
    checked = from_dict(cls.Config, options, where)  # rejects unknown knobs with the closest name
    if level is not None:
        config = dataclasses.replace(cls.Config.at_level(level), **{k: getattr(checked, k) for k in options})
    else:
        config = checked
        fields = {f.name for f in dataclasses.fields(config)}
        wanted = tuple(lv for lv in data.levels if lv >= 1)
        if "levels" in fields and "levels" not in options and wanted:  # e.g. the LLM's ExecVerify configs
            config = dataclasses.replace(config, levels=wanted)
    source = cls(config)
    # A string seed is hashed with SHA-512 by random.Random: stable across runs and machines.
    return source, iter(source.programs(random.Random(f"{seed}:{name}:{level}")))


def _with_inputs(programs: list[Program], data: DataConfig, seed: int) -> list[Program]:
    """Each program plus up to inputs_per_program - 1 mutations of its call's literal arguments."""
    if data.inputs_per_program <= 1:
        return programs
    from codereasoner.programs.inputs import mutate_call

    out = []
    for p in programs:
        out.append(p)
        calls = mutate_call(p.call, data.inputs_per_program - 1, random.Random(f"{seed}:{p.id}:inputs"))
        out += [dataclasses.replace(p, id=f"{p.id}-i{j}", call=c) for j, c in enumerate(calls, 1)]
    return out


def _dedupe(programs: list[Program]) -> list[Program]:
    """First occurrence of each (normalized function, call): renamed or reformatted copies are not new."""
    from codereasoner.programs import normalized_key

    keys: dict[str, str] = {}  # code → key: sources emit several calls per function
    seen: set[tuple[str, str]] = set()
    out = []
    for p in programs:
        if p.code not in keys:
            keys[p.code] = normalized_key(p.code)
        key = (keys[p.code], " ".join(p.call.split()))  # as programs.dedupe(with_call=True) keys them
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def benchmark_texts(data: DataConfig) -> tuple[list[str], list[str], list[str]]:
    """(code texts, files used, files missing) for decontamination: CRUXEval + data.benchmark_files."""
    from codereasoner.programs.decontam import load_texts

    crux = find_benchmark(CRUXEVAL)
    files = ([crux] if crux else []) + [Path(f) for f in data.benchmark_files]
    for path in files:
        if not path.is_file():
            raise ValueError(f"data.benchmark_files: {path} does not exist")
    # Names only in the record: the card must not depend on where the files live.
    return load_texts(files), [p.name for p in files], [] if crux else [str(CRUXEVAL)]


def find_benchmark(relative: Path) -> Path | None:
    """A benchmark file under `config.benchmarks_root()`, or None when it is not there."""
    path = benchmarks_root() / relative
    return path if path.is_file() else None


def _decontaminate(programs: list[Program], data: DataConfig) -> tuple[list[Program], dict[str, Any]]:
    if not data.decontaminate:
        return programs, {"applied": False, "reason": "data.decontaminate is false", "removed": 0}
    from codereasoner.programs.decontam import NgramFilter

    texts, used, missing = benchmark_texts(data)
    if missing:
        print(f"codereasoner: warning: decontamination could not find {', '.join(missing)} "
              "(set CODEREASONER_BENCHMARKS to the folder holding cruxeval/)", file=sys.stderr)
    if not texts:
        return programs, {"applied": False, "reason": f"no benchmark text found ({', '.join(missing)})",
                          "removed": 0}
    check = NgramFilter(texts, n=data.ngram)
    verdicts: dict[str, bool] = {}  # code → contaminated (several calls share one function)
    for p in programs:
        if p.code not in verdicts:
            verdicts[p.code] = check.is_contaminated(p.code)
    clean = [p for p in programs if not verdicts[p.code]]
    return clean, {"applied": True, "ngram": data.ngram, "files": used, "missing": missing,
                   "removed": len(programs) - len(clean)}


def read_programs(programs_file: Path) -> list[Program]:
    """The kept programs a build wrote (programs.jsonl)."""
    from codereasoner.jsonl import read_records

    return [p for p in read_records(programs_file, Program) if isinstance(p, Program)]
