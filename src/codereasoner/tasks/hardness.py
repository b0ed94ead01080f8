"""Tasks stage: ExecVerify's model-based difficulty filter — drop programs a model already solves.

ExecVerify (`data/filter_by_difficulty.py`, docs/data.md) asks a 7B code model to predict each program's
output k = 10 times (T = 1.0, top_p 0.9, 4096 tokens) and keeps the programs it solved at most 3 times: a
program solved t = 4 or more times out of k teaches little. Here any backend does the sampling: this module
takes an injected `generate(ids, prompts) -> [[k completions] per prompt]` (the pipeline wires the hf, vllm
or openai backend, with a resumable cache) and only builds prompts and counts right answers.

A sample is right by the output kind's own strict check (`match: strict`, one definition of correct) or,
as ExecVerify counts, when the ground-truth repr occurs anywhere in the completion (`match: substring`,
lenient: a result like `1` occurs in most texts).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from codereasoner.records import Program, Run

MATCHES = ("strict", "substring")
Generate = Callable[[list[str], list[Any]], list[list[str]]]


@dataclass(frozen=True)
class HardnessConfig:
    """`data.hardness`: off until `backend` names one (hf, vllm, openai); the rest are ExecVerify's values."""

    backend: str = field(default="", metadata={"help": "generation backend: hf, vllm or openai (empty = off)"})
    model: str = field(default="", metadata={
        "help": "model path or name (ExecVerify: Qwen2.5-Coder-7B-Instruct)"})
    base_url: str = field(default="", metadata={
        "help": "endpoint of the openai backend, e.g. http://127.0.0.1:8000/v1"})
    k: int = field(default=10, metadata={"help": "answers sampled per program (ExecVerify: 10)"})
    t: int = field(default=4, metadata={
        "help": "drop a program when at least t of its k answers are right (ExecVerify keeps <= 3 of 10)"})
    temperature: float = field(default=1.0, metadata={"help": "sampling temperature (ExecVerify: 1.0)"})
    top_p: float = field(default=0.9, metadata={"help": "nucleus sampling (ExecVerify: 0.9)"})
    max_new_tokens: int = field(default=4096, metadata={"help": "tokens per answer (ExecVerify: 4096)"})
    style: str = field(default="execverify", metadata={
        "help": "prompt style of the output-prediction question (ExecVerify's assertion prompt)"})
    match: str = field(default="strict", metadata={
        "help": "strict (the output kind's check) or substring (ExecVerify: the answer's repr anywhere)"})
    seed: int = field(default=0, metadata={"help": "sampling seed"})

    def __post_init__(self) -> None:
        if self.k < 1 or not 1 <= self.t <= self.k:
            raise ValueError(f"data.hardness needs k >= 1 and 1 <= t <= k, got k={self.k}, t={self.t}")
        if self.match not in MATCHES:
            raise ValueError(f"data.hardness.match must be one of {', '.join(MATCHES)}, got {self.match!r}")
        if self.temperature <= 0:
            raise ValueError("data.hardness.temperature must be > 0: k greedy answers would all be the same")
        if self.backend and not self.model:
            raise ValueError("data.hardness.model must name the model that judges difficulty")

    @property
    def enabled(self) -> bool:
        return bool(self.backend)


def output_tasks(pairs: Sequence[tuple[Program, Run]], style: str, max_chars: int) -> list[Any]:
    """The output-prediction task of each (program, traced run), None where the result is not askable."""
    from codereasoner.tasks import TASK_KINDS
    from codereasoner.tasks.base import KindOptions

    kind = TASK_KINDS.get("output")(KindOptions(style=style, max_answer_chars=max_chars))
    rng = random.Random(0)  # the output kind draws nothing; any rng
    return [next(iter(kind.questions(p, r, rng, recipe="hardness")), None) for p, r in pairs]


def solved(task: Any, completions: Sequence[str], match: str) -> int:
    """How many completions answer `task` right."""
    if match == "substring":
        return sum(task.answer in c for c in completions)
    from codereasoner.tasks import TASK_KINDS

    kind = TASK_KINDS.get("output")()
    return sum(kind.check(task, kind.parse(c, task)).correct for c in completions)


def prompt_of(task: Any) -> Any:
    """Chat messages (system + user) when the style has a system prompt, else the bare prompt text."""
    system = task.meta.get("system")
    user = {"role": "user", "content": task.prompt}
    return [{"role": "system", "content": system}, user] if system else task.prompt


def hardness_filter(pairs: Sequence[tuple[Program, Run]], generate: Generate, config: HardnessConfig,
                    counts: Counter[str], solved_hist: Counter[str], max_chars: int = 200
                    ) -> list[tuple[Program, Run]]:
    """The pairs a model solved fewer than `config.t` of `config.k` times; drops counted as `too_easy`,
    the number solved per program in `solved_hist` ("0".."k"). Programs with no askable output are kept."""
    tasks = output_tasks(pairs, config.style, max_chars)
    asked = [i for i, t in enumerate(tasks) if t is not None]
    answers = generate([pairs[i][0].id for i in asked], [prompt_of(tasks[i]) for i in asked]) if asked else []
    if len(answers) != len(asked):
        raise ValueError(f"hardness: the backend returned {len(answers)} answer lists for {len(asked)} prompts")
    too_easy = set()
    for i, completions in zip(asked, answers):
        n = solved(tasks[i], completions, config.match)
        solved_hist[str(n)] += 1
        if n >= config.t:
            too_easy.add(i)
    counts["too_easy"] += len(too_easy)
    return [pair for i, pair in enumerate(pairs) if i not in too_easy]
