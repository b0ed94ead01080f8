"""Rewards stage: a code-generation task's tests as jobs for the candidate's process and decisions here.

`plan_for(task, code)` gives the jobs and decisions for one solution, `run_plans` runs and decides them
(one bool per test). The test forms a `codegen` task's `question` may hold (docs/scoring.md, "Code
generation"):

- `tests`: assertion blocks (HumanEval `check`, MBPP asserts; each block is one test). Plain comparisons
  are split by `asserts.plain_asserts`: the candidate evaluates the calls, the parent the rest. Other
  blocks are replayed (`harness.py`): their calls are recorded once with the reference solution in
  `answer` (`record_references`) or, for a task without one, with the candidate itself in a process of
  its own (`record_candidates`; the clean replay checks every recorded call, so a forged recording
  fails). No test ever runs in the candidate's process.
  Optional: `entry_point`, `prefix` (code the official harness puts before the solution, e.g. MBPP's
  `test_imports`), `setup` (code it runs after, MBPP's `test_setup_code`), `helpers` (benchmark code a
  replay needs, HumanEval's prompt).
- `inputs`/`outputs` (APPS, TACO, CodeContests, PRIME): stdin → stdout text, or with `fn_name` call-based,
  judged with verl's `prime_code` rules and its import prefix.
- `calls`/`expected`: call sources and the expected values' reprs (the synthesised stage-II tasks),
  compared by type and value.
`timeout_s` (per call, default 5 s as prime_code's first pass) may be set per task.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from codereasoner.records import Task
from codereasoner.rewards import harness
from codereasoner.rewards.asserts import PlainAssert, defined_names, plain_asserts
from codereasoner.rewards.judge import Got, Job, run_jobs
from codereasoner.rewards.rules import (prime_call_args, prime_call_expected, prime_call_match,
                                        prime_stdout_match)
from codereasoner.tasks.answers import literal_source, parse_literal, same_value

DEFAULT_TIMEOUT_S = 5.0
REFERENCE_RECORD_S = 60.0  # recording a reference's calls happens once per (reference, test) and is cached
# prime_code runs every solution after these imports (and a raised recursion limit); solutions that use
# `gcd` or `deque` without importing them pass there, so they pass here.
_PRIME_MODULES = ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
                  "statistics", "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing")
PRIME_PREFIX = ("".join(f"from {m} import *\n" for m in _PRIME_MODULES)
                + "".join(f"import {m}\n" for m in _PRIME_MODULES if m not in ("builtins", "typing"))
                + "sys.setrecursionlimit(6 * 10**5)\n")
_records: dict[str, list[tuple] | str] = {}  # recorded argument tuples per (reference, test, entry), or an error


class BadTask(ValueError):
    """The task's tests are malformed (its verdict is `invalid`)."""


Decide = Callable[[list[list[Got]]], tuple[bool, str]]


@dataclass
class Plan:
    """How one (task, solution) is judged: candidate jobs, then one decision per test over their results."""

    jobs: list[Job] = field(default_factory=list)
    tests: list[Decide] = field(default_factory=list)
    replays: dict[int, tuple[str, str, str, int, list[tuple]]] = field(default_factory=dict)  # test → replay


def _timeout(task: Task) -> float:
    value = task.question.get("timeout_s", DEFAULT_TIMEOUT_S)
    if not isinstance(value, (int, float)) or not 0 < value <= 600:
        raise BadTask(f"timeout_s must be in (0, 600], got {value!r}")
    return float(value)


def _called_names(test: str, own: frozenset[str]) -> list[str]:
    """The functions under test a test calls: the reference's own names, else any name that is neither a
    builtin nor defined by the test itself."""
    local = defined_names(test) | {"check"} | frozenset(vars(builtins))
    names: list[str] = []
    for node in ast.walk(ast.parse(test)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in names:
            if node.func.id in own or (not own and node.func.id not in local):
                names.append(node.func.id)
    return names


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _reference(task: Task) -> str | None:
    return task.answer if isinstance(task.answer, str) and task.answer.strip() else None


def _assert_plan(task: Task, code: str, plan: Plan, recorded_here: Mapping[str, list[tuple] | str]) -> None:
    q = task.question
    tests = q["tests"]
    if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
        raise BadTask("question.tests must be a list of strings")
    entry = q.get("entry_point") or None
    program = f"{q.get('prefix') or ''}\n{code}\n{q.get('setup') or ''}"
    reference = _reference(task)
    own = defined_names(reference) if reference else frozenset()
    recordings, recorder = (_records, reference) if reference else (recorded_here, code)
    plan.jobs.append(Job(program))  # job 0: every candidate call; its calls are filled in below
    calls: list[str] = []
    for block in tests:
        plain = plain_asserts(block, entry, own=own)
        if plain is not None:
            plan.tests.append(_plain_decider(len(calls), plain))
            calls += [c for a in plain for c in a.calls]
            continue
        runnable = f"{block}\ncheck({entry})" if entry and "def check(" in block else block
        names = [entry] if entry else _called_names(block, own)
        recorded = recordings.get(_key(recorder, runnable, names[0])) if len(names) == 1 else None
        try:
            made = harness.candidate_calls(names[0], recorded) if isinstance(recorded, list) else None
        except ValueError:  # a recorded argument with no literal form
            made, recorded = None, "a recorded argument has no literal form"
        if made is not None and isinstance(recorded, list):
            plan.replays[len(plan.tests)] = (str(q.get("helpers") or ""), runnable, names[0], len(calls), recorded)
            plan.tests.append(_fixed(False, "not replayed"))
            calls += made
        elif isinstance(recorded, str):
            whose = "the reference fails this test" if reference else "recording this test's calls failed"
            plan.tests.append(_fixed(False, f"{whose}: {recorded}"))
        elif len(names) != 1:
            plan.tests.append(_fixed(False, f"this test calls {len(names)} functions under test ({', '.join(names)}):"
                                            " it cannot be replayed, and it never runs beside the candidate"))
        else:
            plan.tests.append(_fixed(False, "this test's calls were not recorded"))
    limits = q.get("limits_s")
    if isinstance(limits, list) and len(limits) == len(calls) and all(isinstance(x, (int, float)) for x in limits):
        # per-call limits measured on the reference (evaluation: evalplus's time rule)
        plan.jobs[0] = Job(program, calls=tuple(calls), timeout_s=max(limits, default=_timeout(task)),
                           limits_s=tuple(float(x) for x in limits))
    else:
        plan.jobs[0] = Job(program, calls=tuple(calls), timeout_s=_timeout(task))


def _fixed(ok: bool, detail: str) -> Decide:
    def decide(results: list[list[Got]]) -> tuple[bool, str]:
        return ok, detail
    return decide


def _per_call(rule: Callable[[Any, Any], bool], expected: Any, *, stdout: bool = False, call: int = 0,
              job: int = 0) -> Decide:
    """A test decided by one call's outcome: it returned, and `rule(value or stdout, expected)` holds."""
    def decide(results: list[list[Got]]) -> tuple[bool, str]:
        got = results[job][call]
        return got.ok and rule(got.stdout if stdout else got.value, expected), got.error
    return decide


def _plain_decider(first: int, plain: tuple[PlainAssert, ...]) -> Decide:
    def decide(results: list[list[Got]]) -> tuple[bool, str]:
        at = first
        for check in plain:
            got = results[0][at : at + len(check.calls)]
            at += len(check.calls)
            bad = [g for g in got if not g.ok]
            if bad:
                return False, f"{check.source}: {bad[0].error}"
            if not check.holds([g.value for g in got]):
                return False, f"failed: {check.source}"
        return True, ""
    return decide


def _io_plan(task: Task, code: str, plan: Plan) -> None:
    q = task.question
    inputs, outputs, fn = q.get("inputs"), q.get("outputs"), q.get("fn_name")
    if not (isinstance(inputs, list) and isinstance(outputs, list) and len(inputs) == len(outputs) and inputs):
        raise BadTask("question.inputs/outputs must be equal-length non-empty lists")
    timeout = _timeout(task)
    if fn:
        target = f"Solution().{fn}" if "class Solution" in code else str(fn)
        try:
            calls = tuple(f"{target}(*{literal_source(prime_call_args(i))})" for i in inputs)
            expected = [prime_call_expected(o) for o in outputs]
        except ValueError as e:
            raise BadTask(f"call-based test is not JSON/literal data: {e}") from None
        plan.jobs.append(Job(PRIME_PREFIX + code, calls=calls, timeout_s=timeout, resume=True))
        for k, exp in enumerate(expected):
            plan.tests.append(_per_call(prime_call_match, exp, call=k))
        return
    stdins = tuple("\n".join(map(str, i)) if isinstance(i, list) else str(i) for i in inputs)
    plan.jobs.append(Job(PRIME_PREFIX + code, stdins=stdins, timeout_s=timeout, resume=True))
    for k, out in enumerate(outputs):
        plan.tests.append(_per_call(prime_stdout_match, out, stdout=True, call=k))


def _calls_plan(task: Task, code: str, plan: Plan) -> None:
    q = task.question
    calls, expected = q.get("calls"), q.get("expected")
    if not (isinstance(calls, list) and isinstance(expected, list) and len(calls) == len(expected) and calls):
        raise BadTask("question.calls/expected must be equal-length non-empty lists")
    try:
        values = [parse_literal(e) for e in expected]
    except ValueError as e:
        raise BadTask(f"an expected value is not a literal: {e}") from None
    plan.jobs.append(Job(code, calls=tuple(calls), timeout_s=_timeout(task), resume=True, base_values=False))
    for k, want in enumerate(values):
        plan.tests.append(_per_call(same_value, want, call=k))


def plan_for(task: Task, code: str, recorded: Mapping[str, list[tuple] | str] | None = None) -> Plan:
    """The jobs and decisions for one solution (raises BadTask for a malformed task); `recorded`: what
    `record_candidates` gave for this solution, if its task has no reference."""
    plan = Plan()
    q = task.question
    if "tests" in q:
        _assert_plan(task, code, plan, recorded or {})
    elif "fn_name" in q or "inputs" in q:
        _io_plan(task, code, plan)
    elif "calls" in q:
        _calls_plan(task, code, plan)
    else:
        raise BadTask("a codegen task needs question.tests, question.inputs/outputs or question.calls/expected")
    return plan


def _to_record(task: Task, solution: str, own: frozenset[str], timeout_s: float
               ) -> dict[str, tuple[str, str, str, float]]:
    """The test blocks of `task` that are replayed, keyed by (solution, test, name): (program, test, name,
    limit). A malformed task gives none (`plan_for` reports it)."""
    q = task.question
    if not isinstance(q, dict) or not isinstance(q.get("tests"), list):
        return {}
    entry = q.get("entry_point") or None
    if entry is not None and not isinstance(entry, str):
        return {}
    wanted = {}
    for block in q["tests"]:
        if not isinstance(block, str):
            continue
        try:
            if plain_asserts(block, entry, own=own) is not None:
                continue
            names = [entry] if entry else _called_names(block, own)
        except (SyntaxError, TypeError, ValueError):
            continue
        runnable = f"{block}\ncheck({entry})" if entry and "def check(" in block else block
        if len(names) == 1:
            program = f"{q.get('prefix') or ''}\n{solution}\n{q.get('setup') or ''}"
            wanted[_key(solution, runnable, names[0])] = (program, runnable, names[0], timeout_s)
    return wanted


def _record(wanted: Mapping[str, tuple[str, str, str, float]], executor: Any) -> dict[str, list[tuple] | str]:
    """Run each recording in its own untrusted process: the argument tuples, or why there are none."""
    if not wanted:
        return {}
    jobs = [Job(harness.record_code(p), calls=(harness.record_call(t, n),), timeout_s=limit)
            for p, t, n, limit in wanted.values()]
    out: dict[str, list[tuple] | str] = {}
    for key, got in zip(wanted, run_jobs(executor, jobs)):
        value = got[0].value
        ok = got[0].ok and isinstance(value, list) and all(isinstance(a, (list, tuple)) for a in value)
        out[key] = [tuple(a) for a in value] if ok else (got[0].error or "no recording")
    return out


def record_references(tasks: Sequence[Task], executor: Any) -> None:
    """Record, once per (reference, test), the argument tuples of tests that are not plain comparisons."""
    wanted: dict[str, tuple[str, str, str, float]] = {}
    for task in tasks:
        reference = _reference(task)
        if reference:
            wanted.update((k, v) for k, v in _to_record(task, reference, defined_names(reference),
                                                        REFERENCE_RECORD_S).items()
                          if k not in _records)
    _records.update(_record(wanted, executor))


def record_candidates(tasks: Sequence[Task], codes: Sequence[str], executor: Any) -> list[dict[str, list[tuple] | str]]:
    """Per solution of a task without a reference: its replayed tests' calls, recorded with the solution itself
    (in a process of its own; the replay, which never holds candidate code, checks each recorded call)."""
    per = []
    for task, code in zip(tasks, codes):
        try:  # the whole test block under the task's own limit, as it would run beside the candidate
            per.append(_to_record(task, code, frozenset(), _timeout(task)) if code.strip() and not _reference(task)
                       else {})
        except (BadTask, AttributeError):  # malformed: `plan_for` reports it
            per.append({})
    recorded = _record({k: v for wanted in per for k, v in wanted.items()}, executor)
    return [{k: recorded[k] for k in wanted} for wanted in per]


def run_plans(plans: Sequence[Plan], executor: Any) -> list[tuple[list[bool], list[str]]]:
    """Run every plan's candidate jobs in one batch, then the replays, then decide."""
    flat = [job for plan in plans for job in plan.jobs]
    results = run_jobs(executor, flat)
    per_plan: list[list[list[Got]]] = []
    at = 0
    for plan in plans:
        per_plan.append(results[at : at + len(plan.jobs)])
        at += len(plan.jobs)
    replay_jobs, owners = [], []
    for p, plan in enumerate(plans):
        for test, (helpers, runnable, entry, first, recorded) in plan.replays.items():
            got = per_plan[p][0][first : first + len(recorded)]
            answers = [(args, g.ok, g.value) for args, g in zip(recorded, got)]
            replay_jobs.append(Job(harness.replay_code(helpers), calls=(harness.replay_call(runnable, entry, answers),),
                                   timeout_s=60.0))
            owners.append((p, test))
    replayed = dict(zip(owners, run_jobs(executor, replay_jobs))) if replay_jobs else {}
    out = []
    for p, plan in enumerate(plans):
        passed, details = [], []
        for t, decide in enumerate(plan.tests):
            if (p, t) in replayed:
                replay = replayed[(p, t)][0]
                ok, detail = replay.ok and replay.value is True, replay.error
            else:
                ok, detail = decide(per_plan[p])
            passed.append(bool(ok))
            details.append(detail)
        out.append((passed, details))
    return out
