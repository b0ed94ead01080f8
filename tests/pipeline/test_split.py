"""The held-out split is by skeleton: no test or validation program shares its shape (names and literal values
abstracted) with a training program; the split is stable and fails clearly when the data is too small."""

from __future__ import annotations

import random

import pytest

from codereasoner.pipeline.split import split_tasks
from codereasoner.programs import normalized_key, skeleton_key
from codereasoner.records import Task

SHAPES = [
    "def f({a}):\n    return {a} + {k}",
    "def f({a}):\n    return {a} * {k}",
    "def f({a}):\n    return [{a}] * {k}",
    "def f({a}):\n    return str({a}).upper()[{k}:]",
    "def f({a}):\n    if {a} > {k}:\n        return {a}\n    return -{a}",
    "def f({a}):\n    return {a} - {k}",
    "def f({a}):\n    return str({a}).lower()[{k}:]",
    "def f({a}):\n    return ({a}, {k})",
]


def tasks(n_per_shape: int = 12) -> list[Task]:
    out = []
    for s, shape in enumerate(SHAPES):
        for i in range(n_per_shape):
            code = shape.format(a=["x", "num", "value"][i % 3], k=i)  # renamed copies and other literals
            out.append(Task(id=f"s{s}-{i:02d}", kind="output", code=code, call=f"f({i})", question={},
                            answer="0"))
    return out


def test_skeleton_ignores_names_and_literal_values_but_not_operations():
    assert skeleton_key("def f(x):\n    return x + 1") == skeleton_key("def g(num):\n    return num + 7")
    assert skeleton_key("def f(x):\n    return x + 1") != skeleton_key("def f(x):\n    return x * 1")
    assert skeleton_key("def f(s):\n    return s.upper()") != skeleton_key("def f(s):\n    return s.lower()")
    assert skeleton_key("def f(x):\n    return x + 1") != skeleton_key("def f(x):\n    return x + 'a'")  # types
    # the name-only key still tells literals apart: the skeleton is the coarser one
    assert normalized_key("def f(x):\n    return x + 1") != normalized_key("def f(x):\n    return x + 2")


def test_no_test_or_validation_skeleton_occurs_in_training():
    split = split_tasks(tasks(), test=20, validation=15, seed=0)
    assert (len(split.test), len(split.validation)) == (20, 15)
    train = {skeleton_key(t.code) for t in split.sft + split.rl}
    held = {skeleton_key(t.code) for t in split.test + split.validation}
    assert train and held and not train & held
    assert not {skeleton_key(t.code) for t in split.test} & {skeleton_key(t.code) for t in split.validation}
    ids = [t.id for part in (split.sft, split.rl, split.validation, split.test) for t in part]
    assert len(ids) == len(set(ids))
    assert not {t.code for t in split.sft} & {t.code for t in split.rl}  # SFT and RL split by program


def test_the_split_is_stable_and_seeded():
    shuffled = tasks()
    random.Random(3).shuffle(shuffled)
    assert split_tasks(tasks(), test=20, validation=15, seed=0).ids() == \
        split_tasks(shuffled, test=20, validation=15, seed=0).ids()
    assert split_tasks(tasks(), test=20, validation=15, seed=1).ids() != \
        split_tasks(tasks(), test=20, validation=15, seed=0).ids()


def test_too_few_skeletons_fail_with_a_clear_message():
    with pytest.raises(ValueError, match="draw more programs"):
        split_tasks(tasks(), test=80, validation=40, seed=0)
