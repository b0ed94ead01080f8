"""Fixtures for the engine's tests: a one-worker pool (and one fork server, slim servers off) with small
limits, so that a task's successor runs in the same worker or fork server (the only way to test that
nothing leaks between tasks) and hostile tests stay fast."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codereasoner.execution import ExecLimits, Executor

HOSTILE_LIMITS = ExecLimits(timeout_s=0.5, memory_mb=256)


@pytest.fixture(scope="session")
def solo() -> Iterator[Executor]:
    with Executor(workers=1, limits=HOSTILE_LIMITS, fork_servers=1, slim_servers=False) as ex:
        yield ex
