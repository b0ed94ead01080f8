"""Scale-out on verl (pinned 0.9.1): parquet export, the custom reward function, Bi-Level GRPO as an estimator.

Stage: train. Reads task records, writes verl's RL parquet (docs/training.md "verl"); at training time verl
imports `train/verl_plugin.py` inside its Ray workers (`VERL_USE_EXTERNAL_MODULES`), which registers the
estimator. Nothing here imports verl at module import time.

- `compute_score` is `rewards.adapters.verl_compute_score` (verl's `reward.custom_reward_function`): the same
  verifier and reward as the TRL path; `ground_truth` holds only what the verifier needs (`ground_truth`).
- Bi-Level GRPO: verl hands a custom estimator only `token_level_rewards`, `response_mask` and the group ids
  (`index`), so the per-anchor rewards travel inside `token_level_rewards`, packed by `BilevelRewardManager`:
      the token ending anchor i holds STEP_MARK + x_i, x_i = r_i + 0.5*[anchor missing] + key_i / KEY_SCALE
        (r_i in {0, 1}; key_i in 1..1023 names the anchor's target line, so input-prediction samples with
        different targets are not normalised together; an anchor the response never printed has no tokens
        and sits on a spare token after the last printed one, still counting in the statistics);
      the last response token also holds LAST_BASE * k, k = 1 final answer wrong, 2 right, 3 unscorable
        (sandbox error: left out of the statistics) — so a segment ending on the last token keeps its reward.
  `bilevel_grpo_estimator` decodes it, applies `train.bilevel.group_advantages` (Eq. 10-14 and the paper's
  rules) and returns (B, L) advantages: A_final on every response token plus A_step[i] on segment i. Any other
  value in the tensor is refused: `algorithm.use_kl_in_reward` subtracts a KL penalty from every token and
  would corrupt the markers (Eq. 15's KL belongs in the actor loss: `actor.use_kl_loss`). verl's logged score
  sums the tensor and therefore includes the markers; read `correct`/`anchors_correct` from the extra info.
- lambda: verl's `AlgoConfig` is a closed dataclass (an unknown `+algorithm.bilevel_lambda` fails its
  conversion), so lambda comes from the environment, `CODEREASONER_BILEVEL_LAMBDA` (the launch script puts it
  into Ray's runtime env), default 0.3; a config that does carry `bilevel_lambda` wins.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codereasoner.records import Task
from codereasoner.rewards.adapters import verl_columns, verl_compute_score

STEP_MARK = 2.0
LAST_BASE = 8.0
KEY_SCALE = 2048.0
KEYS = 1023
ESTIMATOR = "bilevel_grpo"
LAMBDA_ENV = "CODEREASONER_BILEVEL_LAMBDA"
compute_score = verl_compute_score  # verl: reward.custom_reward_function.name=compute_score
_TOL = 1e-4


def ground_truth(task: Task) -> Task:
    """The task as the verifier needs it: no prompt (it is in the `prompt` column), no provenance."""
    return dataclasses.replace(task, prompt="", meta={}, difficulty=0, recipe="")


def export_rows(tasks: Iterable[Task], reward: str = "output", split: str = "train",
                reward_config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """verl RL rows (data_source, prompt, ability, reward_model, extra_info) for `tasks`."""
    from codereasoner.train.sft import messages

    return [verl_columns(ground_truth(t), messages(t), reward=reward, split=split, index=i,
                         reward_config=reward_config, task_id=t.id) for i, t in enumerate(tasks)]


def write_parquet(rows: Sequence[dict[str, Any]], out: str | Path) -> Path:
    """Write rows atomically as parquet (pyarrow infers the nested struct/list columns verl reads)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not rows:
        raise ValueError("no tasks to export")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(pa.Table.from_pylist(list(rows)), tmp)
    tmp.replace(out)
    return out


@dataclass(frozen=True)
class PackedAnchor:
    """One anchor in the packed token rewards: where its segment ends (None: never printed), r_i, target key."""

    end: int | None
    reward: float
    key: int = 0


def target_key(line: str) -> int:
    """A stable 1..1023 key for an anchor's target line (collisions are possible, and only merge two groups)."""
    return 1 + int(hashlib.sha1(line.encode("utf-8")).hexdigest()[:8], 16) % KEYS


def pack_rewards(length: int, anchors: Sequence[PackedAnchor], final: float | None) -> list[float]:
    """One row of packed token rewards (see the module docstring); `final` None = unscorable."""
    row = [0.0] * length
    if not length:
        return row
    present = [a.end for a in anchors if a.end is not None]
    spare = iter(range(max(present, default=-1) + 1, length))  # carriers for anchors the response never printed
    for a in anchors:
        pos = a.end if a.end is not None else next(spare, None)
        if pos is None or not 0 <= pos < length:
            continue  # no room left: the anchor is dropped (only for responses ending in their last print)
        x = (1.0 if a.reward else 0.0) + (0.5 if a.end is None else 0.0) + min(max(a.key, 0), KEYS) / KEY_SCALE
        row[pos] = STEP_MARK + x
    k = 3 if final is None else 2 if final else 1
    row[length - 1] += LAST_BASE * k
    return row


def decode_packed(rewards: Sequence[float], length: int) -> tuple[list[PackedAnchor], float | None]:
    """(anchors in order, final reward or None) from one row of packed token rewards; ValueError on values
    that are not packed markers (see the module docstring)."""
    anchors: list[PackedAnchor] = []
    final: float | None = 0.0
    for t in range(length):
        v = float(rewards[t])
        if t == length - 1:
            k = int((v + _TOL) // LAST_BASE)
            if k not in (1, 2, 3):
                raise ValueError(_NOT_PACKED.format(v=v, t=t))
            final = None if k == 3 else float(k - 1)
            v -= LAST_BASE * k
        if abs(v) <= _TOL:
            continue
        x = v - STEP_MARK
        if not -_TOL <= x < 1.5:
            raise ValueError(_NOT_PACKED.format(v=float(rewards[t]), t=t))
        reward = 1.0 if x >= 1.0 - _TOL else 0.0
        missing = reward == 0.0 and x >= 0.5 - _TOL
        frac = x - reward - (0.5 if missing else 0.0)
        anchors.append(PackedAnchor(None if missing else t, reward, int(round(frac * KEY_SCALE))))
    return anchors, final


_NOT_PACKED = ("token_level_rewards[{t}] = {v} is not a packed Bi-Level marker: the estimator needs the rewards "
               "BilevelRewardManager wrote, unchanged (is algorithm.use_kl_in_reward on? Use "
               "actor_rollout_ref.actor.use_kl_loss for Eq. 15's KL term instead)")


def bilevel_grpo_estimator(token_level_rewards: Any, response_mask: Any, config: Any = None, index: Any = None,
                           **kwargs: Any) -> tuple[Any, Any]:
    """verl advantage estimator for Bi-Level GRPO over packed rewards (see the module docstring)."""
    import torch

    from codereasoner.train.bilevel import group_advantages

    if _config_value(config, "use_kl_in_reward", False):
        raise ValueError("algorithm.use_kl_in_reward=True cannot be combined with adv_estimator=bilevel_grpo: the KL "
                         "penalty is subtracted from every token reward and corrupts the packed anchor rewards; use "
                         "actor_rollout_ref.actor.use_kl_loss=True (+ kl_loss_coef) for Eq. 15's KL term")
    lam = bilevel_lambda(config)
    bsz = token_level_rewards.shape[0]
    lengths = response_mask.sum(-1).long().tolist()
    rows = [decode_packed(token_level_rewards[b].tolist(), lengths[b]) for b in range(bsz)]
    ids = list(index) if index is not None else list(range(bsz))
    adv = torch.zeros_like(token_level_rewards, dtype=torch.float32)
    groups: dict[Any, list[int]] = {}
    for b, uid in enumerate(ids):
        groups.setdefault(uid, []).append(b)
    for members in groups.values():
        finals = [rows[b][1] for b in members]
        steps = [None if f is None else [a.reward for a in rows[b][0]] for b, f in zip(members, finals)]
        keys = [[str(a.key) for a in rows[b][0]] for b in members]
        a_steps, a_finals = group_advantages(steps, finals, lam, targets=keys)
        for k, b in enumerate(members):
            adv[b, : lengths[b]] = a_finals[k]
            start = 0
            for i, anchor in enumerate(rows[b][0]):
                if anchor.end is None:
                    continue
                if i < len(a_steps[k]):
                    adv[b, start:anchor.end + 1] += a_steps[k][i]
                start = anchor.end + 1
    adv = adv * response_mask
    return adv, adv


def bilevel_lambda(config: Any = None) -> float:
    """lambda: `config.bilevel_lambda` when the config has it, else $CODEREASONER_BILEVEL_LAMBDA, else 0.3."""
    value = _config_value(config, "bilevel_lambda", None)
    if value is None:
        raw = os.environ.get(LAMBDA_ENV, "").strip()
        try:
            value = float(raw) if raw else 0.3
        except ValueError:
            raise ValueError(f"${LAMBDA_ENV}={raw!r} is not a number") from None
    if float(value) < 0:
        raise ValueError(f"bilevel lambda must be >= 0, got {value}")
    return float(value)


def _config_value(config: Any, key: str, default: Any) -> Any:
    # verl passes its AlgoConfig (attribute access) or a DictConfig/dict; a missing key means the default.
    if config is None:
        return default
    try:
        value = config.get(key, None) if hasattr(config, "get") else getattr(config, key, None)
    except (AttributeError, KeyError, TypeError):
        value = None
    return default if value is None else value


def register_verl() -> None:
    """Register `bilevel_grpo` in verl's estimator registry (idempotent); call in every Ray process, e.g.
    through VERL_USE_EXTERNAL_MODULES=codereasoner.train.verl_plugin."""
    from verl.trainer.ppo import core_algos

    if ESTIMATOR not in core_algos.ADV_ESTIMATOR_REGISTRY:
        core_algos.register_adv_est(ESTIMATOR)(bilevel_grpo_estimator)

