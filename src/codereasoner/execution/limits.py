"""Execution stage: the choices a caller makes — how far the code is trusted, and the per-task limits.

`Trust` decides the design (docs/engine.md): `UNTRUSTED` code (anything a model or an outside party
wrote: code-generation candidates, official-mode answer expressions, LLM- and corpus-sourced programs,
benchmark programs) runs in a forked child that dies with its task and shares no process with anything
that reports another task's result; `TRUSTED` code (the framework's own synthesised programs on literal
inputs, strict-mode checks where no model-written code runs) may use the fast persistent pool.
`ExecutorLike` is what stages type their executor parameter as, so tests can pass a fake.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from codereasoner.records import CallJob, CallRun, Program, Run


class Trust(enum.StrEnum):
    """How far the code of a `run` call is trusted; the default everywhere is UNTRUSTED."""

    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"


@dataclass(frozen=True, slots=True)
class ExecLimits:
    """Per-task limits. memory_mb is per process (changing it restarts the pool); output, result and
    trace sizes are counted in characters; a trace also stops at `max_trace_cells` (the sum over its
    steps of the number of locals shown), which bounds the parent's memory for programs with many locals."""

    timeout_s: float = 2.0
    memory_mb: int = 1024
    max_steps: int = 10_000
    max_repr: int = 200  # ExecVerify cuts values at 200 characters
    max_output_bytes: int = 65_536
    max_result_bytes: int = 1_000_000
    max_trace_bytes: int = 8_000_000  # characters of changed values per trace; past it the trace is truncated
    max_trace_cells: int = 200_000  # steps x locals per trace, as the parent expands it

    def __post_init__(self) -> None:
        if not (isinstance(self.timeout_s, (int, float)) and 0 < self.timeout_s <= 3600):
            raise ValueError(f"ExecLimits.timeout_s must be in (0, 3600], got {self.timeout_s!r}")
        if not (isinstance(self.memory_mb, int) and self.memory_mb >= 16):
            raise ValueError(f"ExecLimits.memory_mb must be an integer >= 16, got {self.memory_mb!r}")
        for name in ("max_steps", "max_repr", "max_output_bytes", "max_result_bytes", "max_trace_bytes",
                     "max_trace_cells"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"ExecLimits.{name} must be a positive integer, got {value!r}")


class ExecutorLike(Protocol):
    """What the stages need from an executor (the real one is `Executor`)."""

    def run(self, programs: Sequence[Program], *, trace: bool = False, limits: ExecLimits | None = None,
            progress: bool = False, hash_seed: int | None = None, trust: Trust = Trust.UNTRUSTED,
            packages: bool | Sequence[bool] = False) -> list[Run]: ...

    def run_calls(self, jobs: Sequence[CallJob], *, limits: ExecLimits | None = None,
                  progress: bool = False) -> list[CallRun]: ...


TRUSTED_SOURCES = frozenset({"synth"})  # program sources whose code the framework itself wrote


def trust_for(sources: Iterable[object]) -> Trust:
    """TRUSTED only when every program comes from the framework's own synthesiser (`Program.source`, or a
    task's `meta["source"]`); anything else — LLM, corpus, benchmark, unknown — is UNTRUSTED."""
    sources = list(sources)
    return Trust.TRUSTED if sources and all(s in TRUSTED_SOURCES for s in sources) else Trust.UNTRUSTED
