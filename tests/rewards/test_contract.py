"""Shared contract for every task kind x reward: the gold answer verifies and earns the reward's maximum,
a perturbed answer of the right shape does not verify and earns less."""

from __future__ import annotations

import random

import pytest

from codereasoner.records import VerdictStatus
from codereasoner.rewards import REWARDS, RewardConfig
from codereasoner.rewards.adapters import task_columns, trl_reward
from codereasoner.rewards.verify import verify_batch
from codereasoner.tasks import TASK_KINDS, get_kind

# (recipe, --set overrides) covering every built-in task kind
BUILDS = {
    "execverify": [],
    "stepcodereasoner": [],
    "codereasoner": ["data.kinds=[output, input, coverage, path]", "data.style=codereasoner"],
}
MAX = {"output": 1.0, "whitebox": 2.0, "anchors": 2.0}


@pytest.fixture(scope="module")
def tasks(tmp_path_factory):
    from codereasoner.pipeline import build_data
    from codereasoner.rationale.sft import read_tasks

    out = []
    for recipe, overrides in BUILDS.items():
        d = tmp_path_factory.mktemp(recipe)
        try:
            build_data(recipe, 40, 11, d, workers=1, progress=False,
                       overrides=["data.decontaminate=false", *overrides])
        except ValueError as e:  # a kind that cannot take this style yet: the kinds check below catches gaps
            pytest.fail(f"{recipe} {overrides}: {e}")
        out += list(read_tasks(d))
    return out


def test_every_kind_is_covered(tasks):
    assert {t.kind for t in tasks} >= set(TASK_KINDS.names()) - {"codegen"}


def _answers(tasks):
    rng = random.Random(0)
    gold, wrong = [], []
    for t in tasks:
        kind = get_kind(t.kind)
        style = str(t.meta.get("style") or kind.styles[0])
        gold.append(kind.format_answer(t, style))
        wrong.append(kind.format_answer(t, style, kind.perturb(t, rng)))
    return gold, wrong


def test_gold_verifies_and_perturbed_does_not(tasks, executor):
    gold, wrong = _answers(tasks)
    g = verify_batch(tasks, gold, executor=executor)
    w = verify_batch(tasks, wrong, executor=executor)
    assert [(t.id, v.detail) for t, v in zip(tasks, g) if v.status is not VerdictStatus.CORRECT] == []
    assert [t.id for t, v in zip(tasks, w) if v.correct] == []


@pytest.mark.parametrize("name", ["output", "whitebox", "anchors"])
def test_rewards_rank_gold_above_perturbed(tasks, executor, name):
    gold, wrong = _answers(tasks)
    cfg = RewardConfig(name=name)
    fn = trl_reward(name, executor)
    cols = {"task": [task_columns(t)["task"] for t in tasks]}
    rg = fn(["p"] * len(tasks), gold, **cols)
    rw = fn(["p"] * len(tasks), wrong, **cols)
    for t, a, b in zip(tasks, rg, rw):
        assert a is not None and b is not None
        assert a > b, (t.kind, t.id, a, b)
        top = MAX[name] if not (name == "anchors" and t.kind != "anchors") else cfg.r_final
        if name == "output":
            top = 1.0
        assert a == pytest.approx(top), (t.kind, t.id, a)


def _replace_answer_lines(completion: str, edit) -> str:
    head, rest = completion.split("<answer>\n", 1)
    body, tail = rest.split("\n</answer>", 1)
    return f"{head}<answer>\n" + "\n".join(edit(body.split("\n"))) + f"\n</answer>{tail}"


def test_whitebox_formula_through_the_real_kind(tasks, executor):
    wb = next(t for t in tasks if t.kind == "whitebox" and len(t.question["items"]) >= 2)
    k = len(wb.question["items"])
    gold = get_kind("whitebox").format_answer(wb, "execverify")
    one_wrong = _replace_answer_lines(gold, lambda ls: ls[:-1] + ["Nil"])  # last question wrong
    short = _replace_answer_lines(gold, lambda ls: ls[:-1])  # one answer line missing
    bad_assert = _replace_answer_lines(gold, lambda ls: ["assert f() == object()"] + ls[1:])
    fn = REWARDS.get("whitebox")
    v = verify_batch([wb] * 4, [gold, one_wrong, short, bad_assert], executor=executor)
    got = [fn(wb, x) for x in v]
    assert got == pytest.approx([2.0, 2 * (0.5 + 0.5 * (k - 1) / k), 1.0, 0.0])


def test_anchors_formula_through_the_real_kind(tasks, executor):
    t = next(t for t in tasks if t.kind == "anchors" and t.question["mode"] == "output" and len(t.answer["prints"]) >= 2)
    n = len(t.answer["prints"])
    gold = get_kind("anchors").format_answer(t, "stepcodereasoner")
    first_wrong = gold.replace(f"<print>\n{t.answer['prints'][0]}\n</print>", "<print>\nnope\n</print>", 1)
    wrong_final = get_kind("anchors").format_answer(t, "stepcodereasoner", {**t.answer, "result": "object"})
    v = verify_batch([t] * 3, [gold, first_wrong, wrong_final], executor=executor)
    fn = REWARDS.get("anchors")
    assert [fn(t, x) for x in v] == pytest.approx([2.0, 1.0 + (n - 1) / n, 1.0])
    from codereasoner.rewards.anchors import anchor_rewards

    assert anchor_rewards(t, v[1]) == [0.0] + [1.0] * (n - 1)
