"""Scale-out on verl (pinned 0.9.1): parquet export, the custom reward function, Bi-Level GRPO as an estimator.

Stage: train. Reads task records, writes verl's RL parquet (RL_FRAMEWORKS.md §2.4); at training time verl
imports this file inside its Ray workers (`VERL_USE_EXTERNAL_MODULES=codereasoner.train.verl`) so that
`register_verl()` has run there (`train/verl_plugin.py` registers on import). Nothing here imports verl at module import time.

- `compute_score` is `rewards.adapters.verl_compute_score` (verl's `reward.custom_reward_function`):
  the same verifier and reward as the TRL path.
- Bi-Level GRPO: verl hands a custom estimator only `token_level_rewards`, `response_mask` and the group ids
  (`index`) (RL_FRAMEWORKS.md §2.3), so the per-anchor rewards travel inside `token_level_rewards` with a
  dedicated convention written by `BilevelRewardManager`:
      the last token of anchor segment i holds STEP_MARK + r_i  (r_i in {0, 1}, so 2.0 or 3.0);
      the last response token holds the final reward r_final (Eq. 9).
  `bilevel_grpo_estimator` decodes it, computes Eq. 10-14 with `train.bilevel`, and returns (B, L)
  advantages: A_final on every response token plus A_step[i] on segment i. (verl's logged score sums the
  tensor and therefore includes the markers; read `correct`/`anchors_correct` from the extra info instead.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from codereasoner.records import Task
from codereasoner.rewards.adapters import verl_columns, verl_compute_score

STEP_MARK = 2.0
ESTIMATOR = "bilevel_grpo"
compute_score = verl_compute_score  # verl: reward.custom_reward_function.name=compute_score


def export_rows(tasks: Iterable[Task], reward: str = "output", split: str = "train") -> list[dict[str, Any]]:
    """verl RL rows (data_source, prompt, ability, reward_model, extra_info) for `tasks`."""
    from codereasoner.train.sft import messages

    return [verl_columns(t, messages(t), reward=reward, split=split, index=i) for i, t in enumerate(tasks)]


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


def decode_packed(rewards: Sequence[float], length: int) -> tuple[list[int], list[float], float]:
    """(segment end positions, step rewards, final reward) from one row of packed token rewards."""
    ends, steps = [], []
    for t in range(max(length - 1, 0)):
        if rewards[t] >= STEP_MARK - 1e-6:
            ends.append(t)
            steps.append(float(rewards[t]) - STEP_MARK)
    final = float(rewards[length - 1]) if length else 0.0
    return ends, steps, final


def bilevel_grpo_estimator(token_level_rewards: Any, response_mask: Any, config: Any = None, index: Any = None,
                           **kwargs: Any) -> tuple[Any, Any]:
    """verl advantage estimator for Bi-Level GRPO over packed rewards (see the module docstring)."""
    import torch

    from codereasoner.train.bilevel import bilevel_advantages

    lam = _config_value(config, "bilevel_lambda", 0.3)
    bsz = token_level_rewards.shape[0]
    lengths = response_mask.sum(-1).long().tolist()
    rows = [decode_packed(token_level_rewards[b].tolist(), lengths[b]) for b in range(bsz)]
    ids = list(index) if index is not None else list(range(bsz))
    adv = torch.zeros_like(token_level_rewards, dtype=torch.float32)
    groups: dict[Any, list[int]] = {}
    for b, uid in enumerate(ids):
        groups.setdefault(uid, []).append(b)
    for members in groups.values():
        n = max(len(rows[b][1]) for b in members)
        steps = torch.tensor([rows[b][1] + [0.0] * (n - len(rows[b][1])) for b in members]).reshape(len(members), n)
        finals = torch.tensor([rows[b][2] for b in members])
        a_step, a_final = bilevel_advantages(steps, finals, lam=lam)
        for k, b in enumerate(members):
            adv[b, : lengths[b]] = a_final[k]
            start = 0
            for i, end in enumerate(rows[b][0]):
                adv[b, start:end + 1] += a_step[k, i]
                start = end + 1
    adv = adv * response_mask
    return adv, adv


def _config_value(config: Any, key: str, default: float) -> float:
    # verl passes its AlgoConfig (attribute access) or a DictConfig/dict; a missing key means the default.
    if config is None:
        return default
    value = config.get(key, None) if hasattr(config, "get") else getattr(config, key, None)
    return default if value is None else float(value)


def pack_rewards(length: int, step_ends: Sequence[int], step_rewards: Sequence[float], final: float) -> list[float]:
    """One row of packed token rewards (the inverse of `decode_packed`)."""
    row = [0.0] * length
    for end, r in zip(step_ends, step_rewards):
        if 0 <= end < length - 1:
            row[end] = STEP_MARK + float(r)
    if length:
        row[length - 1] = float(final)
    return row


def register_verl() -> None:
    """Register `bilevel_grpo` in verl's estimator registry (idempotent); call in every Ray process, e.g.
    through VERL_USE_EXTERNAL_MODULES=codereasoner.train.verl."""
    from verl.trainer.ppo import core_algos

    if ESTIMATOR not in core_algos.ADV_ESTIMATOR_REGISTRY:
        core_algos.register_adv_est(ESTIMATOR)(bilevel_grpo_estimator)


def verl_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("verl") is not None


def read_task_jsonl(paths: Iterable[str | Path]) -> list[Task]:
    """Task records from JSONL files (a data directory's tasks/*.jsonl)."""
    from codereasoner.jsonl import BadLine, read_records

    tasks: list[Task] = []
    for path in paths:
        for item in read_records(path, Task):
            if isinstance(item, BadLine):
                raise ValueError(item.error)
            tasks.append(item)
    return tasks
