"""CRUXEval's official correctness rule, reproduced exactly and run in the isolated executor.

Reads output/input `Task`s and already-extracted answers (the strings of a CRUXEval generations file);
returns one `Verdict` per answer. Source: facebookresearch/cruxeval @ 190faf1,
evaluation/evaluate_generations.py + utils_execute.py (BENCHMARKS.md §1.4). Use it to reproduce
published numbers, never for rewards: it executes the answer.

The rule and its quirks, each kept on purpose:
1. The check is `exec(code + "\\nassert " + output + " == " + answer)`; only a clean run is correct, so
   Python `==` decides (`1 == 1.0 == True`, dict order ignored) and any *expression* is accepted
   (`sorted(x)`, `3 + 4`, an object whose `__eq__` is always true): the answer is code.
2. Output task: an answer containing the substring `f(<input>)` is dropped (the model copied the call).
3. Input task: an answer without the substring `f(` is dropped; the answer is the whole call `f(...)`.
4. Dropped answers are left out of the sample's answer list, so n shrinks; but when none of the kept
   answers passed, the list becomes `[False] * len(all answers)`. A verdict cannot shrink a list, so a
   dropped answer gets status `unparsable` with `meta["dropped"] = True`, and `official_counts()` turns
   a sample's verdicts into the harness's (n, c) for pass@k.
5. Timeouts: 3 s per answer (the harness's SIGALRM; its 4 s join is the same limit from outside).
   The harness sets no memory limit; the executor's default memory limit still applies (no gold
   program comes near it).
6. Every failure is a plain failure in the harness (assertion, exception, timeout, the process dying),
   so here they are `wrong`; a crashed worker is retried once first (`rewards/retry.py`) so a flaky
   sandbox cannot fail an answer, and only the executor itself failing is a `sandbox_error`.
7. The harness's `reliability_guard` (exit/quit/os.kill etc. set to None) is not reproduced: the
   executor isolates instead, and a guarded call fails either way, so verdicts agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from codereasoner.records import Program, Run, RunStatus, Task, Verdict, VerdictStatus
from codereasoner.rewards.retry import run_checked

if TYPE_CHECKING:
    from codereasoner.execution import Executor

OFFICIAL_TIMEOUT_S = 3.0  # utils_execute.check_correctness(..., timeout=3) in evaluate_generations.py
OFFICIAL_KINDS = ("output", "input")


def official_fields(task: Task) -> tuple[str, str, str]:
    """(code, input source, output source) of a CRUXEval-style task.

    `question["input"]`/`question["output"]` win when present (the benchmark loader may keep the
    original strings); otherwise the DESIGN task record: output task `answer` = expected output
    source, input task `answer` = argument source and `question["output"]` = expected output.
    """
    q = task.question
    if task.kind == "output":
        output = q.get("output", task.answer)
        inp = q.get("input")
    elif task.kind == "input":
        output = q.get("output")
        inp = q.get("input", task.answer)
    else:
        raise ValueError(f"official mode covers the output and input tasks only, not {task.kind!r}")
    if inp is None:
        inp = _args_of_call(task.call)
    if not isinstance(output, str) or not isinstance(inp, str):
        raise ValueError(f"task {task.id}: official mode needs the input and output as source strings")
    return task.code, inp, output


def _args_of_call(call: str) -> str:
    """`f(1, 'a')` → `1, 'a'` (CRUXEval calls are always `f(<input>)`)."""
    call = call.strip()
    if not call.startswith("f(") or not call.endswith(")"):
        raise ValueError(f"official mode expects a call of the form f(...), got {call!r}")
    return call[2:-1]


def official_program(task: Task, answer: str) -> Program | None:
    """The program the harness would run for `answer`, or None when the harness drops the answer."""
    code, inp, output = official_fields(task)
    if task.kind == "input" and "f(" not in answer:
        return None
    if task.kind == "output" and f"f({inp})" in answer:
        return None
    return Program(id=task.id, code=f"{code}\nassert {output} == {answer}", call="None")


def _limits(executor: object) -> object:
    """The executor's own limits with the harness's timeout (other fields kept: changing the memory
    limit would restart the pool's workers)."""
    import dataclasses

    from codereasoner.execution import ExecLimits

    base = getattr(executor, "limits", None)
    if isinstance(base, ExecLimits):
        return dataclasses.replace(base, timeout_s=OFFICIAL_TIMEOUT_S)
    return ExecLimits(timeout_s=OFFICIAL_TIMEOUT_S)


def _verdict_for(task: Task, run: Run) -> Verdict:
    meta = {"mode": "official"}
    if run.status is RunStatus.OK:
        return Verdict(task.id, True, VerdictStatus.CORRECT, "assertion passed", meta=meta)
    detail = run.error or run.status.value
    return Verdict(task.id, False, VerdictStatus.WRONG, f"{run.status.value}: {detail}", meta=meta)


def check_official(tasks: Sequence[Task], answers: Sequence[str], executor: Executor) -> list[Verdict]:
    """One verdict per (task, extracted answer) under the official rule (see the module docstring)."""
    verdicts: list[Verdict | None] = [None] * len(tasks)
    programs: list[Program] = []
    slots: list[int] = []
    for i, (task, answer) in enumerate(zip(tasks, answers)):
        try:
            program = official_program(task, answer)
        except ValueError as e:
            verdicts[i] = Verdict(task.id, False, VerdictStatus.INVALID, str(e), meta={"mode": "official"})
            continue
        if program is None:
            why = "no 'f(' in an input answer" if task.kind == "input" else "output answer repeats the call"
            verdicts[i] = Verdict(task.id, False, VerdictStatus.UNPARSABLE, f"dropped by the official rule: {why}",
                                  meta={"mode": "official", "dropped": True})
            continue
        programs.append(program)
        slots.append(i)
    if programs:
        for i, run in zip(slots, run_checked(executor, programs, _limits(executor))):
            verdicts[i] = _verdict_for(tasks[i], run)
    return [v for v in verdicts if v is not None]


def official_counts(verdicts: Sequence[Verdict]) -> tuple[int, int]:
    """(n, c) for pass@k from one sample's verdicts, with the harness's drop-and-reset quirk (rule 4)."""
    kept = [v for v in verdicts if not v.meta.get("dropped")]
    c = sum(1 for v in kept if v.correct)
    if c == 0:
        return len(verdicts), 0
    return len(kept), c


def cruxeval_task(id: str, kind: str, code: str, input: str, output: str) -> Task:
    """A Task from CRUXEval's fields (`input` = argument source, `output` = expected value source).

    Laid out as DESIGN's task record (output task: answer = output; input task: answer = input,
    question.output = output) with both original strings kept in `question`, so strict and official
    verification read the same record.
    """
    if kind not in OFFICIAL_KINDS:
        raise ValueError(f"CRUXEval tasks are 'output' or 'input', got {kind!r}")
    answer = output if kind == "output" else input
    return Task(id=id, kind=kind, code=code, call=f"f({input})",
                question={"func": "f", "input": input, "output": output}, answer=answer,
                recipe="cruxeval")
