"""Tasks stage: the `TaskKind` interface every question kind implements (one kind per module).

A kind turns (Program, traced Run) into `Task` records with ground truth taken from the trace only,
renders prompts in each recipe's style, parses completions (pure, never executes) and is the only judge
of its own answers (`check_batch`, strict). `rewards.verify` and the data pipeline call these methods.
"""

from __future__ import annotations

import ast
import dataclasses
import random
import sys
from collections import Counter
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from codereasoner.records import Program, Run, Task, Verdict, VerdictStatus
from codereasoner.tasks.answers import parse_literal
from codereasoner.tasks.frames import is_truncated


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a completion says: `value` when `ok`, else `error` says why nothing usable was found."""

    value: Any = None
    ok: bool = False
    error: str = ""
    text: str = ""  # the extracted answer text the value came from


def python_version() -> str:
    """"3.11": traces (and so next_line/state ground truth) differ between Python minor versions."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True, slots=True)
class KindOptions:
    """How a kind makes questions; the pipeline fills it from the recipe's data section."""

    style: str | None = None  # prompt style for Task.prompt; None = the kind's first style
    limit: int = 5  # questions per program per kind (ExecVerify keeps <= 5 path + <= 5 state)
    selection: str = "uniform"  # "execverify": ExecVerify's rules (docs/data.md); "uniform": any
    max_answer_chars: int = 200  # longer answers are not asked (ExecVerify OI keeps len(result) <= 150)
    max_anchors: int = 10  # StepCodeReasoner drops samples printing more lines (§4.2)
    min_questions: int = 1  # whitebox items with fewer questions are not made
    anchor_modes: tuple[str, ...] = ("output", "input")  # which StepCodeReasoner prediction directions


class TaskKind(ABC):
    """One kind of question about a program's execution."""

    name: ClassVar[str] = ""
    styles: ClassVar[tuple[str, ...]] = ()  # prompt styles `render` supports; the first is the default
    white_box: ClassVar[bool] = False  # asks about the inside of the run (ExecVerify's structural filter applies)

    def __init__(self, options: KindOptions | None = None) -> None:
        self.options = options or KindOptions()
        self.drops: Counter[str] = Counter()  # why questions were not made (the data card reports them)
        if self.options.style is not None and self.options.style not in self.styles:
            raise ValueError(f"task kind {self.name!r} has no prompt style {self.options.style!r}; "
                             f"it has: {', '.join(self.styles)}")

    @property
    def style(self) -> str:
        return self.options.style or self.styles[0]

    @abstractmethod
    def questions(self, program: Program, run: Run, rng: random.Random, *, recipe: str,
                  derived: tuple[Program, Run] | None = None) -> Iterator[Task]:
        """Tasks about `program`; ground truth from `run` (which has a trace) only.

        `derived` is this kind's own derived program and its run, when `derive` returns one.
        """

    @abstractmethod
    def render(self, task: Task, style: str) -> str:
        """The prompt for `task` in `style` (the user turn; a system prompt, if any, is `system`)."""

    @abstractmethod
    def parse(self, completion: str, task: Task) -> Parsed:
        """The answer a completion gives; pure, never executes anything."""

    @abstractmethod
    def format_answer(self, task: Task, style: str, answer: Any = None) -> str:
        """A completion in `style` whose answer is `answer` (the gold answer when None), no reasoning."""

    @abstractmethod
    def perturb(self, task: Task, rng: random.Random) -> Any:
        """An answer of the right shape that is wrong (contract tests check it scores 0)."""

    def check(self, task: Task, parsed: Parsed) -> Verdict:
        """Offline strict check for kinds that need no execution; kinds that do override check_batch."""
        raise NotImplementedError(f"task kind {self.name!r} checks through check_batch")

    def check_batch(self, items: Sequence[tuple[Task, Parsed]], executor: Any = None) -> list[Verdict]:
        """Strict verdicts, same order; the only judge of this kind."""
        return [self.check(task, parsed) for task, parsed in items]

    def system(self, task: Task, style: str) -> str | None:
        """The system prompt that goes with `render(task, style)`, if the style has one."""
        return None

    def derive(self, program: Program) -> Program | None:
        """A program this kind needs run besides the original (e.g. the anchor-instrumented one)."""
        return None

    def gold(self, task: Task, style: str | None = None) -> str:
        return self.format_answer(task, style or self.styles[0])


def unparsable(task: Task, parsed: Parsed) -> Verdict:
    return Verdict(task.id, False, VerdictStatus.UNPARSABLE, parsed.error or "no answer found")


def verdict(task: Task, correct: bool, detail: str = "", **parts: bool) -> Verdict:
    status = VerdictStatus.CORRECT if correct else VerdictStatus.WRONG
    return Verdict(task.id, correct, status, detail, dict(parts))


@dataclass(frozen=True, slots=True)
class CallParts:
    """`call` split into the entry function's name and its argument source (CRUXEval's `f` and `input`)."""

    func: str
    args: str


def split_call(call: str) -> CallParts | None:
    """`f([1, 2], 'a')` → ("f", "[1, 2], 'a'"); None when `call` is not a plain `name(...)` call."""
    try:
        node = ast.parse(call.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    src = call.strip()
    open_paren = src.index("(", node.func.end_col_offset)
    return CallParts(node.func.id, src[open_paren + 1:-1].strip())


def literal_result_call(program: Program, run: Run, max_chars: int) -> CallParts | None:
    """The call's parts when the run returned a whole literal of at most `max_chars` characters: a result
    a strict checker can judge without running anything (output, input and whitebox ask only then)."""
    parts = split_call(program.call)
    if not run.ok or run.result is None or parts is None or is_truncated(run.result):
        return None
    if len(run.result) > max_chars:
        return None
    try:
        parse_literal(run.result)
    except ValueError:
        return None  # not a literal (e.g. an object repr): a strict checker could not judge answers
    return parts


def parse_text_or_first_line(text: str, parse: Callable[[str], Any]) -> Parsed:
    """`parse` of the whole answer text, else of its first line (trailing chatter); the last error if neither."""
    for candidate in (text, text.split("\n", 1)[0]):
        try:
            return Parsed(parse(candidate), True, text=candidate.strip())
        except ValueError as e:
            error = str(e)
    return Parsed(None, False, error, text)


def reasoning_block(content: str, tag: str = "answer") -> str:
    """An empty `<reasoning>` then `content` in `<tag>`: how a gold completion in the reasoning styles
    (ExecVerify's <reasoning>/<answer> frame, StepCodeReasoner's <input>/<print>) writes an answer."""
    return f"<reasoning>\n</reasoning>\n<{tag}>\n{content}\n</{tag}>"


def answer_block(content: str, tag: str = "answer", style: str = "") -> str:
    """`reasoning_block`, except in the "minimal" style (the tiny model's), where no empty reasoning precedes."""
    return f"<{tag}>\n{content}\n</{tag}>" if style == "minimal" else reasoning_block(content, tag)


def task_id(program: Program, kind: str, index: int) -> str:
    return f"{program.id}/{kind}/{index}"


def base_meta(program: Program, style: str) -> dict[str, Any]:
    """Provenance every task carries: which program, from which source, which Python traced it."""
    return {"program_id": program.id, "source": program.source, "style": style, "python": python_version()}


# Trace-length buckets for programs that carry no level (corpus/LLM programs): line steps ≤ 10, 25, 50,
# 100, 200, more → 1..6, the same 1-6 scale as ExecVerify's synthesis levels (docs/data.md).
_STEP_BUCKETS = (10, 25, 50, 100, 200)


def difficulty(program: Program, run: Run) -> int:
    """The program's level when its source set one, else a 1-6 label from how many lines ran."""
    if program.difficulty > 0:
        return program.difficulty
    if run.trace is None:
        return 1
    lines = sum(1 for s in run.trace.steps if s.event == "line")
    return 1 + sum(lines > b for b in _STEP_BUCKETS)


def make_task(kind: TaskKind, program: Program, run: Run, index: int, question: dict[str, Any], answer: Any,
              *, recipe: str, code: str | None = None, meta: dict[str, Any] | None = None) -> Task:
    """A Task with id, difficulty, provenance and its prompt rendered in the kind's style."""
    style = kind.style
    task = Task(id=task_id(program, kind.name, index), kind=kind.name, code=program.code if code is None else code,
                call=program.call, question=question, answer=answer, difficulty=difficulty(program, run),
                recipe=recipe, meta={**base_meta(program, style), **(meta or {})})
    system = kind.system(task, style)
    extra = {"system": system} if system else {}
    return dataclasses.replace(task, prompt=kind.render(task, style), meta={**task.meta, **extra})


def sample_tasks(kind: TaskKind, program: Program, run: Run, rng: random.Random,
                 pool: Sequence[tuple[dict[str, Any], Any]], *, recipe: str) -> Iterator[Task]:
    """Up to `kind.options.limit` (question, answer) pairs drawn from `pool` with `rng` (`selection.pick`),
    as tasks."""
    from codereasoner.tasks.selection import pick

    if not pool:
        kind.drops["no_candidate"] += 1
    picked = pick(kind.name, program.code, pool, kind.options.limit, rng)  # trivial questions last, at most one
    for i, (question, answer) in enumerate(picked):
        yield make_task(kind, program, run, i, question, answer, recipe=recipe)
