"""Tasks stage: a data build as a dataset — file layout, the typed loader, and the card's `configs:`.

A build directory (docs/formats.md) is laid out so that the Hugging Face tools read it as it is:
  tasks/<kind>-00000.jsonl   task records of one kind, one file per shard of programs
  programs.jsonl             the programs the tasks came from
  README.md                  the dataset card; its YAML front matter names one config per kind, `all`
                             (every task, the default) and `programs`, so `datasets.load_dataset(DIR, "output")`
                             works, and says the licence.
Every column has one type in every file: `question` and `answer` are JSON text (the records codec encodes
and decodes them), so `pyarrow.json.read_json` and `datasets` read the files without guessing a schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from codereasoner.jsonl import BadLine, read_records
from codereasoner.records import Task, from_json

TASKS_DIR = "tasks"
PROGRAMS_FILE = "programs.jsonl"
ALL_CONFIG = "all"
PROGRAMS_CONFIG = "programs"
# Program sources whose programs the framework itself writes; anything else (a corpus, an LLM) brings
# its own terms, so the card cannot claim a licence for it.
OWN_SOURCES = frozenset({"synth"})
LICENSE = "apache-2.0"  # codereasoner's own licence (pyproject.toml), for data it synthesises


def task_file(out_dir: str | Path, kind: str, shard: int) -> Path:
    """Where shard `shard`'s tasks of `kind` go: one kind per file, so a card config can select a kind."""
    return Path(out_dir) / TASKS_DIR / f"{kind}-{shard:05d}.jsonl"


def task_files(path: str | Path) -> list[Path]:
    """The task files of a build directory (DIR/tasks/*.jsonl, or DIR/*.jsonl), or `path` itself if a file."""
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such task file or data directory (make one with `codereasoner data "
                                "build ... -o DIR`)")
    folder = root / TASKS_DIR if (root / TASKS_DIR).is_dir() else root
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no task files (*.jsonl) in {folder}")
    return files


def iter_tasks(path: str | Path, kinds: Sequence[str] | None = None) -> Iterator[Task | BadLine]:
    """Every task record under `path` (a build directory or one file), a `BadLine` in place of a bad line."""
    for file in task_files(path):
        for item in read_records(file, Task):
            if isinstance(item, BadLine) or kinds is None or item.kind in kinds:
                yield item


def load_tasks(path: str | Path, kinds: Sequence[str] | None = None) -> list[Task]:
    """The `Task`s under `path` (e.g. `load_tasks("data/execverify", kinds=["output"])`).

    A malformed line raises ValueError naming file:line: a loader feeding training must not drop data silently.
    """
    out = []
    for item in iter_tasks(path, kinds):
        if isinstance(item, BadLine):
            raise ValueError(item.error)
        out.append(item)
    return out


def task_from_row(row: Mapping[str, Any], where: str = "dataset row") -> Task:
    """A `Task` from a `datasets` row: columns another kind's records have (None here) are left out."""
    return from_json(Task, {k: v for k, v in row.items() if v is not None}, where)


def tasks_dataset(path: str | Path, kind: str = ALL_CONFIG, **kwargs: Any) -> Any:
    """The build at `path` as a `datasets.Dataset` (train split) of one card config: `all`, a kind, or `programs`.

    Rows keep the on-disk form (question/answer as JSON text); `task_from_row` turns one into a `Task`.
    """
    import datasets  # lazy: heavy, and only for users of the Hugging Face stack

    return datasets.load_dataset(str(path), kind, split="train", **kwargs)


LICENCE_NAMES = {"psf-2.0": "the Python Software Foundation License 2.0 (the CPython standard library's)"}


def licence(sources: Iterable[str], declared: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(SPDX-style id for the card's `license:`, a sentence for its text) given the recipe's program sources
    and the licences sources declare for their code (e.g. the corpus source on the standard library: PSF)."""
    declared = dict(declared or {})
    foreign = sorted(set(sources) - OWN_SOURCES)
    if not foreign:
        return LICENSE, ("Apache-2.0, like codereasoner: every program was synthesised by codereasoner's rule-based "
                         "generator and every answer computed by its engine.")
    if all(name in declared for name in foreign):
        ids = sorted({declared[name] for name in foreign})
        parts = [f"programs from `{name}` are under {LICENCE_NAMES.get(declared[name], declared[name])}"
                 for name in foreign]
        own = set(sources) & OWN_SOURCES
        text = "; ".join(parts) + ("; the synthesised part is Apache-2.0." if own else ".")
        text = text[0].upper() + text[1:] + " Answers were computed by codereasoner's engine."
        return (ids[0] if len(ids) == 1 and not own else "other"), text
    return "other", (f"Not set: programs from the source(s) {', '.join(foreign)} keep the terms of where they came "
                     "from (a corpus's licences, an LLM provider's terms). Set `license:` in this card before "
                     "publishing; the synthesised part is Apache-2.0.")


def front_matter(kinds: Iterable[str], sources: Iterable[str], pretty_name: str,
                 declared: Mapping[str, str] | None = None) -> str:
    """The card's YAML front matter: licence, tags, and a config per kind + `all` (default) + `programs`."""
    spdx, _ = licence(sources, declared)
    lines = ["---", f"license: {spdx}", f"pretty_name: {_yaml_str(pretty_name)}", "language:", "- en",
             "tags:", "- code", "- code-execution", "- reasoning", "- codereasoner",
             "task_categories:", "- text-generation", "configs:"]
    configs = [(ALL_CONFIG, f"{TASKS_DIR}/*.jsonl")]
    configs += [(kind, f"{TASKS_DIR}/{kind}-*.jsonl") for kind in kinds]
    configs.append((PROGRAMS_CONFIG, PROGRAMS_FILE))
    for name, pattern in configs:
        lines += [f"- config_name: {name}", *(["  default: true"] if name == ALL_CONFIG else []),
                  "  data_files:", "  - split: train", f"    path: {_yaml_str(pattern)}"]
    return "\n".join(lines + ["---", ""])


def _yaml_str(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar
