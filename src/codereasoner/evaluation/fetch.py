"""`codereasoner benchmarks fetch`: download each benchmark's official files, checked against pinned sha256.

Every file comes from its official source at a pinned commit (docs/benchmarks.md says where each comes from,
its licence and what was checked); a download whose sha256 differs from the pin is deleted and reported, so
the cache holds the official bytes or nothing. Files land under `config.benchmarks_root()` (the XDG cache,
or $CODEREASONER_BENCHMARKS when set) in the layout the loaders read; `--data` still overrides per command.
Two benchmarks have parts no official source publishes as a file: LiveCodeBench's execution set is a Hugging
Face dataset (`datasets` downloads it when first used; no file to pin), and REval's ground truth is made by
running REval's own tracer; `fetch` says so instead of inventing a source.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

RAW = "https://raw.githubusercontent.com"
CRUX = f"{RAW}/facebookresearch/cruxeval/190faf16d175b5847b0af05d937872b1fb395942"
REVAL = f"{RAW}/r-eval/REval/2f148b913deb4ae0e0ce41f0245ef35054ede8d6/data"


@dataclass(frozen=True)
class Source:
    """One official file: where it is published, where it goes under the benchmarks root, its sha256."""

    url: str
    path: str
    sha256: str


SOURCES: dict[str, tuple[Source, ...]] = {
    "cruxeval": (
        Source(f"{CRUX}/data/cruxeval.jsonl", "cruxeval/cruxeval.jsonl",
               "8368b81047dc5014e4caf5a2f97604eff7644e0ecd7415e3ceeb184bbc2e0c96"),
        # CodeLlama-7B's published generations and official scores: the parity check of the scorer
        Source(f"{CRUX}/samples/model_generations/sample_codellama-7b_temp0.2_output/generations.json",
               "cruxeval/samples/codellama-7b_temp0.2_output_generations.json",
               "e0a70dc1b041212d17b41e28e3184c23662401fead1212b0b6748677f74ee412"),
        Source(f"{CRUX}/samples/model_generations/sample_codellama-7b_temp0.2_input/generations.json",
               "cruxeval/samples/codellama-7b_temp0.2_input_generations.json",
               "fdb8f6140996c29663a6bb4319262f42a445d698bb88de173b709af2dbd4ef85"),
        Source(f"{CRUX}/samples/evaluation_results/sample_scored_codellama-7b_temp0.2_output.json",
               "cruxeval/samples/sample_scored_codellama-7b_temp0.2_output.json",
               "2b3095f6e8642c32e8a074abb626c13374a64a4dce4e2b4ab6a9ec72c46d6ae2"),
        Source(f"{CRUX}/samples/evaluation_results/sample_scored_codellama-7b_temp0.2_input.json",
               "cruxeval/samples/sample_scored_codellama-7b_temp0.2_input.json",
               "3103330feeb84fdc7f02d60bf71adac42a7352f40d93c7016229bbc8cc946f22"),
    ),
    "reval": (
        Source(f"{REVAL}/DREval_data.jsonl", "reval/DREval_data.jsonl",
               "b8e72ef344cd575b220363e7a361e892ef2bdfcee1cab79f702d60e255844965"),
        Source(f"{REVAL}/DREval_tasks.jsonl", "reval/DREval_tasks.jsonl",
               "a4fea071a4e3108ae00cc8a6a586505bff4237244b2dc8433b22303948fe7fa5"),
    ),
    "codegen": (
        Source(f"{RAW}/openai/human-eval/6d43fb980f9fee3c892a914eda09951f772ad10d/data/HumanEval.jsonl.gz",
               "codegen/humaneval/HumanEval.jsonl.gz",
               "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef"),
        Source(f"{RAW}/google-research/google-research/30adf0ec5f35f9609c2f1d896005e184195d9146/mbpp/mbpp.jsonl",
               "codegen/mbpp/mbpp.jsonl", "ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f"),
        Source(f"{RAW}/google-research/google-research/30adf0ec5f35f9609c2f1d896005e184195d9146/mbpp/"
               "sanitized-mbpp.json", "codegen/mbpp/sanitized-mbpp.json",
               "ca95deaa9a01ef0a6f439f88bcf0dd3db3563d22f22aad6cae04ebb9a8d8c8e9"),
        Source(f"{RAW}/evalplus/humanevalplus_release/200defce9e3429d28ca215b6dd061c0f7f31c18b/HumanEvalPlus.jsonl.gz",
               "codegen/humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz",
               "272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101"),
        Source(f"{RAW}/evalplus/mbppplus_release/64fc4195b858a17cdfdb3324f0baf37939144e14/MbppPlus.jsonl.gz",
               "codegen/mbppplus/MbppPlus-v0.2.0.jsonl.gz",
               "af43697e8791c4c149bdfd6b489d8b5412507551ac20e28a439f650b8225db63"),
    ),
    "lcb_exec": (),
}

# What no official file provides, said where a user looks (the fetch summary).
NOT_FILES = {
    "lcb_exec": "the official problems are the Hugging Face dataset livecodebench/execution-v2, which `eval` "
                "loads through `datasets` on first use (no file or checksum to pin); pass --data for a local copy",
    "reval": "no ground-truth file is needed: `eval` traces each program in the sandbox with REval's recording "
             "rules (docs/scoring.md); `pip install 'codereasoner[eval]'` adds the packages its programs import",
}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def mirrored(url: str, mirror: str | None) -> str:
    """`url` on `mirror` (a base URL holding the same host/path layout), or `url` itself."""
    if not mirror:
        return url
    parts = urllib.parse.urlsplit(url)
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path}"


def download(source: Source, root: Path, *, mirror: str | None = None, timeout: float = 60.0,
             log: Callable[[str], None] = print) -> str:
    """Fetch one file into `root` unless the checked file is already there; returns "ok", "cached"."""
    target = root / source.path
    if target.is_file() and sha256_of(target) == source.sha256:
        return "cached"
    target.parent.mkdir(parents=True, exist_ok=True)
    url = mirrored(source.url, mirror)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
                h.update(block)
        if h.hexdigest() != source.sha256:
            raise ValueError(f"{url}: sha256 {h.hexdigest()} is not the pinned {source.sha256}; nothing kept")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as e:
        raise OSError(f"{url}: {e}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    log(f"{source.path}: downloaded from {url}")
    return "ok"


def fetch(names: Sequence[str], root: Path, *, mirror: str | None = None,
          log: Callable[[str], None] = print) -> dict[str, list[str]]:
    """Download every pinned file of the named benchmarks ("all" = every one); {name: [status per file]}.
    Raises after trying every file when any failed (the error names each)."""
    wanted = list(SOURCES) if "all" in names else list(names)
    for name in wanted:
        if name not in SOURCES:
            raise ValueError(f"no benchmark {name!r} to fetch; known: {', '.join(SOURCES)}, all")
    done: dict[str, list[str]] = {}
    errors = []
    for name in wanted:
        done[name] = []
        for source in SOURCES[name]:
            try:
                done[name].append(download(source, root, mirror=mirror, log=log))
            except (OSError, ValueError) as e:
                errors.append(str(e))
                done[name].append("failed")
        if name in NOT_FILES:
            log(f"{name}: {NOT_FILES[name]}")
    if errors:
        raise OSError("could not fetch every file:\n  " + "\n  ".join(errors))
    return done


def main_log(message: str) -> None:
    print(message, file=sys.stderr)
