"""Stage 2 (programs): corpus ingestion with CodeReasoner's "core execution logic" extraction.

CodeReasoner builds its data around "the core execution logic of Python programs" (docs/data.md:
no I/O, no boilerplate, deterministic, literal inputs). This source reads functions from .py files
(directories recursively) or JSONL rows (field `code`, optional `call`/`input`), and for each top-level
function (transforms in core_logic.py): keeps it only if it is self-contained (its free names are builtins,
other kept functions of the same file, literal module constants or whitelisted pure modules) and
deterministic (no random/time/OS/network modules, no open/input/eval/exec/id/hash...); strips docstrings, print/logging/warnings calls,
type annotations and dead code after return/raise/break/continue; renames it `f`. Calls come from the
corpus (module-level asserts and prints, doctest `>>>` lines, the row's `call`/`input`) and from
`inputs.py` (type-aware generation from annotations or parameter names, mutation of found calls).
Everything here is `ast`; nothing runs in-process. With an `executor`, `programs()` keeps only what runs
`ok` and returns a literal (`checks.verify_programs`); otherwise the pipeline does that.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codereasoner.programs import PROGRAM_SOURCES
from codereasoner.programs.base import ProgramSource
from codereasoner.programs.core_logic import closure, is_literal, rename, returns_value, strip
from codereasoner.programs.inputs import PAPER, SMALL, generate_calls, mutate_call, parse_call_args
from codereasoner.records import Program

_DOCTEST = re.compile(r"^\s*>>>\s*(.+)$", re.MULTILINE)

# Parameter name → type tag for generated inputs (annotations win when present).
NAME_TAGS = {
    "S": ("s", "text", "string", "word", "name", "line", "st", "sentence", "phrase", "chars", "prefix", "suffix",
          "sub", "pattern", "char", "c", "ch", "letter", "sep", "delimiter"),
    "I": ("n", "k", "m", "num", "count", "x", "y", "i", "j", "idx", "index", "size", "length", "limit", "target",
          "start", "end", "step", "base", "a", "b", "number", "val", "value"),
    "L": ("nums", "numbers", "arr", "array", "lst", "values", "items", "data", "xs", "seq", "nums1", "nums2",
          "list1", "list2", "l", "li", "elements", "scores", "prices"),
    "W": ("words", "strings", "names", "tokens", "strs", "lines"),
    "D": ("d", "dic", "dict1", "mapping", "counts", "table"),
}
_ANNOTATION_TAGS = {"int": "I", "str": "S", "float": "F", "bool": "B", "dict": "D", "set": "E", "tuple": "T",
                    "list": "L"}


@dataclass(frozen=True)
class CorpusConfig:
    paths: tuple[str, ...] = field(default=(), metadata={"help": ".py files, directories or .jsonl files"})
    field_name: str = field(default="code", metadata={"help": "JSONL field holding the code"})
    calls_per_function: int = field(default=3, metadata={"help": "distinct calls wanted per function"})
    max_lines: int = field(default=40, metadata={"help": "skip functions longer than this after stripping"})
    scale: str = field(default="paper", metadata={"help": "value recipe for generated inputs: paper or small"})

    def __post_init__(self) -> None:
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


def _corpus_calls(tree: ast.Module, text: str, name: str) -> list[str]:
    calls: list[str] = []
    for node in ast.walk(tree):
        c = _literal_call(node, name)
        if c and c not in calls:
            calls.append(c)
    for m in _DOCTEST.finditer(text):
        try:
            expr = ast.parse(m.group(1).strip(), mode="eval").body
        except SyntaxError:
            continue
        c = _literal_call(expr, name)
        if c and c not in calls:
            calls.append(c)
    return calls


def _tag(arg: ast.arg) -> str | None:
    ann = arg.annotation
    if ann is not None:
        text = ast.unparse(ann).replace("typing.", "").lower()
        if text in ("list[str]",):
            return "W"
        base = text.split("[")[0]
        base = {"list": "list", "dict": "dict", "set": "set", "tuple": "tuple"}.get(base, base)
        if base in _ANNOTATION_TAGS:
            return _ANNOTATION_TAGS[base]
    for tag, names in NAME_TAGS.items():
        if arg.arg in names:
            return tag
    return None


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
    stripped = {n: strip(fn) for n, fn in funcs.items()}  # judge what is left after stripping I/O
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
        params = tuple((a.arg, _tag(a)) for a in [*fn.args.posonlyargs, *fn.args.args])
        parts = [ast.unparse(m) for m in mods] + [ast.unparse(constants[c]) for c in consts]
        for dep in reversed(deps):  # a helper that calls the entry back must call it by its new name
            parts.append(ast.unparse(rename(copy.deepcopy(stripped[dep]), name, "f", define=False)))
        main = rename(strip(fn), name, "f")
        parts.append(ast.unparse(main))
        code = "\n\n".join(parts)
        if len(code.splitlines()) > max_lines:
            drop("too long")
            continue
        if not returns_value(main):
            drop("returns nothing")
            continue
        calls = _corpus_calls(tree, text, name) + [c for c in (extra_calls or {}).get(name, [])]
        out.append(Extracted(name=name, code=code, params=params, calls=tuple(dict.fromkeys(calls)),
                             origin=f"{origin}:{fn.lineno}"))
    return out, dropped


def read_sources(path: Path, field_name: str = "code") -> Iterator[tuple[str, str, dict[str, list[str]]]]:
    """(text, origin, calls by function name) for each .py file or JSONL row under `path`."""
    if path.is_dir():
        for p in sorted(path.rglob("*.py")):
            yield from read_sources(p, field_name)
        return
    if path.suffix == ".py":
        yield path.read_text(encoding="utf-8", errors="replace"), str(path), {}
        return
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(row, dict) or not isinstance(row.get(field_name), str):
                continue
            code, extra = row[field_name], {}
            try:
                names = [n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)]
            except (SyntaxError, ValueError):
                names = []
            entry = row.get("entry_point") or row.get("function_name") or (names[-1] if names else None)
            if entry:
                if isinstance(row.get("call"), str):
                    extra.setdefault(entry, []).append(row["call"].replace(entry + "(", "f(", 1))
                if isinstance(row.get("input"), str):
                    extra.setdefault(entry, []).append(f"f({row['input']})")
            yield code, f"{path}:{lineno}", extra


@PROGRAM_SOURCES.register("corpus")
class CorpusSource(ProgramSource):
    """Functions from a corpus, reduced to their core execution logic, with literal calls."""

    Config = CorpusConfig
    config: CorpusConfig

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
            for text, origin, extra in read_sources(Path(raw), cfg.field_name):
                found, dropped = extract_functions(text, origin, extra, cfg.max_lines)
                self._count(dropped)
                for ex in found:
                    calls = [c for c in ex.calls if parse_call_args(c) is not None]
                    for c in list(calls):
                        if len(calls) >= cfg.calls_per_function:
                            break
                        calls += [m for m in mutate_call(c, 1, rng, recipe) if m not in calls]
                    tags = [t for _, t in ex.params]
                    if len(calls) < cfg.calls_per_function and all(tags):
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
