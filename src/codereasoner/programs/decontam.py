"""Stage 2 (programs): n-gram decontamination of training programs against benchmark code.

`NgramFilter(texts, n=10)` indexes every run of `n` normalised Python tokens of the given texts (the
pipeline feeds it CRUXEval and any other benchmark file); `is_contaminated(code)` is true when a program
shares at least `min_hits` such n-grams with them. Normalisation: comments dropped, whitespace and
indentation ignored, string quotes unified, so reformatting a benchmark function does not slip through.
Identifiers are kept: renaming every variable is a different program for our purposes.
`load_texts` reads code out of JSONL/JSON(.gz) benchmark files (fields `code`, `prompt` +
`canonical_solution`, ...) and .py files.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_N = 10  # the default: 10-gram of tokens
CODE_FIELDS = ("code", "func", "function", "program", "solution", "prompt", "canonical_solution")
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
         tokenize.ENCODING}
_FALLBACK = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|\S")


def tokens(code: str) -> list[str]:
    """Python tokens of `code` without comments/layout; strings requoted with single quotes."""
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in _SKIP:
                continue
            out.append(_norm_string(tok.string) if tok.type == tokenize.STRING else tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # partial or broken code (benchmark prompts): a regex split is consistent enough
        text = re.sub(r"#[^\n]*", "", code)
        out = [_norm_string(t) if t[:1] in "'\"" else t for t in _FALLBACK.findall(text)]
    return out


def _norm_string(s: str) -> str:
    body = s.lstrip("rRbBuUfF")
    for q in ('"""', "'''", '"', "'"):
        if body.startswith(q) and body.endswith(q) and len(body) >= 2 * len(q):
            return "'" + body[len(q):-len(q)] + "'"
    return s


class NgramFilter:
    """Flags code sharing >= `min_hits` token n-grams with any indexed text; counts what it removed."""

    def __init__(self, texts: Iterable[str], n: int = DEFAULT_N, *, min_hits: int = 1) -> None:
        if n < 1 or min_hits < 1:
            raise ValueError("NgramFilter: n and min_hits must be >= 1")
        self.n = n
        self.min_hits = min_hits
        self.grams: set[tuple[str, ...]] = set()
        self.texts = 0
        for text in texts:
            self.texts += 1
            self.grams.update(self._grams(text))
        self.checked = 0
        self.removed = 0

    def _grams(self, code: str) -> Iterator[tuple[str, ...]]:
        toks = tokens(code)
        if len(toks) < self.n:  # shorter than one n-gram: the whole text is the unit
            if toks:
                yield tuple(toks)
            return
        for i in range(len(toks) - self.n + 1):
            yield tuple(toks[i : i + self.n])

    def hits(self, code: str) -> int:
        """How many of `code`'s n-grams occur in the indexed texts."""
        return sum(1 for g in set(self._grams(code)) if g in self.grams)

    def is_contaminated(self, code: str) -> bool:
        return self.hits(code) >= self.min_hits

    def filter(self, items: Iterable[T], code_of: Any = lambda p: p.code) -> list[T]:
        """Items whose code is clean; `checked`/`removed` count across calls (for the data card)."""
        kept = []
        for item in items:
            self.checked += 1
            if self.is_contaminated(code_of(item)):
                self.removed += 1
            else:
                kept.append(item)
        return kept

    def summary(self) -> dict[str, int]:
        return {"n": self.n, "benchmark_texts": self.texts, "checked": self.checked, "removed": self.removed}


def _rows(path: Path) -> Iterator[Any]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        text = fh.read()
    stem = path.name.removesuffix(".gz")
    if stem.endswith(".jsonl"):
        for line in text.splitlines():
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue
    else:
        data = json.loads(text)
        yield from (data if isinstance(data, list) else data.values() if isinstance(data, dict) else [])


def load_texts(paths: Sequence[str | Path], fields: Sequence[str] = CODE_FIELDS) -> list[str]:
    """Code texts from benchmark files: .py whole; JSON/JSONL(.gz) rows' code fields (prompt +
    canonical_solution joined, as HumanEval splits a function across them)."""
    out: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.suffix == ".py":
            out.append(path.read_text(encoding="utf-8"))
            continue
        for row in _rows(path):
            if not isinstance(row, dict):
                continue
            if isinstance(row.get("prompt"), str) and isinstance(row.get("canonical_solution"), str):
                out.append(row["prompt"] + row["canonical_solution"])
                continue
            for name in fields:
                if isinstance(row.get(name), str) and row[name].strip():
                    out.append(row[name])
                    break
    return out


def cruxeval_filter(path: str | Path | None = None, n: int = DEFAULT_N, extra: Sequence[str | Path] = ()) -> NgramFilter:
    """An NgramFilter over CRUXEval's 800 functions (default: under `config.benchmarks_root()`) plus other files."""
    from codereasoner.config import benchmarks_root

    path = path if path is not None else benchmarks_root() / "cruxeval" / "cruxeval.jsonl"
    return NgramFilter(load_texts([path, *extra]), n=n)
