"""Stage 2 (programs): corpus ingestion with CodeReasoner's "core execution logic" extraction.

CodeReasoner builds its data around "the core execution logic of Python programs" (docs/data.md: no I/O,
no boilerplate, deterministic, literal inputs). This source reads functions from .py files (folders
recursively), JSONL rows (field `code`, optional `call`/`input`), the standard library (`stdlib`, PSF
licence) or a Hugging Face dataset (`hf:NAME`). Each top-level function (transforms in core_logic.py) is
kept only if it is self-contained (its free names are builtins, other kept functions of the same file,
literal module constants or whitelisted pure modules) and deterministic (no random/time/OS/network
modules, no open/input/eval/exec/id/hash...); docstrings, print/logging/warnings calls, annotations and
dead code are stripped, and the entry is renamed `f`. Calls come from the corpus (module-level calls,
asserts and prints, doctest `>>>` lines, the row's `call`/`input`) and from `inputs.py`: mutations of found
calls, and calls generated from each parameter's type (`param_types.py`). Everything here is `ast`; nothing
runs in-process. With an `executor`, `programs()` keeps only what runs `ok` and returns a literal
(`checks.verify_programs`); otherwise the pipeline does that.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codereasoner.programs import PROGRAM_SOURCES
from codereasoner.programs.base import ProgramSource
from codereasoner.programs.core_logic import closure, is_literal, rename, returns_value, strip
from codereasoner.programs.inputs import PAPER, SMALL, generate_calls, mutate_call, parse_call_args
from codereasoner.programs.param_types import annotation_or_name_tag, usage_tags
from codereasoner.records import Program

_DOCTEST = re.compile(r"^\s*>>>\s*(.+)$", re.MULTILINE)
STDLIB = "stdlib"  # a `paths` entry: the running Python's standard library (PSF licence), or "stdlib:json,textwrap"
HF_PREFIX = "hf:"  # a `paths` entry: a Hugging Face dataset of code, "hf:NAME[:SPLIT]" (a hub name or a local copy)
# Standard-library parts that are tests, tools, GUIs or platform glue rather than library code.
_STDLIB_SKIP = frozenset({"site-packages", "dist-packages", "test", "tests", "idlelib", "tkinter", "turtledemo",
                          "lib2to3", "ensurepip", "distutils", "venv", "pydoc_data", "__pycache__", "msilib",
                          "__phello__", "turtle.py", "this.py", "antigravity.py"})



@dataclass(frozen=True)
class CorpusConfig:
    paths: tuple[str, ...] = field(default=(STDLIB,), metadata={
        "help": ".py files, directories, .jsonl files (field `code`), 'stdlib' (the standard library), "
                "'stdlib:json,textwrap' (some of its modules) or 'hf:NAME[:SPLIT]' (a Hugging Face dataset)"})
    field_name: str = field(default="code", metadata={"help": "JSONL field holding the code"})
    calls_per_function: int = field(default=3, metadata={"help": "distinct calls wanted per function"})
    max_lines: int = field(default=40, metadata={"help": "skip functions longer than this after stripping"})
    scale: str = field(default="paper", metadata={"help": "value recipe for generated inputs: paper or small"})
    licence: str = field(default="", metadata={
        "help": "SPDX id of the corpus's licence for the dataset card (empty: psf-2.0 for the standard library, "
                "else unknown)"})

    def __post_init__(self) -> None:
        if not self.paths:
            raise ValueError("CorpusConfig.paths is empty: name .py files, folders, .jsonl files, 'stdlib' or "
                             "'hf:NAME'")
        if self.calls_per_function < 1 or self.max_lines < 1:
            raise ValueError("CorpusConfig.calls_per_function and max_lines must be >= 1")
        if self.scale not in ("paper", "small"):
            raise ValueError(f"CorpusConfig.scale must be 'paper' or 'small', got {self.scale!r}")


@dataclass(frozen=True)
class Extracted:
    """One function's core logic plus the literal calls found for it in the corpus."""

    name: str  # its original name
    code: str  # stripped source, entry renamed `f` (dependencies keep their names)
    params: tuple[tuple[str, str | None], ...]  # (name, type tag or None)
    calls: tuple[str, ...]  # `f(...)` with literal arguments
    origin: str


# ---- calls ----------------------------------------------------------------------------------------------
def _literal_call(node: ast.AST, name: str) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name and not node.keywords:
        call = "f(" + ", ".join(ast.unparse(a) for a in node.args) + ")"
        return call if parse_call_args(call) is not None else None
    return None


def _corpus_calls(tree: ast.Module, text: str) -> dict[str, list[str]]:
    """Literal calls by function name, from the module (asserts, prints, any call) and its doctests:
    one walk of the file, whatever the number of functions."""
    found: dict[str, list[str]] = {}

    def add(node: ast.AST) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            call = _literal_call(node, node.func.id)
            if call and call not in found.setdefault(node.func.id, []):
                found[node.func.id].append(call)

    for node in ast.walk(tree):
        add(node)
    for m in _DOCTEST.finditer(text):
        try:
            add(ast.parse(m.group(1).strip(), mode="eval").body)
        except (SyntaxError, ValueError, RecursionError):
            continue
    return found


# ---- extraction -----------------------------------------------------------------------------------------
def extract_functions(text: str, origin: str = "", extra_calls: dict[str, list[str]] | None = None,
                      max_lines: int = 40) -> tuple[list[Extracted], dict[str, int]]:
    """The core-logic functions of one source text, and counts of why the others were dropped."""
    dropped: dict[str, int] = {}

    def drop(reason: str) -> None:
        dropped[reason] = dropped.get(reason, 0) + 1

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        drop("syntax")
        return [], dropped
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    constants = {t.id: n for n in tree.body if isinstance(n, ast.Assign) and len(n.targets) == 1
                 and isinstance((t := n.targets[0]), ast.Name) and is_literal(n.value)}
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    imported = {(a.asname or a.name).split(".")[0]: n for n in imports for a in n.names}
    # Judge what is left after stripping I/O; stripping a second parse in place is much cheaper than copying.
    fresh = {n.name: n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}
    stripped = {n: strip(fn, in_place=True) for n, fn in fresh.items()}
    file_calls = _corpus_calls(tree, text)
    out = []
    for name, fn in funcs.items():
        if not fn.args.args and not fn.args.posonlyargs:
            drop("no parameters")
            continue
        if fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs:
            drop("varargs")
            continue
        deps, consts, mods, reason = closure(name, stripped, constants, imported)
        if reason:
            drop(reason.split(" ")[0] if not reason.startswith("free") else "not self-contained")
            continue
        if "f" in deps or "f" in consts:
            drop("name clash")
            continue
        inferred = usage_tags(stripped[name])
        params = tuple((a.arg, annotation_or_name_tag(a) or inferred.get(a.arg))
                       for a in [*fn.args.posonlyargs, *fn.args.args])
        parts = [ast.unparse(m) for m in mods] + [ast.unparse(constants[c]) for c in consts]
        for dep in reversed(deps):  # a helper that calls the entry back must call it by its new name
            parts.append(ast.unparse(rename(copy.deepcopy(stripped[dep]), name, "f", define=False)))
        main = rename(copy.deepcopy(stripped[name]), name, "f")
        parts.append(ast.unparse(main))
        code = "\n\n".join(parts)
        if len(code.splitlines()) > max_lines:
            drop("too long")
            continue
        if not returns_value(main):
            drop("returns nothing")
            continue
        calls = file_calls.get(name, []) + [c for c in (extra_calls or {}).get(name, [])]
        out.append(Extracted(name=name, code=code, params=params, calls=tuple(dict.fromkeys(calls)),
                             origin=f"{origin}:{fn.lineno}"))
    return out, dropped


def stdlib_root() -> Path:
    import sysconfig

    return Path(sysconfig.get_paths()["stdlib"])


def stdlib_files(modules: Sequence[str] = ()) -> list[Path]:
    """The standard library's .py files (all library code, or only the named modules/packages)."""
    root = stdlib_root()
    if modules:
        out: list[Path] = []
        for name in modules:
            base = root / name.replace(".", "/")
            if base.with_suffix(".py").is_file():
                out.append(base.with_suffix(".py"))
            elif base.is_dir():
                out += sorted(base.rglob("*.py"))
            else:
                raise ValueError(f"data.source_config.corpus.paths: no standard-library module {name!r} in {root}")
        return out
    return [p for p in sorted(root.rglob("*.py"))
            if not _STDLIB_SKIP & set(p.relative_to(root).parts) and not p.name.startswith("config-")]


def is_stdlib(entry: str) -> bool:
    return entry == STDLIB or entry.startswith(STDLIB + ":")


def _row_source(row: Any, field_name: str, where: str) -> tuple[str, str, dict[str, list[str]]] | None:
    """(code, origin, calls by function name) of one JSONL/dataset row; None when it holds no code."""
    if not isinstance(row, dict) or not isinstance(row.get(field_name), str):
        return None
    code: str = row[field_name]
    extra: dict[str, list[str]] = {}
    try:
        names = [n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)]
    except (SyntaxError, ValueError, RecursionError):
        names = []
    entry = row.get("entry_point") or row.get("function_name") or (names[-1] if names else None)
    if isinstance(entry, str) and entry:
        if isinstance(row.get("call"), str):
            extra.setdefault(entry, []).append(row["call"].replace(entry + "(", "f(", 1))
        if isinstance(row.get("input"), str):
            extra.setdefault(entry, []).append(f"f({row['input']})")
    return code, where, extra


def _hf_rows(spec: str) -> Iterator[tuple[str, Any]]:
    """Rows of a Hugging Face dataset: "hf:NAME[:SPLIT]"; NAME may be a folder saved with `save_to_disk`.
    `datasets` is imported only here (an optional dependency)."""
    name, _, split = spec[len(HF_PREFIX):].partition(":")
    try:
        import datasets
    except ImportError as exc:
        raise ValueError(f"data.source_config.corpus.paths: {spec} needs the `datasets` package "
                         "(pip install datasets)") from exc
    local = Path(name)
    if local.is_dir() and any((local / f).exists() for f in ("state.json", "dataset_dict.json")):
        data = datasets.load_from_disk(name)
        if isinstance(data, datasets.DatasetDict):
            data = data[split or next(iter(data))]
    else:
        data = datasets.load_dataset(name, split=split or "train")
    for i, row in enumerate(data):
        yield f"{name}:{i}", row


def read_sources(path: Path | str, field_name: str = "code", *, stats: dict[str, int] | None = None,
                 label: str | None = None) -> Iterator[tuple[str, str, dict[str, list[str]]]]:
    """(text, origin, calls by function name) for each .py file or JSONL/dataset row of a `paths` entry.

    Origins are relative (`stdlib/json/decoder.py`, `<folder>/<file>`): the data must not depend on where a
    corpus lives. A malformed JSONL line is counted in `stats["bad_row"]` and skipped, never fatal.
    """
    stats = stats if stats is not None else {}
    entry = str(path)
    if is_stdlib(entry):
        modules = [m for m in entry.partition(":")[2].split(",") if m]
        root = stdlib_root()
        for p in stdlib_files(modules):
            yield p.read_text(encoding="utf-8", errors="replace"), f"stdlib/{p.relative_to(root)}", {}
        return
    if entry.startswith(HF_PREFIX):
        for where, row in _hf_rows(entry):
            found = _row_source(row, field_name, where)
            if found is not None:
                yield found
        return
    path = Path(path)
    if not path.exists():
        raise ValueError(f"data.source_config.corpus.paths: {path} does not exist")
    if path.is_dir():
        for p in sorted(path.rglob("*.py")):
            yield p.read_text(encoding="utf-8", errors="replace"), f"{path.name}/{p.relative_to(path)}", {}
        return
    if path.suffix == ".py":
        yield path.read_text(encoding="utf-8", errors="replace"), label or path.name, {}
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                stats["bad_row"] = stats.get("bad_row", 0) + 1
                continue
            found = _row_source(row, field_name, f"{path.name}:{lineno}")
            if found is not None:
                yield found


@PROGRAM_SOURCES.register("corpus")
class CorpusSource(ProgramSource):
    """Functions from a corpus, reduced to their core execution logic, with literal calls."""

    Config = CorpusConfig
    config: CorpusConfig

    @property
    def licence(self) -> str | None:
        """The corpus's licence (SPDX id) when known: the configured one, or PSF for the standard library."""
        if self.config.licence:
            return self.config.licence
        return "psf-2.0" if all(is_stdlib(p) for p in self.config.paths) else None

    def __init__(self, config: CorpusConfig | None = None, executor: Any = None) -> None:
        super().__init__(config)
        self.executor = executor
        self.stats: dict[str, int] = {}

    def _count(self, counts: dict[str, int]) -> None:
        for k, v in counts.items():
            self.stats[k] = self.stats.get(k, 0) + v

    def candidates(self, rng: random.Random) -> Iterator[Program]:
        cfg = self.config
        recipe = SMALL if cfg.scale == "small" else PAPER
        for raw in cfg.paths:
            for text, origin, extra in read_sources(raw, cfg.field_name, stats=self.stats):
                found, dropped = extract_functions(text, origin, extra, cfg.max_lines)
                self._count(dropped)
                for ex in found:
                    calls = [c for c in ex.calls if parse_call_args(c) is not None]
                    for c in list(calls):
                        if len(calls) >= cfg.calls_per_function:
                            break
                        calls += [m for m in mutate_call(c, 1, rng, recipe) if m not in calls]
                    tags = [t or "I" for _, t in ex.params]  # unknown: an int (the engine drops what raises)
                    if len(calls) < cfg.calls_per_function:
                        want = cfg.calls_per_function - len(calls)
                        calls += [c for c in generate_calls(tags, want, recipe, rng) if c not in calls]
                    if not calls:
                        self._count({"no calls": 1})
                        continue
                    for call in calls[: cfg.calls_per_function]:
                        digest = hashlib.sha1(f"{ex.code}\n{call}".encode()).hexdigest()[:12]
                        yield Program(id=f"corpus-{digest}", code=ex.code, call=call, source="corpus",
                                      meta={"origin": ex.origin, "name": ex.name,
                                            "call_from": "corpus" if call in ex.calls else "generated"})

    def programs(self, rng: random.Random) -> Iterator[Program]:
        if self.executor is None:
            yield from self.candidates(rng)
            return
        from codereasoner.programs.checks import verify_programs

        batch: list[Program] = []
        for prog in self.candidates(rng):
            batch.append(prog)
            if len(batch) == 256:
                yield from verify_programs(batch, self.executor, stats=self.stats)
                batch = []
        if batch:
            yield from verify_programs(batch, self.executor, stats=self.stats)
