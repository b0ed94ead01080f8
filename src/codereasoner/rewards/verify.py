"""THE definition of correct: data filtering, RL rewards and benchmark scoring all call `verify_batch`.

Reads `Task`s and model completions, returns one `Verdict` per pair (same order). Two modes:
- `strict` (default, and the only mode rewards should use): the task's kind parses the completion
  (pure, never executes) and its `check_batch` judges it; answers are literals compared by type and value,
  and no answer code ever runs. Kinds live in `codereasoner.tasks.TASK_KINDS`; `codegen` (ExecVerify
  stage II, whose answer *is* code to test) is checked by `rewards/codegen.py` in the executor.
- `official`: CRUXEval's exact harness rule for the output/input kinds (`rewards/official.py`); the
  completion must be the already-extracted answer, as in a CRUXEval generations file.

Reward hacks strict mode closes (each one tested in tests/rewards/test_reward_hacks.py):
- an object whose `__eq__` is always true (`type('A',(),{'__eq__':…})()`): not a literal → unparsable;
  values are built by `ast` (tasks/answers.parse_literal) and compared by type and value (same_value),
  never with the model's `__eq__`;
- answers that call the function under test (`f('ab')` as the output, `f(f(x))` as the input): a call is
  not a literal; only the outer `f(...)` of an input answer is read, and its arguments must be literals;
- answers that exit early (`exit()`, `sys.exit(0)`, `os._exit(0)`, raising SystemExit), which pass a
  harness that equates exit code 0 with "assertion holds" (ExecVerify's oi reward): never executed;
- `unittest.mock.ANY` and any bare name: not a literal;
- non-literal input arguments (`*args`, `**kw`, lambdas, generators, names, method calls): rejected by
  the parser; the executor runs `f(<args rebuilt from the parsed values>)`, never the model's text;
- `or True` / extra-statement assertion injection: only one literal expression is read;
- literals built to exhaust the verifier (huge strings, `10**10**10`, 5000-digit ints, deep nesting):
  bounded by size, node count and depth limits before anything is evaluated.
Honest answers pass whatever their wrapping: a bare literal, `assert f(x) == v`, `[ANSWER]` or
`<answer>` blocks, fenced code, and strings containing `==` (the assertion is split on the top-level
`==` token, not on text).

Failures never crash a batch and are never a silent 0: a malformed task is `invalid`, an unparsable
answer `unparsable` (reward 0), an executor failure `sandbox_error` (reward None: no reward, excluded
from group statistics). Every verdict records `meta["mode"]` and `meta["format"]` (the recipe's tag
format held, for the optional format terms).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from codereasoner.records import Task, Verdict, VerdictStatus
from codereasoner.rewards.formats import format_ok, style_for

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

MODES = ("strict", "official")

_kind_cache: dict[str, Any] = {}


def _kind(name: str) -> Any:
    """The checker for a task kind: the tasks registry first, then the kinds rewards owns (codegen)."""
    if name not in _kind_cache:
        from codereasoner.tasks import TASK_KINDS, get_kind

        if name in TASK_KINDS:
            _kind_cache[name] = get_kind(name)
        elif name == "codegen":
            from codereasoner.rewards.codegen import CodeGenCheck

            _kind_cache[name] = CodeGenCheck()
        else:
            TASK_KINDS.get(name)  # raises KeyError naming the known kinds and the closest match
    return _kind_cache[name]


class _DefaultExecutor:
    """Stands in for `default_executor()` and creates it only when a check really runs something
    (strict output answers are compared as literals: no pool is started for them)."""

    def run(self, programs: Any, **kwargs: Any) -> Any:
        from codereasoner.execution import default_executor

        return default_executor().run(programs, **kwargs)

    def run_calls(self, jobs: Any, **kwargs: Any) -> Any:
        from codereasoner.execution import default_executor

        return default_executor().run_calls(jobs, **kwargs)

    @property
    def limits(self) -> Any:
        from codereasoner.execution import default_executor

        return default_executor().limits


def _executor(executor: ExecutorLike | None) -> Any:
    return executor if executor is not None else _DefaultExecutor()


def _completion_text(completion: Any) -> str:
    """Completions may arrive as chat messages (TRL conversational data): use the last assistant turn."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content") or "")
    raise TypeError(f"a completion must be a string or a list of chat messages, got {type(completion).__name__}")


def _finish(verdict: Verdict, task: Task, completion: str, mode: str) -> Verdict:
    """Stamp id, mode and format into a verdict (a checker's own meta wins on other keys)."""
    meta = {"mode": mode, "format": format_ok(completion, style_for(task.kind)), **dict(verdict.meta)}
    meta["mode"] = mode
    return dataclasses.replace(verdict, id=task.id, meta=meta)


def _failed(task: Task, status: VerdictStatus, detail: str) -> Verdict:
    return Verdict(task.id, False, status, detail)


def _check(kind: Any, name: str, items: list[tuple[Task, Any]], executor: ExecutorLike | None) -> list[Verdict]:
    """`kind.check_batch`; if the batch raises, each item alone, so one bad item cannot sink the rest.

    An item whose check still raises (executor down, or a checker bug) gets `sandbox_error`: no reward,
    rather than a 0 the model did not earn.
    """
    try:
        verdicts = kind.check_batch(items, _executor(executor))
        if len(verdicts) == len(items):
            return verdicts
        raise RuntimeError(f"check_batch of {name!r} returned {len(verdicts)} verdicts for {len(items)} items")
    except Exception as e:  # noqa: BLE001
        if len(items) == 1:
            return [_failed(items[0][0], VerdictStatus.SANDBOX_ERROR, f"checker failed: {type(e).__name__}: {e}")]
    return [_check(kind, name, [item], executor)[0] for item in items]


def _with_func(task: Task) -> Task:
    """The output/input records of docs/formats.md need not name the entry function; the kinds read
    `question["func"]`, so it is filled in from `call` (`f(...)` → "f") when missing."""
    if "func" in task.question or task.kind not in ("output", "input"):
        return task
    from codereasoner.tasks.base import split_call

    parts = split_call(task.call)
    return dataclasses.replace(task, question={**task.question, "func": parts.func}) if parts else task


def _strict(tasks: Sequence[Task], texts: Sequence[str], executor: ExecutorLike | None) -> list[Verdict]:
    tasks = [_with_func(t) for t in tasks]
    out: list[Verdict | None] = [None] * len(tasks)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, task in enumerate(tasks):
        by_kind[task.kind].append(i)
    for name, idx in by_kind.items():
        try:
            kind = _kind(name)
        except KeyError as e:
            for i in idx:
                out[i] = _failed(tasks[i], VerdictStatus.INVALID, str(e.args[0] if e.args else e))
            continue
        items, slots = [], []
        for i in idx:
            try:
                items.append((tasks[i], kind.parse(texts[i], tasks[i])))
                slots.append(i)
            except Exception as e:  # noqa: BLE001 — a parser bug must not sink the batch
                out[i] = _failed(tasks[i], VerdictStatus.UNPARSABLE, f"parse failed: {type(e).__name__}: {e}")
        if not items:
            continue
        for i, verdict in zip(slots, _check(kind, name, items, executor)):
            out[i] = verdict
    return [v for v in out if v is not None]


def _official(tasks: Sequence[Task], texts: Sequence[str], executor: ExecutorLike | None) -> list[Verdict]:
    from codereasoner.rewards.official import OFFICIAL_KINDS, check_official

    out: list[Verdict | None] = [None] * len(tasks)
    idx = []
    for i, task in enumerate(tasks):
        if task.kind in OFFICIAL_KINDS:
            idx.append(i)
        else:
            out[i] = _failed(task, VerdictStatus.INVALID,
                             f"official mode covers the output and input kinds only, not {task.kind!r}")
    if idx:
        sub_tasks = [tasks[i] for i in idx]
        try:
            verdicts = check_official(sub_tasks, [texts[i] for i in idx], _executor(executor))
        except Exception as e:  # noqa: BLE001 — the executor itself failed
            verdicts = [_failed(t, VerdictStatus.SANDBOX_ERROR, f"executor failed: {type(e).__name__}: {e}")
                        for t in sub_tasks]
        for i, verdict in zip(idx, verdicts):
            out[i] = verdict
    return [v for v in out if v is not None]


def verify_batch(
    tasks: Sequence[Task],
    completions: Sequence[Any],
    *,
    mode: str = "strict",
    executor: ExecutorLike | None = None,
) -> list[Verdict]:
    """One verdict per (task, completion), same order; never raises for hostile or broken completions.

    `executor` defaults to the process-wide `codereasoner.execution.default_executor()`, created only
    when a check needs to run something.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be 'strict' or 'official', got {mode!r}")
    if len(tasks) != len(completions):
        raise ValueError(f"verify_batch got {len(tasks)} tasks but {len(completions)} completions")
    texts: list[str] = []
    bad: dict[int, Verdict] = {}
    for i, (task, completion) in enumerate(zip(tasks, completions)):
        try:
            texts.append(_completion_text(completion))
        except TypeError as e:
            texts.append("")
            bad[i] = _failed(task, VerdictStatus.UNPARSABLE, str(e))
    good = [i for i in range(len(tasks)) if i not in bad]
    check = _strict if mode == "strict" else _official
    checked = check([tasks[i] for i in good], [texts[i] for i in good], executor) if good else []
    result: list[Verdict] = [None] * len(tasks)  # type: ignore[list-item]
    for i, verdict in zip(good, checked):
        result[i] = verdict
    for i, verdict in bad.items():
        result[i] = verdict
    return [_finish(v, t, s, mode) for v, t, s in zip(result, tasks, texts)]


def verify(task: Task, completion: Any, *, mode: str = "strict", executor: ExecutorLike | None = None) -> Verdict:
    """`verify_batch` for one completion."""
    return verify_batch([task], [completion], mode=mode, executor=executor)[0]


async def averify_batch(
    tasks: Sequence[Task],
    completions: Sequence[Any],
    *,
    mode: str = "strict",
    executor: ExecutorLike | None = None,
) -> list[Verdict]:
    """`verify_batch` for asyncio callers (TRL's async reward functions): runs in a worker thread, so the
    event loop stays free while the executor's processes work."""
    return await asyncio.to_thread(verify_batch, tasks, completions, mode=mode, executor=executor)
