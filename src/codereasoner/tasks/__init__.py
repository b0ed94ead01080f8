"""Stage 2 (tasks): execution traces → questions with ground truth, prompts, answer parsing and checking.

`TASK_KINDS` maps a kind name to its `TaskKind` class (one module per kind, named like the kind). The
built-in kinds are imported explicitly below, so `TASK_KINDS.names()` is complete after `import
codereasoner.tasks`. `get_kind(name, options)` returns a (cached) instance.
"""

from __future__ import annotations

from functools import lru_cache

from codereasoner.registry import Registry
from codereasoner.tasks.base import KindOptions, Parsed, TaskKind
from codereasoner.tasks.dataset import iter_tasks, load_tasks, task_from_row

TASK_KINDS = Registry[type[TaskKind]]("task kind")

# Built-in kinds (each module registers itself with one decorator).
from codereasoner.tasks import anchors as _anchors  # noqa: E402,F401
from codereasoner.tasks import coverage as _coverage  # noqa: E402,F401
from codereasoner.tasks import input as _input  # noqa: E402,F401
from codereasoner.tasks import next_line as _next_line  # noqa: E402,F401
from codereasoner.tasks import output as _output  # noqa: E402,F401
from codereasoner.tasks import path as _path  # noqa: E402,F401
from codereasoner.tasks import state as _state  # noqa: E402,F401
from codereasoner.tasks import whitebox as _whitebox  # noqa: E402,F401


@lru_cache(maxsize=64)
def get_kind(name: str, options: KindOptions | None = None) -> TaskKind:
    """An instance of the kind called `name` (KeyError with the closest name when unknown)."""
    return TASK_KINDS.get(name)(options)


__all__ = ["TASK_KINDS", "KindOptions", "Parsed", "TaskKind", "get_kind", "iter_tasks", "load_tasks", "task_from_row"]
