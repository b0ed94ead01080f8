"""The documentation a user's clone has: every link in README.md and docs/ resolves, nothing cites files that are
not in the repository, and the help examples chain (one command's output is the next one's input)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from codereasoner.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Design notes that live outside the repository; the project's text cites docs/ instead. (Built from parts
# so that this file does not match itself.)
OUTSIDE = ["SEEDS", "DESIGN" + ".md", "RL_" + "FRAMEWORKS", "BENCHMARKS" + ".md", "ENGINE_" + "NOTES",
           "TINY_MODEL_" + "NOTES", "shared/" + "spec"]


def test_docs_index_lists_every_page():
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for page in PAGES[1:]:
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/README.md does not list {page.name}"


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        path = (page.parent / target) if target else page
        if not path.exists():
            broken.append(f"{target} does not exist")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}#{anchor}: no such heading in {path.name}")
    assert not broken, f"{page.relative_to(ROOT)} links to:\n" + "\n".join(broken)


def _text_files() -> list[Path]:
    """The repository's own text outside README.md and docs/: code, tests, scripts, benches, CI, packaging."""
    files = [p for top in ("src", "tests", "scripts", "bench", ".ci") for p in (ROOT / top).rglob("*")]
    return [p for p in [*files, ROOT / "pyproject.toml", ROOT / ".gitignore"]
            if p.is_file() and p.suffix in (".py", ".yaml", ".sh", ".md", ".txt", ".toml", "")
            and "__pycache__" not in p.parts and p.name != Path(__file__).name]


def test_nothing_cites_files_outside_the_repository():
    found = []
    for path in _text_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.relative_to(ROOT)}:{number}: {name}" for name in OUTSIDE if name in line]
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        found += [f"{page.relative_to(ROOT)}: {name}" for name in OUTSIDE if name in text]
    assert not found, "cite docs/ instead:\n" + "\n".join(found)


def _examples() -> list[list[str]]:
    """Every `codereasoner ...` line in every command's help epilog, split into words."""
    parser = build_parser()
    lines = []
    stack = [parser]
    while stack:
        p = stack.pop()
        for line in (p.epilog or "").splitlines():
            line = re.sub(r"^\s*examples?:\s*", "", line).strip()
            if line.startswith("codereasoner "):
                lines.append(line)
        for action in p._actions:
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                stack += [c for c in action.choices.values() if hasattr(c, "epilog")]
    return [shlex.split(ln.split("  #")[0]) for ln in dict.fromkeys(lines)]


def _option(words: list[str], *names: str) -> str | None:
    for i, w in enumerate(words[:-1]):
        if w in names:
            return words[i + 1]
    return None


def test_help_examples_chain():
    examples = _examples()
    built = {_option(w, "-o", "--output") for w in examples if w[1:3] == ["data", "build"]}
    assert built, "no `data build` example"
    trained = {_option(w, "-o", "--out") for w in examples if w[1:2] == ["train"]}
    for words in examples:
        data = _option(words, "--data")
        if words[1:2] == ["train"] and data is not None and "distill" not in data:
            assert data in built, f"`{' '.join(words)}` reads {data}, which no `data build` example writes"
        if words[1:3] in (["data", "inspect"], ["data", "push"], ["export", "verl"]):
            source = words[3]
            assert source in built, f"`{' '.join(words)}` reads {source}, which no `data build` example writes"
        model = _option(words, "--model")
        if model and model.startswith("runs/") and model.endswith("/final"):
            assert model.removesuffix("/final") in trained, f"`{' '.join(words)}`: no example trains {model}"
