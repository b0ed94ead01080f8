"""Fixtures for the rewards tests: a spy that records every program the verifier hands the executor."""

from __future__ import annotations

import pytest


class SpyExecutor:
    """Wraps the session executor and keeps the programs it was asked to run."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.programs: list = []

    def run(self, programs, **kwargs):
        self.programs += list(programs)
        return self.inner.run(programs, **kwargs)


@pytest.fixture
def spy(executor) -> SpyExecutor:
    return SpyExecutor(executor)
