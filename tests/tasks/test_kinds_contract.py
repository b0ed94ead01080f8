"""The contract every registered task kind passes: gold → correct, perturbed → wrong,
deterministic under a seed, every style renders, Task JSON round-trips."""

from __future__ import annotations

import json
import random

import pytest

from codereasoner.jsonl import dumps
from codereasoner.records import Task, VerdictStatus, from_json
from codereasoner.tasks import TASK_KINDS, KindOptions

KINDS = TASK_KINDS.names()


def make_tasks(name, traced, executor, seed=0, **options):
    kind = TASK_KINDS.get(name)(KindOptions(**options))
    tasks = []
    for program, run in traced:
        derived_program = kind.derive(program)
        derived = None
        if derived_program is not None:
            derived = (derived_program, executor.run([derived_program])[0])
        tasks += list(kind.questions(program, run, random.Random(f"{seed}:{program.id}"), recipe="test",
                                     derived=derived))
    return kind, tasks


@pytest.fixture(scope="module", params=KINDS)
def kind_tasks(request, traced, executor):
    return make_tasks(request.param, traced, executor)


def test_every_kind_makes_tasks(kind_tasks):
    kind, tasks = kind_tasks
    assert tasks, f"{kind.name} made no task from the fixture programs"
    assert all(t.kind == kind.name and t.prompt and t.recipe == "test" and t.difficulty >= 1 for t in tasks)
    assert all(t.meta["python"] and t.meta["program_id"] for t in tasks)


@pytest.mark.parametrize("style_index", [0, 1, 2, 3, 4])
def test_every_style_renders_and_gold_is_correct(kind_tasks, executor, style_index):
    kind, tasks = kind_tasks
    if style_index >= len(kind.styles):
        return
    style = kind.styles[style_index]
    items = []
    for task in tasks:
        prompt = kind.render(task, style)
        assert isinstance(prompt, str) and len(prompt) > 20
        items.append((task, kind.parse(kind.format_answer(task, style), task)))
    verdicts = kind.check_batch(items, executor)
    assert [v.id for v in verdicts] == [t.id for t in tasks]
    for v in verdicts:
        assert v.correct and v.status is VerdictStatus.CORRECT, v
        assert all(v.parts.values()), v


def test_perturbed_answer_is_wrong(kind_tasks, executor):
    kind, tasks = kind_tasks
    rng = random.Random(1)
    items = [(t, kind.parse(kind.format_answer(t, kind.style, kind.perturb(t, rng)), t)) for t in tasks]
    for v in kind.check_batch(items, executor):
        assert not v.correct and v.status in (VerdictStatus.WRONG, VerdictStatus.UNPARSABLE), v


def test_garbage_is_unparsable_never_correct(kind_tasks, executor):
    kind, tasks = kind_tasks
    items = [(t, kind.parse("I think the answer is __import__('os').system('ls')", t)) for t in tasks]
    for v in kind.check_batch(items, executor):
        assert not v.correct


def test_deterministic_under_seed(traced, executor):
    for name in KINDS:
        _, a = make_tasks(name, traced, executor, seed=3)
        _, b = make_tasks(name, traced, executor, seed=3)
        assert [dumps(t) for t in a] == [dumps(t) for t in b], name


def test_task_json_round_trips(kind_tasks):
    _, tasks = kind_tasks
    for task in tasks:
        again = from_json(Task, json.loads(dumps(task)), "test")
        assert dumps(again) == dumps(task)
        assert again.question == task.question and again.answer == task.answer


def test_unknown_style_is_rejected(kind_tasks):
    kind, tasks = kind_tasks
    with pytest.raises(ValueError, match="style"):
        kind.render(tasks[0], "no-such-style")
    with pytest.raises(ValueError, match="style"):
        type(kind)(KindOptions(style="no-such-style"))


def test_fast_task_writer_matches_the_record_codec(kind_tasks):
    from codereasoner.tasks.build import task_line

    _, tasks = kind_tasks
    assert [task_line(t) for t in tasks] == [dumps(t) for t in tasks]
