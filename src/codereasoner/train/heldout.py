"""Held-out accuracy during and after training: greedy decoding + the one verifier (`verify_batch`).

Stage: train. Reads held-out `Task`s, writes nothing; returns accuracies that the trainers' callback logs as
curves and the quickstart reports. Generation is plain batched `generate` (left padding, greedy), the same
for the SFT and the GRPO model, and correctness is `rewards.verify.verify_batch` in strict mode — the
definition used by data filtering, rewards and benchmark scoring.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from codereasoner.records import Task, Verdict

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike


def generate(model: Any, tokenizer: Any, prompts: Sequence[Any], *, max_new_tokens: int, batch_size: int = 64,
             greedy: bool = True, temperature: float = 1.0, progress: Callable[[int], None] | None = None) -> list[str]:
    """Completions for `prompts` (chat message lists, or strings = one user turn), special tokens removed."""
    import torch

    from codereasoner.train.sft import messages

    was_training = model.training
    model.eval()
    tokenizer.padding_side = "left"
    out: list[str] = []
    try:
        with torch.no_grad():
            for start in range(0, len(prompts), batch_size):
                chunk = prompts[start:start + batch_size]
                texts = [tokenizer.apply_chat_template(p if isinstance(p, list) else messages(p), tokenize=False,
                                                       add_generation_prompt=True) for p in chunk]
                enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
                kwargs = {"do_sample": False} if greedy else {"do_sample": True, "temperature": temperature}
                ids = model.generate(**enc, max_new_tokens=max_new_tokens, pad_token_id=tokenizer.pad_token_id,
                                     **kwargs)
                new = ids[:, enc["input_ids"].shape[1]:]
                out += tokenizer.batch_decode(new, skip_special_tokens=True)
                if progress:
                    progress(len(chunk))
    finally:
        model.train(was_training)
    return out


def accuracy(model: Any, tokenizer: Any, tasks: Sequence[Task], *, executor: ExecutorLike | None = None,
             max_new_tokens: int = 64, batch_size: int = 64, progress: Callable[[int], None] | None = None) -> tuple[float, list[Verdict]]:
    """Greedy exact accuracy on `tasks` (strict verifier) and the verdicts."""
    from codereasoner.rewards.verify import verify_batch

    if not tasks:
        raise ValueError("no held-out tasks to evaluate")
    from codereasoner.train.sft import messages

    completions = generate(model, tokenizer, [messages(t) for t in tasks], max_new_tokens=max_new_tokens,
                           batch_size=batch_size, progress=progress)
    verdicts = verify_batch(list(tasks), completions, mode="strict", executor=executor)
    return sum(v.correct for v in verdicts) / len(tasks), verdicts


def accuracy_callback(tasks: Sequence[Task], tokenizer: Any, every: int, record: Callable[[int, float], None], *,
                      executor: ExecutorLike | None = None, max_new_tokens: int = 64) -> Any:
    """A transformers `TrainerCallback` that measures held-out accuracy every `every` steps and calls
    `record(step, accuracy)` (the quickstart's accuracy curve; TRL logs it too as `heldout_accuracy`)."""
    from transformers import TrainerCallback

    class HeldoutAccuracy(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **kw: Any) -> None:
            if every and state.global_step % every == 0 and model is not None:
                acc, _ = accuracy(model, tokenizer, tasks, executor=executor, max_new_tokens=max_new_tokens)
                record(state.global_step, acc)

    return HeldoutAccuracy()


def pass_rates(model: Any, tokenizer: Any, tasks: Sequence[Task], k: int, *, executor: ExecutorLike | None = None,
               max_new_tokens: int = 64, temperature: float = 1.0, batch_size: int = 128) -> list[float]:
    """Fraction of `k` sampled completions per task that the strict verifier accepts (RL task selection)."""
    from codereasoner.rewards.verify import verify_batch
    from codereasoner.train.sft import messages

    prompts = [messages(t) for t in tasks for _ in range(k)]
    completions = generate(model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size,
                           greedy=False, temperature=temperature)
    verdicts = verify_batch([t for t in tasks for _ in range(k)], completions, mode="strict", executor=executor)
    return [sum(v.correct for v in verdicts[i * k:(i + 1) * k]) / k for i in range(len(tasks))]
