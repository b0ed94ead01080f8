"""Bi-Level GRPO math (StepCodeReasoner Eq. 10-12, 14) against examples worked out by hand, and the rules
applied per group: terminal-only for one anchor, unscorable rows left out, input-prediction targets apart."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from codereasoner.train.bilevel import (  # noqa: E402
    anchor_spans,
    bilevel_advantages,
    group_advantages,
    group_bilevel,
    token_advantages,
)

S = 1 / math.sqrt(2)  # (1/3) / sqrt(2/9): one third away from the mean, population std sqrt(2)/3


def test_three_by_two_by_hand():
    # G = 3 trajectories, n = 2 anchors.
    #   r = [[1, 1], [1, 0], [0, 0]],  final = [1, 0, 0]
    # Anchor 1 column [1, 1, 0]: mean 2/3, pop. std sqrt(2)/3 -> A_grp = [+1/sqrt2, +1/sqrt2, -sqrt2]
    # Anchor 2 column [1, 0, 0]: mean 1/3, pop. std sqrt(2)/3 -> A_grp = [+sqrt2, -1/sqrt2, -1/sqrt2]
    # Intra (mean of future rewards, 0 after the last anchor):
    #   row 1: [1*(1+1), 1*(1+0)] = [2, 1];  row 2: [1*(1+0), 0] = [1, 0];  row 3: [0, 0]
    # A = A_grp + 0.3 * intra;  A_final = the anchor-2 column pattern for final = [1, 0, 0].
    r = torch.tensor([[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    final = torch.tensor([1.0, 0.0, 0.0])
    a_step, a_final = bilevel_advantages(r, final, lam=0.3, eps=0.0)
    expected = torch.tensor([
        [S + 0.6, 2 * S + 0.3],
        [S + 0.3, -S],
        [-2 * S, -S],
    ])
    assert torch.allclose(a_step, expected, atol=1e-6)
    assert torch.allclose(a_final, torch.tensor([2 * S, -S, -S]), atol=1e-6)


def test_intra_term_uses_mean_of_future_anchors():
    # One trajectory, n = 4: r = [1, 1, 0, 1] -> future means [2/3, 1/2, 1, 0] -> intra [5/3, 3/2, 0, 1].
    # With G = 1 every A_grp is 0 (std 0 -> 0/eps), so lam = 1 exposes the intra term alone.
    r = torch.tensor([[1.0, 1.0, 0.0, 1.0]])
    a_step, a_final = bilevel_advantages(r, torch.tensor([1.0]), lam=1.0)
    assert torch.allclose(a_step, torch.tensor([[5 / 3, 1.5, 0.0, 1.0]]), atol=1e-5)
    assert a_final.tolist() == [0.0]


def test_agreeing_group_keeps_positive_push_on_correct_steps():
    r = torch.ones(4, 2)
    a_step, a_final = bilevel_advantages(r, torch.ones(4), lam=0.3)
    assert torch.allclose(a_step, torch.tensor([[0.6, 0.3]] * 4))  # A_grp = 0, intra = [2, 1]
    assert torch.all(a_final == 0)


def test_lambda_zero_is_step_grpo():
    r = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    a_step, _ = bilevel_advantages(r, torch.tensor([1.0, 0.0]), lam=0.0, eps=0.0)
    assert torch.allclose(a_step, torch.tensor([[1.0, -1.0], [-1.0, 1.0]]))


def test_shapes_are_checked():
    with pytest.raises(ValueError):
        bilevel_advantages(torch.zeros(3, 2), torch.zeros(2))


def test_group_bilevel_missing_anchors_are_absent_and_no_anchor_tasks_are_terminal_only():
    steps, finals = group_bilevel([[1.0, 1.0, 1.0], [1.0, 0.0], [], []], [1.0, 0.0, 1.0, 0.0], group_size=2,
                                  lam=0.3, eps=0.0)
    # group 1: anchor 1 [1, 1] agrees, anchor 2 [1, 0] -> +-1; anchor 3 only in row 1: alone, A_grp 0.
    # intra row 1 = [1*(1+1), 1*(1+1), 1] ; row 2 = [1*(1+0), 0]
    assert steps[0] == pytest.approx([0.6, 1.0 + 0.6, 0.3])
    assert steps[1] == pytest.approx([0.3, -1.0])
    assert finals[:2] == pytest.approx([1.0, -1.0])
    # group 2 has no anchors: terminal-only advantages
    assert steps[2:] == [[], []] and finals[2:] == pytest.approx([1.0, -1.0])


def test_one_anchor_is_terminal_only():
    # §4.2: a sample whose only anchor is the return value trains on the final reward alone.
    steps, finals = group_advantages([[1.0], [0.0], [1.0]], [1.0, 0.0, 1.0], lam=0.3, eps=0.0)
    assert steps == [[], [], []]
    assert finals == pytest.approx([S, -2 * S, S])


def test_unscorable_rows_are_left_out_not_counted_wrong():
    # Row 3's sandbox failed (None). Counting it as all-wrong would give rows 1-2 a positive push; left out,
    # the two remaining rows agree and get nothing from the group terms.
    steps, finals = group_advantages([[1.0, 1.0], [1.0, 1.0], None], [1.0, 1.0, None], lam=0.0, eps=0.0)
    assert steps == [[0.0, 0.0], [0.0, 0.0], []] and finals == [0.0, 0.0, 0.0]
    counted, _ = group_advantages([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]], [1.0, 1.0, 0.0], lam=0.0, eps=0.0)
    assert counted[0][0] > 0  # what the old rule did


def test_input_prediction_anchor_columns_do_not_mix_targets():
    # Three samples committed to inputs whose first print differs for sample 3 ("x: 5" vs "x: 4").
    # Anchor 1: samples 1-2 share a target ([1, 0] -> +-1); sample 3 is alone with its target (A_grp 0).
    steps = [[1.0, 1.0], [0.0, 1.0], [1.0, 1.0]]
    targets = [["x: 4", "y: 1"], ["x: 4", "y: 1"], ["x: 5", "y: 1"]]
    a, _ = group_advantages(steps, [1.0, 1.0, 1.0], lam=0.0, eps=0.0, targets=targets)
    assert [row[0] for row in a] == pytest.approx([1.0, -1.0, 0.0])
    mixed, _ = group_advantages(steps, [1.0, 1.0, 1.0], lam=0.0, eps=0.0)
    assert mixed[2][0] > 0  # one column across all three would reward sample 3 against the others' target


def test_float_noise_is_agreement():
    third = 1 / 3
    r = torch.tensor([[third + third + third], [1.0]], dtype=torch.float64)
    a_step, a_final = bilevel_advantages(r.repeat(1, 2), torch.tensor([third * 3, 1.0]), lam=0.0, eps=0.0)
    assert torch.all(a_step == 0) and torch.all(a_final == 0)


def test_anchor_spans_and_token_mapping():
    text = "<reasoning>a</reasoning><print>x: 1</print><reasoning>b</reasoning><print>y: 2</print><answer>3</answer>"
    spans = anchor_spans(text)
    first_end = text.index("</print>") + len("</print>")
    assert spans == [(0, first_end), (first_end, len(text) - len("<answer>3</answer>"))]
    # Tokens = 4-character pieces; token t starts at 4t.
    ends = list(range(4, len(text) + 1, 4)) + ([len(text)] if len(text) % 4 else [])
    adv = token_advantages(ends, spans, [10.0, 20.0], 1.0, len(ends))
    for t, value in enumerate(adv.tolist()):
        start = 4 * t
        want = 11.0 if start < spans[0][1] else 21.0 if start < spans[1][1] else 1.0
        assert value == want


def test_input_commitment_gets_final_advantage_only():
    text = "<reasoning>r</reasoning><input>3</input><reasoning>s</reasoning><print>x: 3</print><answer>3</answer>"
    spans = anchor_spans(text)
    assert spans[0][0] == text.index("</input>") + len("</input>")
    ends = list(range(1, len(text) + 1))  # one character per token
    adv = token_advantages(ends, spans, [5.0], -1.0, len(ends))
    assert adv[0].item() == -1.0 and adv[spans[0][0]].item() == 4.0 and adv[-1].item() == -1.0


def test_extra_predicted_anchors_get_final_only():
    text = "<print>a</print><print>b</print>"
    ends = list(range(1, len(text) + 1))
    adv = token_advantages(ends, anchor_spans(text), [2.0], 0.5, len(ends))
    assert adv[0].item() == 2.5 and adv[-1].item() == 0.5
