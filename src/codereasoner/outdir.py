"""One run per output directory: an exclusive lock, and a parameters file that decides resume or refuse.

Every long job (data build, train sft|grpo, eval, quickstart, experiment) writes into an `-o DIR` and can be
killed and rerun. Two things make that safe:
- `lock(DIR)`: an exclusive `fcntl.flock` on `DIR/.lock`, so two runs into one directory cannot interleave
  their files. The kernel drops the lock when the holding process dies (even with kill -9), so a stale lock
  never blocks a rerun; the file itself stays empty (outputs of the same run stay byte-identical), and the
  holder's pid is read from /proc/locks for the message. A process may re-enter a lock it holds.
- `check_params(DIR, params)`: the first run writes its parameters (plain JSON); a rerun with the same
  parameters resumes; different parameters are refused with the changed keys named (`data.ngram`, `n`),
  unless `overwrite=True`, which then deletes the job's own outputs and starts over.
`claim(DIR, params, ...)` does both, in that order, as one context manager. Layer 0: standard library only.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from codereasoner.jsonl import write_atomic

LOCK_FILE = ".lock"
PARAMS_FILE = "params.json"

_held: dict[Path, tuple[int, int]] = {}  # resolved dir -> (fd, depth): re-entry within one process


class OutputDirBusy(ValueError):
    """Another live process holds the directory's lock (a ValueError: the CLI prints it and exits 2)."""


@contextmanager
def lock(out: str | Path) -> Iterator[Path]:
    """Hold DIR's exclusive lock for the block (DIR is created); `OutputDirBusy` when another process has it."""
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    key = path.resolve()
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield path
        finally:
            _release(key)
        return
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        holder = _holder(fd)
        os.close(fd)
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise OutputDirBusy(f"{path} is in use by another run{holder}; wait for it to finish "
                                "or choose another output directory") from None
        raise
    _held[key] = (fd, 1)
    try:
        yield path
    finally:
        _release(key)


def _holder(fd: int) -> str:
    """" (pid N)" for the process holding the flock on `fd`'s file, from Linux's /proc/locks; "" elsewhere."""
    st = os.fstat(fd)
    inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        lines = Path("/proc/locks").read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return ""
    for line in lines:
        fields = line.split()  # "1: FLOCK ADVISORY WRITE <pid> <maj:min:inode> 0 EOF"
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == inode:
            return f" (pid {fields[4]})"
    return ""


def _release(key: Path) -> None:
    fd, depth = _held[key]
    if depth > 1:
        _held[key] = (fd, depth - 1)
        return
    del _held[key]
    # The lock file stays: deleting it would let a third run lock a fresh inode while a second waits on the old.
    os.close(fd)  # closing the last descriptor releases the flock


def changed_keys(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two JSON values (`data.ngram`, `n`); [] when equal."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys = sorted(set(old) | set(new))
        return [k for key in keys for k in changed_keys(old.get(key), new.get(key), f"{prefix}{key}.")]
    return [] if old == new else [prefix.rstrip(".") or "(all)"]


def plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` as it reads back from JSON (tuples become lists), so comparisons see what the file holds."""
    return json.loads(json.dumps(params, sort_keys=True, default=str))


def check_params(out: str | Path, params: Mapping[str, Any], *, what: str, owned: Sequence[str] = (),
                 marker: str = PARAMS_FILE, resume: bool = True, overwrite: bool = False) -> bool:
    """Record or compare DIR's parameters; True when DIR already held a run of the same parameters (resume).

    `what` names the job in messages ("data build"). A non-empty DIR without the marker is not this job's, and
    one whose marker holds other parameters is another run: both are refused, or with `overwrite` the job's
    own entries (`owned`: names or glob patterns under DIR, e.g. "checkpoint-*") and the marker are deleted
    and the job starts over. The same parameters always resume (there is nothing to start over for), unless
    `resume=False`, which refuses an existing run.
    """
    path = Path(out)
    file = path / marker
    new = plain(params)
    entries = [p for p in path.iterdir() if p.name != LOCK_FILE] if path.is_dir() else []
    problem = ""
    if entries and not file.is_file():
        problem = f"{path} exists and is not a {what}"
    elif entries:
        try:
            changed = changed_keys(json.loads(file.read_text(encoding="utf-8")), new)
        except (OSError, json.JSONDecodeError) as e:
            changed = [f"(unreadable {file.name}: {e})"]
        if changed:
            problem = f"{path} holds a {what} with different {', '.join(changed)}"
        elif not resume:
            raise ValueError(f"{path} holds a {what} already; use another output directory")
    if problem and not overwrite:
        raise ValueError(f"{problem}; use --overwrite to start over, or another output directory")
    if problem:
        for target in {t for name in {*owned, marker} for t in path.glob(name)}:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    resumed = bool(entries) and not problem
    for stale in path.rglob(".*.tmp") if path.is_dir() else ():
        stale.unlink(missing_ok=True)  # a temp file of an atomic write that a kill interrupted
    write_atomic(file, json.dumps(new, indent=2, sort_keys=True) + "\n")
    return resumed


@contextmanager
def claim(out: str | Path, params: Mapping[str, Any], *, what: str, owned: Sequence[str] = (),
          marker: str = PARAMS_FILE, resume: bool = True, overwrite: bool = False) -> Iterator[bool]:
    """`lock(DIR)`, then `check_params(...)`; yields whether the run resumes. The lock lasts the block."""
    with lock(out):
        yield check_params(out, params, what=what, owned=owned, marker=marker, resume=resume, overwrite=overwrite)
