"""The contract every registered program source keeps: one file + one decorator stays safe."""

from __future__ import annotations

import dataclasses
import itertools
import random
from pathlib import Path

import pytest

from codereasoner.config import describe
from codereasoner.openai_client import LocalServer, OpenAIClient
from codereasoner.programs import PROGRAM_SOURCES, ProgramSource
from codereasoner.records import Program

FIXTURE = Path(__file__).parent / "data" / "corpus_fixture.py"
ANSWER = "```python\ndef f(s):\n    return s.upper()\n\nprint(f('abc'))\n```"


def make(name: str, server: LocalServer) -> ProgramSource:
    cls = PROGRAM_SOURCES.get(name)
    if name == "llm":
        cfg = cls.Config(levels=(1,), prompts_per_level=3, mutate_inputs=False)
        return cls(cfg, client=OpenAIClient(server.base_url, "m"))
    if name == "corpus":
        return cls(cls.Config(paths=(str(FIXTURE),)))
    return cls(cls.Config())


@pytest.fixture(scope="module")
def server():
    with LocalServer(lambda endpoint, body: [ANSWER]) as s:
        yield s


def test_the_builtin_sources_are_registered():
    assert {"synth", "llm", "corpus"} <= set(PROGRAM_SOURCES.names())


@pytest.mark.parametrize("name", PROGRAM_SOURCES.names())
def test_source_contract(name, server):
    cls = PROGRAM_SOURCES.get(name)
    assert issubclass(cls, ProgramSource) and dataclasses.is_dataclass(cls.Config)
    cls.Config()  # defaults that work
    assert all(help_text for _, _, help_text in describe(cls.Config))  # every knob documented
    first = list(itertools.islice(make(name, server).programs(random.Random(7)), 30))
    again = list(itertools.islice(make(name, server).programs(random.Random(7)), 30))
    assert first and all(isinstance(p, Program) and p.code and p.call for p in first)
    assert [(p.id, p.code, p.call) for p in first] == [(p.id, p.code, p.call) for p in again]  # seeded
    assert len({p.id for p in first}) == len(first)
    assert all(p.source == name for p in first)
