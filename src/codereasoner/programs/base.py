"""Stage 2 (programs): the `ProgramSource` interface every source of code implements.

A source turns its `Config` into a stream of `Program` records (code defining `f`, plus a `call`). Sources do
not execute anything: the pipeline runs what they emit through the engine (`checks.verify_programs`) and keeps
only programs that end `ok` with a short, literal, deterministic result.
"""

from __future__ import annotations

import abc
import random
from collections.abc import Iterator
from typing import Any, ClassVar


class ProgramSource(abc.ABC):
    """Where programs come from; registered in `PROGRAM_SOURCES` under the name users type."""

    Config: ClassVar[type[Any]]
    # Whether its programs may run in the engine's trusted (fast) mode: only code the framework itself
    # writes on literal inputs. Code from a model or a corpus is untrusted (docs/data.md).
    trusted: ClassVar[bool] = False

    def __init__(self, config: Any = None) -> None:
        self.config = config if config is not None else self.Config()

    @abc.abstractmethod
    def programs(self, rng: random.Random) -> Iterator[Any]:
        """Yield `Program` records; all randomness comes from `rng` (same seed → same programs)."""
