"""Tasks stage: publish a data build as a Hugging Face dataset repository (`codereasoner data push`).

Uploads exactly what a reader needs — the card (README.md with its `configs:`), config.json, programs.jsonl
and tasks/*.jsonl — through `huggingface_hub` (`upload_folder`: resumable, large files through the hub's own
storage). The build's bookkeeping (.build/, .lock) stays home. Before any network call the build is checked:
finished (card present), and every file readable by pyarrow with one type per column, so what lands on the
hub loads with `datasets.load_dataset("ORG/NAME")`. `HF_ENDPOINT` points it at another hub (the tests use a
local fake one).
"""

from __future__ import annotations

import re
from pathlib import Path

from codereasoner.tasks.dataset import PROGRAMS_FILE, TASKS_DIR

CARD = "README.md"
UPLOADED = [CARD, "config.json", PROGRAMS_FILE, f"{TASKS_DIR}/*.jsonl"]
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
HUB_PACKAGE = "huggingface_hub>=1.5,<3"  # as the [hub] extra in pyproject.toml; tested with 2.4.0


def check_build(build: str | Path) -> list[Path]:
    """The files `push` would upload; ValueError naming the file when the build is unfinished or unreadable."""
    root = Path(build)
    if not (root / CARD).is_file() or not (root / PROGRAMS_FILE).is_file():
        raise FileNotFoundError(f"{root}: not a finished data build (no {CARD} or {PROGRAMS_FILE}); "
                                f"run `codereasoner data build ... -o {root}` first")
    files = [root / CARD, *[root / n for n in ("config.json",) if (root / n).is_file()], root / PROGRAMS_FILE,
             *sorted((root / TASKS_DIR).glob("*.jsonl"))]
    if not any(p.parent.name == TASKS_DIR for p in files):
        raise FileNotFoundError(f"{root / TASKS_DIR}: no task files")
    if not (root / CARD).read_text(encoding="utf-8").startswith("---\n"):
        raise ValueError(f"{root / CARD}: the card has no YAML front matter (`configs:`); rebuild with this version")
    import pyarrow as pa
    import pyarrow.json as pa_json

    for path in files:
        if path.suffix == ".jsonl":
            try:
                pa_json.read_json(path)  # the hub's viewer and `datasets` read it the same way
            except pa.ArrowInvalid as e:  # its message names the column that changed type
                raise ValueError(f"{path}: not one type per column ({e}); was it written by an older version? "
                                 "rebuild it") from None
    return files


def push(build: str | Path, repo: str, *, private: bool = False, token: str | None = None,
         revision: str | None = None, message: str | None = None) -> str:
    """Create (or reuse) the dataset repo `repo` and upload the build; returns the repo's URL.

    Task files on the hub that this build does not have are deleted in the same commit, so a pushed
    build is never mixed with an older one.
    """
    if not REPO_ID.match(repo):
        raise ValueError(f"--repo must be ORG/NAME (letters, digits, '-', '_', '.'), got {repo!r}")
    root = Path(build)
    files = check_build(root)
    try:
        from huggingface_hub import HfApi
    except ImportError:
        raise ImportError(f"`data push` needs {HUB_PACKAGE}: pip install '{HUB_PACKAGE}' "
                          "(or the [hub] extra)") from None
    api = HfApi(token=token)
    url = api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
    tasks = sum(1 for p in files if p.parent.name == TASKS_DIR)
    api.upload_folder(repo_id=repo, repo_type="dataset", folder_path=str(root), revision=revision,
                      allow_patterns=UPLOADED, delete_patterns=[f"{TASKS_DIR}/*.jsonl"],
                      commit_message=message or f"codereasoner data: {tasks} task files from {root.name}")
    return str(url)
