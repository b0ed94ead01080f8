"""Bi-Level GRPO (StepCodeReasoner §3.3, Eq. 10-15): per-anchor group advantages + intra-trajectory shaping.

Stage: train. The math is one pure torch function (`bilevel_advantages`) tested on hand-worked examples;
`group_advantages` applies the paper's rules to one prompt's group; `token_advantages` maps the result onto
completion tokens; `make_bilevel_trainer_class` plugs it into TRL by handing TRL's loss a (batch, tokens)
advantage tensor (TRL >= 0.26 broadcasts either shape; docs/training.md "Bi-Level GRPO").

Eq. 10  A^grp_{i,g}   = (r_{i,g} - mean_g' r_{i,g'}) / (std_pop_g'(r_{i,.}) + eps)        per anchor i
Eq. 11  A^intra_{i,g} = r_{i,g} * (1 + mean_{j>i} r_{j,g}),  the future term is 0 for the last anchor
Eq. 12  A_{i,g}       = A^grp_{i,g} + lam * A^intra_{i,g}                                   lam = 0.3 (§4.3)
Eq. 14  A^final_g     = (R_g - mean R) / (std_pop(R) + eps)                                  whole sequence
Eq. 15  + beta * KL(pi || pi_ref): TRL's k3 term in the loss (`train.grpo.beta`).
Rules of the paper and of sound statistics applied by `group_advantages`:
- a sample with at most one anchor (only the return value) is trained terminal-only (§4.2);
- a sample the sandbox could not judge (reward None) is left out of every statistic and gets advantage 0,
  as TRL does for an unscorable row — it is not "all wrong";
- input prediction: each sample's prints are those of the input *it* committed to, so anchor i of two
  samples may have different targets; the Eq. 10 statistics of anchor i are taken over the samples that
  share its target (`targets`), never across different targets.
Token mapping (the paper leaves it open): every completion token gets A^final (L_final covers the whole
sequence); the tokens of anchor segment i (its reasoning + its `<print>` block) also get A_{i,g} (L_step
weights that segment's log-ratio). Eq. 13/14 are realised by TRL's clipped token loss.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import torch

PRINT_END = re.compile(r"</print>")
INPUT_END = re.compile(r"</input>")
TOL = 1e-9  # |r - mean| below this is agreement: partial credits summed differently differ by float noise


def bilevel_advantages(
    step_rewards: torch.Tensor, final_rewards: torch.Tensor, lam: float = 0.3, eps: float = 1e-6, *,
    present: torch.Tensor | None = None, target_ids: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(A_step [G, n], A_final [G]) for one group of G trajectories over n anchors (Eq. 10-12, 14).

    Population std (ddof=0) as the paper writes it; a group where everyone agrees on an anchor gets
    A^grp = 0 there, but correct steps still get the positive intra term. `present` [G, n] marks the
    anchors a trajectory has (absent ones take no part and get 0); `target_ids` [G, n] splits an anchor
    column into groups with the same target (Eq. 10 is computed within each).
    """
    r = step_rewards.to(torch.float32)
    rf = final_rewards.to(torch.float32)
    if r.dim() != 2 or rf.dim() != 1 or r.shape[0] != rf.shape[0]:
        raise ValueError(f"step_rewards must be [G, n] and final_rewards [G]; got {tuple(r.shape)}, {tuple(rf.shape)}")
    mask = torch.ones_like(r, dtype=torch.bool) if present is None else present.to(torch.bool)
    ids = torch.zeros_like(r, dtype=torch.long) if target_ids is None else target_ids.to(torch.long)
    a_final = _normalise(rf - rf.mean(), rf.std(correction=0), eps) if rf.numel() else rf.clone()
    r = torch.where(mask, r, torch.zeros_like(r))
    a_grp = torch.zeros_like(r)
    for i in range(r.shape[1]):
        for k in torch.unique(ids[:, i]).tolist():
            rows = mask[:, i] & (ids[:, i] == k)
            if rows.any():
                col = r[rows, i]
                a_grp[rows, i] = _normalise(col - col.mean(), col.std(correction=0), eps)
    # Mean of the present future rewards r_{i+1..}: reverse cumulative sums over the present anchors.
    fmask = mask.to(r.dtype)
    suffix = r.flip(1).cumsum(1).flip(1)  # suffix[:, i] = sum_{j >= i} r_j (absent anchors hold 0)
    count = fmask.flip(1).cumsum(1).flip(1)
    future_sum = torch.cat([suffix[:, 1:], torch.zeros_like(r[:, :1])], dim=1)
    future_count = torch.cat([count[:, 1:], torch.zeros_like(r[:, :1])], dim=1)
    future = torch.where(future_count > 0, future_sum / future_count.clamp(min=1), torch.zeros_like(r))
    a_intra = r * (1.0 + future)
    return torch.where(mask, a_grp + lam * a_intra, torch.zeros_like(r)), a_final


def _normalise(diff: torch.Tensor, std: torch.Tensor, eps: float) -> torch.Tensor:
    # A column where everyone agrees has diff ~0: its advantage is 0 even when eps = 0.
    return torch.where(diff.abs() <= TOL, torch.zeros_like(diff), diff / (std + eps))


def group_advantages(
    steps: Sequence[Sequence[float] | None], finals: Sequence[float | None], lam: float, eps: float = 1e-6,
    targets: Sequence[Sequence[str] | None] | None = None,
) -> tuple[list[list[float]], list[float]]:
    """Bi-Level advantages of one prompt's group, with the rules of the module docstring.

    `steps[g]` = r_1..r_n of trajectory g (None: unscorable), `finals[g]` = its final reward (None:
    unscorable), `targets[g]` = the expected line of each of its anchors (input prediction). Returns
    (per-anchor advantages, [] for terminal-only or unscorable rows; A_final, 0 for unscorable rows)."""
    size = len(finals)
    if len(steps) != size or (targets is not None and len(targets) != size):
        raise ValueError("steps, finals and targets must have one entry per trajectory")
    scored = [g for g in range(size) if finals[g] is not None and steps[g] is not None]
    a_steps: list[list[float]] = [[] for _ in range(size)]
    a_finals = [0.0] * size
    if not scored:
        return a_steps, a_finals
    stepped = [g for g in scored if len(steps[g] or ()) >= 2]  # n <= 1: terminal-only (§4.2)
    n = max((len(steps[g] or ()) for g in stepped), default=0)
    r = torch.zeros(len(scored), n)
    present = torch.zeros(len(scored), n, dtype=torch.bool)
    ids = torch.zeros(len(scored), n, dtype=torch.long)
    keys: dict[str, int] = {}
    for row, g in enumerate(scored):
        if g not in stepped:
            continue
        values = [float(x) for x in steps[g] or ()]
        r[row, : len(values)] = torch.tensor(values)
        present[row, : len(values)] = True
        line = (targets[g] if targets is not None else None) or ()
        for i in range(len(values)):
            ids[row, i] = keys.setdefault(str(line[i]) if i < len(line) else "", len(keys))
    a_step, a_final = bilevel_advantages(r, torch.tensor([float(finals[g] or 0.0) for g in scored]), lam, eps,
                                         present=present, target_ids=ids)
    for row, g in enumerate(scored):
        a_finals[g] = float(a_final[row])
        if g in stepped:
            a_steps[g] = a_step[row, : len(steps[g] or ())].tolist()
    return a_steps, a_finals


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
    step_rewards: Sequence[Sequence[float] | None], final_rewards: Sequence[float | None], group_size: int, lam: float,
    eps: float = 1e-6, targets: Sequence[Sequence[str] | None] | None = None,
) -> tuple[list[list[float]], list[float]]:
    """`group_advantages` over consecutive groups of `group_size` rows (rows of one group share a prompt)."""
    if len(step_rewards) != len(final_rewards) or len(final_rewards) % group_size:
        raise ValueError("step/final rewards must have the same length, a multiple of the group size")
    a_steps: list[list[float]] = []
    a_finals: list[float] = []
    for g in range(0, len(final_rewards), group_size):
        part = slice(g, g + group_size)
        steps, finals = group_advantages(step_rewards[part], final_rewards[part], lam, eps,
                                         targets[part] if targets is not None else None)
        a_steps += steps
        a_finals += finals
    return a_steps, a_finals


# (rows, completions) -> (r_1..r_n per row or None, final reward per row or None[, expected line per anchor per row])
StepScorer = Callable[[list[dict[str, Any]], list[str]], tuple[Any, ...]]


def make_bilevel_trainer_class(base: type) -> type:
    """`base` (our GRPO trainer) with its advantage hook replaced by the Bi-Level token advantages."""

    class BilevelGRPOTrainer(base):
        """GRPO whose advantages are (batch, tokens) Bi-Level advantages.

        `step_scorer(rows, completions) -> (step_rewards per row, final reward per row[, targets per row])`
        supplies the anchor-level rewards (Eq. 8-9) — None for a row the sandbox could not judge — and, for
        input prediction, each row's expected anchor lines; rows are the dataset rows of the local batch."""

        def __init__(self, *args: Any, step_scorer: StepScorer, lam: float = 0.3, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.step_scorer = step_scorer
            self.lam = lam

        def _advantages(self, out: dict[str, Any], inputs: list[dict[str, Any]]) -> torch.Tensor:
            from accelerate.utils import gather_object

            ids = out["completion_ids"]
            mask = out["completion_mask"]
            texts = self.processing_class.batch_decode(ids, skip_special_tokens=True)
            scored = self.step_scorer(inputs, texts)
            targets = scored[2] if len(scored) > 2 else None
            # A prompt's group may span processes: gather, compute, slice back.
            all_steps = gather_object(list(scored[0]))
            all_finals = gather_object(list(scored[1]))
            all_targets = gather_object(list(targets)) if targets is not None else None
            a_steps, a_finals = group_bilevel(all_steps, all_finals, self.num_generations, self.lam,
                                              targets=all_targets)
            lo = self.accelerator.process_index * len(inputs)
            adv = torch.zeros(mask.shape, dtype=torch.float32, device=mask.device)
            for b in range(len(inputs)):
                row_ids = ids[b][mask[b].bool()].tolist()
                text = self.processing_class.decode(row_ids, skip_special_tokens=False)
                ends = token_char_ends(self.processing_class, row_ids)
                adv[b, : len(row_ids)] = token_advantages(
                    ends, anchor_spans(text), a_steps[lo + b], a_finals[lo + b], len(row_ids)
                ).to(adv.device)
            judged = [s for s in all_steps if s]
            self._metrics["train"]["bilevel/step_reward"].append(
                float(sum(sum(s) / len(s) for s in judged) / max(len(judged), 1)))
            self._metrics["train"]["bilevel/unscored"].append(float(sum(f is None for f in all_finals)))
            return adv

    return BilevelGRPOTrainer
