"""TRL and verl faces of the rewards: the same verify + pure reward, in each library's call signature.

Column contract (TRL datasets and verl parquet rows): a `task` column holds the JSON text of the `Task`
record (`task_columns(task)`); nothing else is needed, and every other column is ignored.
- TRL (`GRPOTrainer(reward_funcs=[trl_reward("anchors")])`): called as
  `f(prompts=..., completions=..., completion_ids=..., **columns)` with each column a list, one entry per
  completion; completions are strings or chat message lists. Returns `list[float | None]`; None (sandbox
  failure, malformed task) makes TRL leave the row out of the group statistics (docs/rewards.md).
  `trl_reward(..., asynchronous=True)` gives an `async def` that TRL runs concurrently with other rewards.
- verl (`reward.custom_reward_function.path=<this file> ...name=verl_compute_score`): called per
  sample as `compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs)` with
  `ground_truth` = the task JSON (`verl_columns(task, ...)` writes the row fields). verl has no "no
  reward": a sandbox failure scores 0.0 and is flagged `no_reward: 1.0` in the logged extra info.
Reward name and mode: the `trl_reward` arguments; for verl `reward_kwargs` (`reward=`, `mode=`), then
`extra_info["reward"]`, then a `data_source` of the form "codereasoner:<reward>", else "output". The recipe's
reward constants (alpha, assertion rule, ...) travel in `extra_info["reward_config"]` when the export wrote them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from codereasoner.records import Task, from_json, to_json
from codereasoner.rewards import REWARDS
from codereasoner.rewards.config import RewardConfig
from codereasoner.rewards.verify import averify_batch, verify, verify_batch

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

TASK_COLUMN = "task"
DATA_SOURCE = "codereasoner"


def task_columns(task: Task) -> dict[str, str]:
    """The dataset columns a reward function needs for `task`: {"task": <Task JSON>}."""
    return {TASK_COLUMN: json.dumps(to_json(task), ensure_ascii=False)}


def task_from_column(value: Any, where: str = "task column") -> Task:
    """A `Task` from a `task` column value (JSON text, or an already-decoded mapping)."""
    if isinstance(value, Task):
        return value
    obj = json.loads(value) if isinstance(value, (str, bytes)) else value
    return from_json(Task, obj, where)


def _tasks(columns: Mapping[str, Any], n: int) -> list[Task]:
    if TASK_COLUMN not in columns:
        raise KeyError(f"the reward needs a {TASK_COLUMN!r} dataset column (see rewards.adapters.task_columns); "
                       f"got columns {sorted(columns)}")
    values = columns[TASK_COLUMN]
    if len(values) != n:
        raise ValueError(f"{TASK_COLUMN!r} column has {len(values)} rows for {n} completions")
    return [task_from_column(v, f"{TASK_COLUMN} row {i}") for i, v in enumerate(values)]


def trl_reward(
    name: str,
    executor: ExecutorLike | None = None,
    *,
    cfg: RewardConfig | None = None,
    asynchronous: bool = False,
) -> Callable[..., Any]:
    """A TRL reward function for the registered reward `name` (see the module docstring)."""
    fn = REWARDS.get(name)
    cfg = cfg or RewardConfig(name=name)

    def score(tasks: Sequence[Task], verdicts: Sequence[Any]) -> list[float | None]:
        return [fn(t, v, cfg) for t, v in zip(tasks, verdicts)]

    if asynchronous:
        async def reward_async(prompts: Sequence[Any], completions: Sequence[Any],
                               completion_ids: Any = None, **kwargs: Any) -> list[float | None]:
            tasks = _tasks(kwargs, len(completions))
            return score(tasks, await averify_batch(tasks, completions, mode=cfg.mode, executor=executor))

        reward_async.__name__ = reward_async.__qualname__ = f"{name}_reward"
        return reward_async

    def reward(prompts: Sequence[Any], completions: Sequence[Any],
               completion_ids: Any = None, **kwargs: Any) -> list[float | None]:
        tasks = _tasks(kwargs, len(completions))
        return score(tasks, verify_batch(tasks, completions, mode=cfg.mode, executor=executor))

    reward.__name__ = reward.__qualname__ = f"{name}_reward"  # TRL logs rewards/<__name__>
    return reward


def _reward_name(data_source: str, extra_info: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> str:
    if kwargs.get("reward"):
        return str(kwargs["reward"])
    if extra_info and extra_info.get("reward"):
        return str(extra_info["reward"])
    if isinstance(data_source, str) and data_source.startswith(f"{DATA_SOURCE}:"):
        return data_source.split(":", 1)[1]
    return "output"


def verl_compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """verl's custom reward signature: {"score": float, ...logged extras} (see the module docstring)."""
    name = _reward_name(data_source, extra_info, kwargs)
    known = {f.name for f in dataclasses.fields(RewardConfig)}
    stored = {k: v for k, v in dict((extra_info or {}).get("reward_config") or {}).items() if k in known}
    mode = kwargs.get("mode") or (extra_info or {}).get("mode") or stored.get("mode") or "strict"
    cfg = RewardConfig(**{**stored, "name": name, "mode": mode})
    task = task_from_column(ground_truth, "ground_truth")
    verdict = verify(task, solution_str, mode=cfg.mode, executor=kwargs.get("executor"))
    value = REWARDS.get(name)(task, verdict, cfg)
    return {
        "score": 0.0 if value is None else float(value),
        "correct": float(verdict.correct),
        "no_reward": float(value is None),
    }


def verl_columns(task: Task, prompt: Sequence[Mapping[str, str]], reward: str = "output",
                 split: str = "train", index: int = 0, reward_config: Mapping[str, Any] | None = None,
                 task_id: str | None = None) -> dict[str, Any]:
    """One verl RL parquet row for `task` (verl's RLHFDataset format) that `verl_compute_score` can score."""
    extra: dict[str, Any] = {"split": split, "index": index, "reward": reward, "task_id": task_id or task.id}
    if reward_config:
        extra["reward_config"] = dict(reward_config)
    return {
        "data_source": f"{DATA_SOURCE}:{reward}",
        "prompt": [dict(m) for m in prompt],
        "ability": "code",
        "reward_model": {"style": "rule", "ground_truth": task_columns(task)[TASK_COLUMN]},
        "extra_info": extra,
    }
