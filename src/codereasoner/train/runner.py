"""Run one training stage end to end: model in, model out, resumable, with logs and a progress bar.

Stage: train. `run_sft` / `run_grpo` take a model directory (the tiny model made by `init_model`, or any local
Hugging Face checkpoint), train with TRL, resume from the newest `checkpoint-N` under the output directory,
and write `OUT/final/` (model + tokenizer + model card) plus `OUT/log.jsonl` (every TRL log line: loss,
reward, held-out accuracy). A stage whose `OUT/final/` exists is skipped, so rerunning a command resumes
where it stopped. Before any model loads, a run that cannot work fails with a clear error: a `report_to`
target whose package is missing, vLLM rollouts without vLLM, fewer RL tasks than one rollout.
Used by `codereasoner train` and `codereasoner quickstart`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.records import Sample, Task
from codereasoner.rewards.config import RewardConfig
from codereasoner.train.config import TrainConfig

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

FINAL = "final"


def init_model(cfg: TrainConfig, texts: Sequence[str], out_dir: str | Path) -> Path:
    """The starting checkpoint: `cfg.model` when it is a directory, else the tiny model built in `out_dir`
    (tokenizer trained on `texts`)."""
    from codereasoner.train.tiny import TinySpec, build_tiny

    if cfg.model != "tiny":
        path = Path(cfg.model)
        if not (path / "config.json").is_file():
            raise ValueError(f"train.model: {path} is not a local Hugging Face checkpoint (no config.json); "
                             "no hub access: download it first")
        return path
    out = Path(out_dir)
    if (out / "config.json").is_file():
        return out
    t = cfg.tiny
    spec = TinySpec(t.vocab_size, t.hidden_size, t.num_layers, t.num_heads, t.intermediate_size, t.max_positions)
    return build_tiny(texts, out, spec, seed=cfg.seed)


def load(path: str | Path, cfg: TrainConfig) -> tuple[Any, Any]:
    """(model, tokenizer) from a local directory; float32 on CPU, `cfg.dtype` on GPU."""
    import torch

    from codereasoner.train.tiny import load_model, load_tokenizer

    dtype = cfg.dtype if torch.cuda.is_available() else "float32"
    return load_model(path, dtype), load_tokenizer(path)


def log_callback(path: Path, extra: Callable[[dict[str, Any]], None] | None = None) -> Any:
    """Append every TRL log dict (with its step) to `path` as JSONL."""
    from transformers import TrainerCallback

    class JsonlLog(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
            if not logs:
                return
            row = {"step": state.global_step, **{k: v for k, v in logs.items() if isinstance(v, (int, float))}}
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
            if extra:
                extra(row)

    return JsonlLog()


def progress_callback(desc: str) -> Any:
    """A tqdm bar on stderr over optimizer steps, showing the latest loss/reward."""
    from tqdm.auto import tqdm
    from transformers import TrainerCallback

    class Bar(TrainerCallback):
        bar: Any = None

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.bar = tqdm(total=state.max_steps, initial=state.global_step, desc=desc, unit="step", leave=True)

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.bar is not None:
                self.bar.update(state.global_step - self.bar.n)

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
            if self.bar is not None and logs:
                shown = {k: f"{logs[k]:.3g}" for k in ("loss", "reward", "heldout_accuracy") if k in logs}
                self.bar.set_postfix(shown)

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.bar is not None:
                self.bar.close()

    return Bar()


def _finish(trainer: Any, out: Path, stage: str, start: str | Path) -> Path:
    from codereasoner.train.card import write_card

    final = out / FINAL
    tmp = out / (FINAL + ".tmp")
    trainer.save_model(str(tmp))
    trainer.processing_class.save_pretrained(str(tmp))
    write_card(out, stage, start, to=tmp / "README.md")
    write_card(out, stage, start)
    tmp.replace(final)
    return final


def _own_card(trainer: Any, out: Path, stage: str, start: str | Path) -> Any:
    """TRL writes its card ("fine-tuned version of [None]" for a local start model) into OUT at every
    checkpoint; ours replaces it (train/card.py)."""
    from codereasoner.train.card import write_card

    def create_model_card(*args: Any, **kwargs: Any) -> None:
        if trainer.is_world_process_zero():
            write_card(out, stage, start)

    trainer.create_model_card = create_model_card
    return trainer


def _quiet(trainer: Any) -> Any:
    """Drop transformers' PrinterCallback (added when tqdm is off): it prints every log dict on stdout, where
    commands print only results. The logs still reach OUT/log.jsonl and `report_to`."""
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)
    return trainer


def _resume(out: Path) -> str | None:
    from codereasoner.train.grpo import last_checkpoint

    return last_checkpoint(out)


def run_sft(model_path: str | Path, samples: Sequence[Sample], cfg: TrainConfig, out_dir: str | Path, *,
            callbacks: Sequence[Any] = (), progress: bool = True) -> Path:
    """SFT from `model_path` on `samples`; returns OUT/final (skips the work when it exists)."""
    from codereasoner.train.batch import world_size
    from codereasoner.train.config import check_report_to
    from codereasoner.train.sft import build_sft_trainer
    from codereasoner.train.tiny import set_threads

    out = Path(out_dir)
    if (out / FINAL / "config.json").is_file():
        return out / FINAL
    check_report_to(cfg.report_to)
    verified = sum(1 for s in samples if s.verified)
    one_update = cfg.sft.batch_size * cfg.sft.gradient_accumulation_steps * world_size()
    if verified < one_update:
        raise ValueError(f"{verified} verified SFT samples are fewer than one optimizer update (train.sft.batch_size "
                         f"{cfg.sft.batch_size} x gradient_accumulation_steps {cfg.sft.gradient_accumulation_steps} "
                         f"x {world_size()} devices = {one_update}): use more data or smaller batches")
    out.mkdir(parents=True, exist_ok=True)
    set_threads(cfg.threads)
    model, tok = load(model_path, cfg)
    cbs = [log_callback(out / "log.jsonl"), *callbacks] + ([progress_callback("SFT")] if progress else [])
    trainer = _quiet(build_sft_trainer(model, tok, samples, cfg, out, callbacks=cbs))
    _own_card(trainer, out, "sft", model_path)
    trainer.train(resume_from_checkpoint=_resume(out))
    return _finish(trainer, out, "sft", model_path)


def run_grpo(model_path: str | Path, tasks: Sequence[Task], cfg: TrainConfig, out_dir: str | Path, *,
             reward: RewardConfig, executor: ExecutorLike | None = None, callbacks: Sequence[Any] = (),
             progress: bool = True) -> Path:
    """GRPO (or Bi-Level GRPO) from `model_path` on `tasks` with the registered reward `reward.name`
    (resolved by the caller from the recipe: `Recipe.rl_reward()`); returns OUT/final."""
    from codereasoner.rewards.adapters import trl_reward
    from codereasoner.train.batch import batch_plan
    from codereasoner.train.config import check_report_to
    from codereasoner.train.grpo import build_grpo_trainer, check_vllm
    from codereasoner.train.sft import rl_row
    from codereasoner.train.tiny import set_threads

    out = Path(out_dir)
    if (out / FINAL / "config.json").is_file():
        return out / FINAL
    check_report_to(cfg.report_to)
    check_vllm(cfg)
    batch_plan(cfg.grpo)  # sizes that cannot be split over this launch's devices fail here
    enough_tasks(len(tasks), cfg, "the data")
    out.mkdir(parents=True, exist_ok=True)
    set_threads(cfg.threads)
    model, tok = load(model_path, cfg)
    tasks = fitting_prompts(tok, tasks, cfg.grpo.max_prompt_length)
    enough_tasks(len(tasks), cfg, f"prompts of at most train.grpo.max_prompt_length={cfg.grpo.max_prompt_length} "
                                  "tokens")
    if cfg.grpo.select_samples:
        tasks = select_tasks(model, tok, tasks, cfg, out, executor)
        enough_tasks(len(tasks), cfg, "the pass-rate selection (OUT/selection.json)")
    rewards = [trl_reward(reward.name, executor, cfg=reward)]
    scorer = None
    if cfg.grpo.algorithm == "bilevel":
        scorer = anchor_step_scorer(executor)
    cbs = [log_callback(out / "log.jsonl"), *callbacks] + ([progress_callback("GRPO")] if progress else [])
    trainer = _quiet(build_grpo_trainer(model, tok, [rl_row(t) for t in tasks], cfg, out, rewards,
                                        step_scorer=scorer, callbacks=cbs))
    _own_card(trainer, out, "grpo", model_path)
    trainer.train(resume_from_checkpoint=_resume(out))
    return _finish(trainer, out, "grpo", model_path)


def enough_tasks(n: int, cfg: TrainConfig, after: str) -> None:
    """One rollout needs `rollout_prompts` distinct tasks; with fewer, TRL would train 0 steps and write `final`."""
    need = cfg.grpo.rollout_prompts
    if n < need:
        raise ValueError(f"only {n} RL task(s) remain after {after}, fewer than one rollout "
                         f"(train.grpo.rollout_prompts={need}): use more data, or lower rollout_prompts and "
                         "update_prompts (--set train.grpo.rollout_prompts=N --set train.grpo.update_prompts=N)")


def fitting_prompts(tokenizer: Any, tasks: Sequence[Task], max_tokens: int) -> list[Task]:
    """The tasks whose chat-rendered prompt is at most `max_tokens` tokens (verl's filter_overlong_prompts)."""
    from codereasoner.train.sft import messages

    kept = []
    for task in tasks:
        ids = tokenizer.apply_chat_template(messages(task), tokenize=True, add_generation_prompt=True)
        if len(ids["input_ids"] if hasattr(ids, "keys") else ids) <= max_tokens:  # transformers 5: a BatchEncoding
            kept.append(task)
    return kept


def select_tasks(model: Any, tok: Any, tasks: Sequence[Task], cfg: TrainConfig, out: Path, executor: Any) -> list[Task]:
    """Tasks whose sampled pass rate under the start model lies in [select_min, select_max]: groups that
    are all right or all wrong carry no GRPO signal (docs/training.md). Cached in OUT/selection.json."""
    import random

    from codereasoner.train.heldout import pass_rates

    g = cfg.grpo
    cache = out / "selection.json"
    if cache.is_file():
        keep = set(json.loads(cache.read_text(encoding="utf-8"))["kept"])
        return [t for t in tasks if t.id in keep]
    pool = list(tasks)
    if g.select_pool and len(pool) > g.select_pool:
        pool = random.Random(cfg.seed).sample(pool, g.select_pool)
    import torch

    torch.manual_seed(cfg.seed)  # arms that share a start model and seed draw the same samples, so the same tasks
    rates = pass_rates(model, tok, pool, g.select_samples, executor=executor,
                       max_new_tokens=g.max_completion_length, temperature=g.temperature)
    kept = [t for t, p in zip(pool, rates) if g.select_min <= p <= g.select_max]
    cache.write_text(json.dumps({"pool": len(pool), "kept": [t.id for t in kept],
                                 "mean_pass_rate": sum(rates) / max(len(rates), 1)}), encoding="utf-8")
    if not kept:
        raise ValueError(f"no RL task has a pass rate in [{g.select_min}, {g.select_max}] under the start model")
    return kept


def anchor_step_scorer(executor: Any = None) -> Callable[[list[dict[str, Any]], list[str]], Any]:
    """Per-anchor rewards r_i (Eq. 8), the final-answer reward (Eq. 9) and each row's anchor targets for
    Bi-Level GRPO rows; a row the sandbox could not judge gets None (left out of the statistics)."""
    from codereasoner.rewards.adapters import task_from_column
    from codereasoner.rewards.anchors import anchor_rewards, final_correct
    from codereasoner.rewards.verify import verify_batch

    def score(rows: list[dict[str, Any]], completions: list[str]) -> tuple[list[Any], list[Any], list[Any]]:
        tasks = [task_from_column(r["task"]) for r in rows]
        verdicts = verify_batch(tasks, completions, mode="strict", executor=executor)
        steps = [anchor_rewards(t, v) for t, v in zip(tasks, verdicts)]
        finals = [None if s is None else 1.0 if final_correct(v) else 0.0 for s, v in zip(steps, verdicts)]
        targets = [v.meta.get("targets") for v in verdicts]
        return steps, finals, targets

    return score


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """The rows `log_callback` wrote (empty when the stage has not logged yet)."""
    p = Path(path)
    if not p.is_file():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
