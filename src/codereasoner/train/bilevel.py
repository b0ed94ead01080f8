"""Bi-Level GRPO (StepCodeReasoner §3.3, Eq. 10-15): per-anchor group advantages + intra-trajectory shaping.

Stage: train. The math is a pure torch function (`bilevel_advantages`) tested on hand-worked examples;
`token_advantages` maps it onto completion tokens; `BilevelGRPOTrainer` plugs it into TRL by handing TRL's
loss a (batch, tokens) advantage tensor (TRL >= 0.26 broadcasts either shape: RL_FRAMEWORKS.md §1.5).

Eq. 10  A^grp_{i,g}   = (r_{i,g} - mean_g' r_{i,g'}) / (std_pop_g'(r_{i,.}) + eps)        per anchor i
Eq. 11  A^intra_{i,g} = r_{i,g} * (1 + mean_{j>i} r_{j,g}),  the future term is 0 for the last anchor
Eq. 12  A_{i,g}       = A^grp_{i,g} + lam * A^intra_{i,g}                                   lam = 0.3 (§4.3)
Eq. 14  A^final_g     = (R_g - mean R) / (std_pop(R) + eps)                                  whole sequence
Token mapping (the paper leaves it open, SEEDS.md §3.5 GUESS): every completion token gets A^final (L_final
covers the whole sequence); the tokens of anchor segment i (its reasoning + its `<print>` block) also get
A_{i,g} (L_step weights that segment's log-ratio). Eq. 13/14 are realised by TRL's clipped token loss.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import torch

PRINT_END = re.compile(r"</print>")
INPUT_END = re.compile(r"</input>")


def bilevel_advantages(
    step_rewards: torch.Tensor, final_rewards: torch.Tensor, lam: float = 0.3, eps: float = 1e-6
) -> tuple[torch.Tensor, torch.Tensor]:
    """(A_step [G, n], A_final [G]) for one group of G trajectories over n anchors (Eq. 10-12, 14).

    Population std (ddof=0) as the paper writes it; a group where everyone agrees on an anchor gets
    A^grp = 0 there, but correct steps still get the positive intra term.
    """
    r = step_rewards.to(torch.float32)
    rf = final_rewards.to(torch.float32)
    if r.dim() != 2 or rf.dim() != 1 or r.shape[0] != rf.shape[0]:
        raise ValueError(f"step_rewards must be [G, n] and final_rewards [G]; got {tuple(r.shape)}, {tuple(rf.shape)}")
    n = r.shape[1]
    if n == 0:  # no anchors: terminal-only (StepCodeReasoner trains n = 1 samples that way, §4.2)
        return r.clone(), _normalise(rf - rf.mean(), rf.std(correction=0), eps)
    a_grp = _normalise(r - r.mean(0, keepdim=True), r.std(0, correction=0, keepdim=True), eps)
    if n > 1:
        # Mean of the future rewards r_{i+1..n}: reverse cumulative sums divided by the count n - i.
        suffix = r.flip(1).cumsum(1).flip(1)  # suffix[:, i] = sum_{j >= i} r_j
        future_sum = torch.cat([suffix[:, 1:], torch.zeros_like(r[:, :1])], dim=1)
        counts = torch.arange(n - 1, -1, -1, dtype=r.dtype, device=r.device).clamp(min=1)
        future = future_sum / counts
    else:
        future = torch.zeros_like(r)
    a_intra = r * (1.0 + future)
    a_final = _normalise(rf - rf.mean(), rf.std(correction=0), eps)
    return a_grp + lam * a_intra, a_final


def _normalise(diff: torch.Tensor, std: torch.Tensor, eps: float) -> torch.Tensor:
    # A column where everyone agrees has diff 0: its advantage is 0 even when eps = 0.
    return torch.where(diff == 0, torch.zeros_like(diff), diff / (std + eps))


def anchor_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the anchor segments in a completion: segment i runs from the end of the previous
    `</print>` (or of the `</input>` commitment of input prediction) to the end of the i-th `</print>`."""
    start = 0
    first_input = INPUT_END.search(text)
    ends = [m.end() for m in PRINT_END.finditer(text)]
    if first_input and (not ends or first_input.end() <= ends[0]):
        start = first_input.end()
    spans = []
    for end in ends:
        spans.append((start, end))
        start = end
    return spans


def token_char_ends(tokenizer: Any, ids: Sequence[int]) -> list[int]:
    """End character offset of each token in `tokenizer.decode(ids)`.

    Decoding token by token is exact for ASCII; when multi-byte characters straddle tokens the pieces do
    not add up and we fall back to decoding growing prefixes (slow, correct)."""
    ids = list(ids)
    pieces = tokenizer.batch_decode([[i] for i in ids], skip_special_tokens=False)
    full = tokenizer.decode(ids, skip_special_tokens=False)
    if "".join(pieces) == full:
        ends, pos = [], 0
        for p in pieces:
            pos += len(p)
            ends.append(pos)
        return ends
    return [len(tokenizer.decode(ids[: k + 1], skip_special_tokens=False)) for k in range(len(ids))]


def token_advantages(
    char_ends: Sequence[int], spans: Sequence[tuple[int, int]], a_step: Sequence[float], a_final: float, length: int
) -> torch.Tensor:
    """[length] advantages: A_final everywhere, plus A_step[i] on the tokens that start inside span i.

    Predicted anchors beyond the ground-truth count get A_final only; missing ones carry no tokens."""
    out = torch.full((length,), float(a_final))
    starts = [0, *char_ends[:-1]]
    for t in range(min(length, len(starts))):
        for i, (s, e) in enumerate(spans[: len(a_step)]):
            if s <= starts[t] < e:
                out[t] += float(a_step[i])
                break
    return out


def group_bilevel(
    step_rewards: Sequence[Sequence[float]], final_rewards: Sequence[float], group_size: int, lam: float, eps: float = 1e-6
) -> tuple[list[list[float]], list[float]]:
    """Bi-Level advantages for consecutive groups of `group_size` rows (rows of one group share a prompt,
    hence an anchor count; a row with fewer rewards is padded with 0 = wrong)."""
    if len(step_rewards) != len(final_rewards) or len(final_rewards) % group_size:
        raise ValueError("step/final rewards must have the same length, a multiple of the group size")
    a_steps: list[list[float]] = []
    a_finals: list[float] = []
    for g in range(0, len(final_rewards), group_size):
        rows = [list(map(float, r)) for r in step_rewards[g:g + group_size]]
        n = max((len(r) for r in rows), default=0)
        rf = torch.tensor([float(x) for x in final_rewards[g:g + group_size]])
        if n == 0:  # no anchors (n = 0): terminal-only RL, as StepCodeReasoner does for n = 1 (§4.2)
            a_final = _normalise(rf - rf.mean(), rf.std(correction=0), eps)
            a_steps += [[] for _ in rows]
            a_finals += a_final.tolist()
            continue
        r = torch.tensor([row + [0.0] * (n - len(row)) for row in rows])
        a_step, a_final = bilevel_advantages(r, rf, lam, eps)
        a_steps += a_step.tolist()
        a_finals += a_final.tolist()
    return a_steps, a_finals


StepScorer = Callable[[list[dict[str, Any]], list[str]], tuple[list[list[float]], list[float]]]


def make_bilevel_trainer_class(base: type) -> type:
    """`base` (our GRPO trainer) with its advantage hook replaced by the Bi-Level token advantages."""

    class BilevelGRPOTrainer(base):  # type: ignore[misc, valid-type]
        """GRPO whose advantages are (batch, tokens) Bi-Level advantages.

        `step_scorer(rows, completions) -> (step_rewards per row, final reward per row)` supplies the
        anchor-level rewards (Eq. 8-9); rows are the dataset rows of the local batch."""

        def __init__(self, *args: Any, step_scorer: StepScorer, lam: float = 0.3, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.step_scorer = step_scorer
            self.lam = lam

        def _advantages(self, out: dict[str, Any], inputs: list[dict[str, Any]]) -> torch.Tensor:
            from accelerate.utils import gather_object

            ids = out["completion_ids"]
            mask = out["completion_mask"]
            texts = self.processing_class.batch_decode(ids, skip_special_tokens=True)
            steps, finals = self.step_scorer(inputs, texts)
            # Groups may span processes (RL_FRAMEWORKS.md §1.5 caveat 2): gather, compute, slice back.
            all_steps = gather_object(steps)
            all_finals = gather_object(finals)
            a_steps, a_finals = group_bilevel(all_steps, all_finals, self.num_generations, self.lam)
            lo = self.accelerator.process_index * len(inputs)
            adv = torch.zeros(mask.shape, dtype=torch.float32, device=mask.device)
            for b in range(len(inputs)):
                row_ids = ids[b][mask[b].bool()].tolist()
                text = self.processing_class.decode(row_ids, skip_special_tokens=False)
                ends = token_char_ends(self.processing_class, row_ids)
                adv[b, : len(row_ids)] = token_advantages(
                    ends, anchor_spans(text), a_steps[lo + b], a_finals[lo + b], len(row_ids)
                ).to(adv.device)
            self._metrics["train"]["bilevel/step_reward"].append(
                float(sum(sum(s) / max(len(s), 1) for s in all_steps) / max(len(all_steps), 1))
            )
            return adv

    return BilevelGRPOTrainer
