"""The generic registry: duplicate names, lazy targets, and typo suggestions."""

from __future__ import annotations

import sys

import pytest

from codereasoner.registry import Registry


def test_register_and_get():
    reg: Registry[object] = Registry("task kind")

    @reg.register("next_line")
    class NextLine: ...

    assert reg.get("next_line") is NextLine
    assert reg.names() == ["next_line"]


def test_typo_suggests_closest_name():
    reg: Registry[object] = Registry("task kind")
    reg.register("next_line")(object)
    reg.register("state")(object)
    with pytest.raises(KeyError, match="no task kind 'nextline'; known: next_line, state; did you mean 'next_line'"):
        reg.get("nextline")


def test_duplicate_name_is_an_error():
    reg: Registry[object] = Registry("reward")
    reg.register("x")(int)
    with pytest.raises(ValueError, match="already registered"):
        reg.register("x")(str)


def test_lazy_target_is_imported_only_on_get():
    reg: Registry[object] = Registry("backend")
    sys.modules.pop("json.tool", None)
    reg.register("tool", lazy="json.tool:main")
    assert "json.tool" not in sys.modules and "tool" in reg
    assert callable(reg.get("tool"))
    assert "json.tool" in sys.modules
