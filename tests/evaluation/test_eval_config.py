"""The recipe's `evaluation` section: working defaults, and bad values name the field."""

from __future__ import annotations

import pytest

from codereasoner.evaluation.config import EvalConfig


def test_defaults_are_the_papers_protocol():
    cfg = EvalConfig()
    assert cfg.temperature == 0.0 and cfg.n == 1 and cfg.mode == "official"


@pytest.mark.parametrize(("field", "value"), [("benchmarks", ("cruxevl",)), ("style", "fancy"), ("mode", "lenient"),
                                              ("n", 0), ("temperature", -1.0), ("limit", 0)])
def test_bad_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=f"evaluation.{field}"):
        EvalConfig(**{field: value})


def test_recipes_carry_an_evaluation_section():
    from codereasoner.recipe import Recipe

    assert isinstance(Recipe().evaluation, EvalConfig)
