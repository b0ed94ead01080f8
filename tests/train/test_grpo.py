"""Our GRPO seam: zero-spread groups leave the loss, curriculum order, and a tiny end-to-end smoke run."""

from __future__ import annotations

import collections
import types

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

from codereasoner.records import Task  # noqa: E402
from codereasoner.train.grpo import curriculum_order, trainer_class  # noqa: E402


def _bare_trainer(g: int):
    cls = trainer_class()
    t = cls.__new__(cls)  # only the attributes _drop_zero_spread reads
    t.accelerator = types.SimpleNamespace(gather=lambda x: x.reshape(-1) if x.dim() == 0 else x, process_index=0)
    t.num_generations = g
    t._metrics = {"train": collections.defaultdict(list)}
    return t


def test_zero_spread_groups_are_masked_out_of_loss_and_normaliser():
    t = _bare_trainer(2)
    adv = torch.tensor([0.0, 0.0, 0.7, -0.7, 0.0, 0.0])  # groups: equal, informative, equal
    out = {"completion_mask": torch.ones(6, 3, dtype=torch.long), "num_items_in_batch": torch.tensor(18)}
    t._drop_zero_spread(out, adv)
    assert out["completion_mask"].sum(dim=1).tolist() == [0, 0, 3, 3, 0, 0]
    assert int(out["num_items_in_batch"]) == 6
    assert t._metrics["train"]["frac_groups_dropped"] == [pytest.approx(2 / 3)]


def test_member_with_zero_advantage_in_an_informative_group_is_kept():
    t = _bare_trainer(3)
    adv = torch.tensor([1.2, 0.0, -1.2])  # rewards 2, 1, 0: the middle one sits on the mean
    out = {"completion_mask": torch.ones(3, 2, dtype=torch.long), "num_items_in_batch": torch.tensor(6)}
    t._drop_zero_spread(out, adv)
    assert out["completion_mask"].sum().item() == 6


def test_all_groups_without_signal_keep_a_finite_normaliser():
    t = _bare_trainer(2)
    out = {"completion_mask": torch.ones(4, 2, dtype=torch.long), "num_items_in_batch": torch.tensor(8)}
    t._drop_zero_spread(out, torch.zeros(4, 2))  # (B, T) advantages work too
    assert int(out["num_items_in_batch"]) == 8


def test_curriculum_orders_by_level_and_is_seeded():
    rows = [{"id": i, "difficulty": d} for i, d in enumerate([3, 1, 2, 1, 3, 2, 9])]
    ordered = curriculum_order(rows, (1, 2, 3), seed=0)
    assert [r["difficulty"] for r in ordered] == [1, 1, 2, 2, 3, 3, 9]
    assert curriculum_order(rows, (), seed=1) == curriculum_order(rows, (), seed=1)
    assert sorted(r["id"] for r in curriculum_order(rows, (), seed=1)) == list(range(7))


def _task(i: int) -> Task:
    return Task(id=f"t{i}", kind="output", code=f"def f(x):\n    return x + {i % 3}", call=f"f({i})",
                question={"func": "f", "input": str(i)}, answer=str(i + i % 3),
                prompt=f"def f(x):\n    return x + {i % 3}\n>>> f({i})\n", difficulty=1 + i % 2)


@pytest.mark.parametrize("algorithm", ["grpo", "bilevel"])
def test_tiny_grpo_smoke(tmp_path, algorithm):
    """A few real TRL GRPO steps on a micro model: the loop, our seam and the checkpoint all work."""
    from codereasoner.config import apply_overrides
    from codereasoner.recipe import load_recipe
    from codereasoner.train.grpo import build_grpo_trainer, last_checkpoint
    from codereasoner.train.sft import rl_row
    from codereasoner.rewards.adapters import task_from_column
    from codereasoner.train.tiny import TinySpec, build_model, train_tokenizer

    tasks = [_task(i) for i in range(16)]
    tok = train_tokenizer([t.prompt + t.answer for t in tasks], vocab_size=300)
    model = build_model(tok, TinySpec(vocab_size=300, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    cfg = apply_overrides(load_recipe("tiny").train, [
        "grpo.num_generations=4", "grpo.update_prompts=2", "grpo.rollout_prompts=2", "grpo.max_completion_length=4",
        "grpo.max_steps=2",
        f"grpo.algorithm={algorithm}", "save_steps=2", "logging_steps=1", "grpo.curriculum=1,2"])

    def reward(prompts, completions, task, **kw):
        # partial credit on the first character so that groups differ
        return [float(c[0]["content"][:1] == task_from_column(t).answer[:1]) + 0.1 * len(c[0]["content"])
                for c, t in zip(completions, task)]

    def scorer(rows, completions):
        return [[1.0 if "<" in c else 0.0] for c in completions], [float(len(c) % 2) for c in completions]

    trainer = build_grpo_trainer(model, tok, [rl_row(t) for t in tasks], cfg, tmp_path, [reward],
                                 step_scorer=scorer, use_cpu=True)
    trainer.train()
    assert trainer.state.global_step == 2
    assert last_checkpoint(tmp_path).endswith("checkpoint-2")
    logged = {k for row in trainer.state.log_history for k in row}
    assert "frac_groups_dropped" in logged and "reward" in logged


def test_float_noise_spread_counts_as_zero_spread():
    t = _bare_trainer(2)
    t.zero_spread_tol = 1e-6
    # identical partial credits summed in different orders: rewards differ by ~1e-16, advantages by ~1e-12
    adv = torch.tensor([1e-12, -1e-12, 0.7, -0.7])
    out = {"completion_mask": torch.ones(4, 2, dtype=torch.long), "num_items_in_batch": torch.tensor(8)}
    t._drop_zero_spread(out, adv)
    assert out["completion_mask"].sum(dim=1).tolist() == [0, 0, 2, 2]


ANCHORED = ["<print>a: 1</print><print>b: 2</print><answer>3</answer>",
            "<print>a: 0</print><print>b: 2</print><answer>4</answer>",
            "<print>a: 1</print><print>b: 5</print><answer>3</answer>",
            "<print>a: 7</print><print>b: 7</print><answer>9</answer>"]


def test_bilevel_advantages_reach_the_loss_per_token_and_differ_across_anchors(tmp_path, monkeypatch):
    """Through TRL's real step: the advantages `_compute_loss` receives are (batch, tokens), and within one
    completion the tokens of anchor 1 and anchor 2 carry different advantages."""
    from trl import GRPOTrainer

    from codereasoner.config import apply_overrides
    from codereasoner.recipe import load_recipe
    from codereasoner.train.grpo import build_grpo_trainer
    from codereasoner.train.sft import rl_row
    from codereasoner.train.tiny import TinySpec, build_model, train_tokenizer

    tasks = [_task(i) for i in range(4)]
    tok = train_tokenizer([t.prompt for t in tasks] + ANCHORED * 4, vocab_size=300)
    model = build_model(tok, TinySpec(vocab_size=300, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    cfg = apply_overrides(load_recipe("tiny").train, [
        "grpo.num_generations=4", "grpo.update_prompts=1", "grpo.rollout_prompts=1", "grpo.max_completion_length=4",
        "grpo.max_steps=1", "grpo.algorithm=bilevel", "grpo.drop_zero_spread=false", "save_steps=100"])
    original = GRPOTrainer._generate_and_score_completions

    def with_anchored_completions(self, inputs):
        out = original(self, inputs)  # a real generation; its completions are then replaced by anchored ones
        ids = [tok(text, add_special_tokens=False)["input_ids"] for text in ANCHORED]
        width = max(map(len, ids))
        out["completion_ids"] = torch.tensor([i + [tok.pad_token_id] * (width - len(i)) for i in ids])
        out["completion_mask"] = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i in ids])
        out["num_items_in_batch"] = out["completion_mask"].sum()
        return out

    monkeypatch.setattr(GRPOTrainer, "_generate_and_score_completions", with_anchored_completions)

    def scorer(rows, completions):  # r_i from the prints: a: 1 and b: 2 are right; answer 3 is right
        steps = [[float("a: 1" in c), float("b: 2" in c)] for c in completions]
        return steps, [float("<answer>3<" in c) for c in completions]

    seen = []
    trainer = build_grpo_trainer(model, tok, [rl_row(t) for t in tasks], cfg, tmp_path,
                                 [lambda prompts, completions, **kw: [0.0] * len(completions)],
                                 step_scorer=scorer, use_cpu=True)
    real_loss = trainer._compute_loss
    monkeypatch.setattr(trainer, "_compute_loss", lambda m, inputs: seen.append(inputs) or real_loss(m, inputs))
    trainer.train()
    (inputs,) = seen
    from codereasoner.train.bilevel import group_advantages

    a_steps, a_finals = group_advantages(*scorer(None, ANCHORED), lam=0.3)
    expected = [(f + s[0], f + s[1]) for s, f in zip(a_steps, a_finals)]
    adv, ids = inputs["advantages"], inputs["completion_ids"]
    assert adv.dim() == 2 and adv.shape == ids.shape
    for row in range(adv.shape[0]):
        text = tok.decode(ids[row][inputs["completion_mask"][row].bool()])
        first = text.index("</print>") + len("</print>")
        second = text.rindex("</print>") + len("</print>")
        starts = [len(tok.decode(ids[row][:k])) for k in range(int(inputs["completion_mask"][row].sum()))]
        seg1 = [adv[row, k].item() for k, at in enumerate(starts) if at < first]  # a token belongs where it starts
        seg2 = [adv[row, k].item() for k, at in enumerate(starts) if first <= at < second]
        assert len(set(seg1)) == 1 and len(set(seg2)) == 1  # one advantage per anchor segment
        want = expected[ANCHORED.index(text)]
        assert (seg1[0], seg2[0]) == pytest.approx(want, abs=1e-5)
    assert sum(a != b for a, b in expected) >= 3  # anchors of one completion get different advantages
