"""Evaluation: REval's answer rules (r-eval/REval @ 2f148b9, evaluation.py; docs/scoring.md), in two modes.

Reads extracted answers and REval `Task`s, returns `Verdict`s. Coverage and path answers are judged by
REval's string rules in both modes (nothing runs). State and output differ:
- official: REval's own parsing and equality, which execute the answer (`eval` of a state value and its
  type's constructor, e.g. `[',', '+'];collections.deque` or `2.0;numpy.float64`; `exec` of the completed
  assertion). Those checks run in the engine's untrusted sandbox through the probe (reval_probe.py), all
  answers about one (program, input) pair in one sandboxed process (REval runs every answer in its own
  process); the parent only reads a True/False back.
- strict (the literal-only variant): a state value must be a Python literal, parsed by `ast`, never
  evaluated, and is compared in this process with the traced value's literal projection under REval's type
  and value rules; an output answer must be the question with every `??` replaced by a literal, and the check
  that runs is the question rebuilt from the parsed values (no model text ever executes).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import Any

from codereasoner.records import CallJob, RunStatus, Task, Verdict, VerdictStatus


def extract(text: str) -> str:
    """REval's common extraction: after `[ANSWER]` (if present), cut at `[/ANSWER]` or its torn `[/ANSWER`."""
    at = text.find("[ANSWER]")
    ans = text[at + len("[ANSWER]"):] if at >= 0 else text
    ans = ans.strip()
    for stop in ("[/ANSWER]", "[/ANSWER"):
        ans = ans.split(stop)[0]
    return ans.strip()


def coverage_pred(answer: str) -> bool:
    """YES xor NO in the first three characters; anything else counts as NO (REval `_postprocess`)."""
    head = answer.upper()[:3]
    yes, no = "YES" in head, "NO" in head
    return yes if yes != no else False


def path_pred(answer: str, code: str) -> list[int]:
    """The 1-based lines whose stripped text equals the answer's first line; -1 as is; -2 = no match."""
    first = answer.split("\n")[0].strip()
    if first == "":
        return [-2]
    if first == "-1":
        return [-1]
    hits = [i + 1 for i, line in enumerate(code.split("\n")) if line.strip() == first]
    return hits or [-2]


# ---------------------------------------------------------------- state, strict (literal-only)
NIL = "Nil"
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


class Raw(str):
    """A str answer value that is not a literal, kept as its text (REval's fallback for `str` values)."""


def state_pred(answer: str) -> Any:
    """(value, type name), NIL, or None when unreadable (REval's 'ERROR'); never evaluates anything.

    The type part is normalised as REval does (lower-cased, `<class 'X'>` → X, generics dropped,
    string/integer → str/int, anything with `,` or `tuple` → tuple)."""
    from codereasoner.tasks.answers import parse_literal

    ans = answer.translate(_QUOTES).strip()
    if ans.capitalize() == "Nil" or ans == "[Nil]":
        return NIL
    if ";" not in ans:
        return None
    value, typ = ans[: ans.rfind(";")].strip(), ans[ans.rfind(";") + 1 :].strip().lower()
    if value.capitalize() == "Nil":
        return NIL
    m = re.match(r"<class '(.*)'>", typ)
    typ = m.group(1) if m else typ
    m = re.match(r"(.*)\[.*\]", typ)
    typ = m.group(1) if m else typ
    typ = {"string": "str", "integer": "int"}.get(typ, typ)
    if "," in typ or "tuple" in typ:
        typ = "tuple"
    if value == "None" or typ == "nonetype":
        return (None, "NoneType")
    try:
        return (parse_literal(value), typ)
    except ValueError:
        return (Raw(value), typ) if typ == "str" else None


def state_correct(pred: Any, gold: list[dict] | None) -> bool:
    """REval's `_eq` on literals: Nil matches Nil; the answer's type must be some traced value's type and
    the parsed value of that type; floats within 1e-6 of a traced value, anything else equal to one.

    A traced value of another type than builtins is compared through its literal projection (a deque as a
    list, a numpy number as a Python number). Type names are compared as REval's `pydoc.locate` of the
    lower-cased name resolves them: `collections.deque`, `numpy.float64`; a type whose name is not all
    lower case can never be located that way, in REval or here."""
    from codereasoner.execution.values import decode

    if pred is None:
        return False
    if pred == NIL or gold is None:
        return pred == NIL and gold is None
    value, typ = pred
    golds = [(g["type"], decode(g["value"])) for g in gold if g["type"] == typ]
    if not golds:
        return False
    builtin = "." not in typ
    written = "bytearray" if typ == "bytearray" and type(value) is bytes else type(value).__name__
    if builtin and written != typ:
        return False  # REval: type(ans_val) must be the answer's type (True is no int); a bytearray is
        # written as its bytes literal here (REval's own spelling `bytearray(b'..')` is a call, no literal)
    if isinstance(value, float) and typ == "float":
        return any(isinstance(g, (int, float)) and abs(value - g) < 1e-6 for _, g in golds)
    if isinstance(value, Raw):
        return any(isinstance(g, str) and g == str(value) for _, g in golds)
    return any(_equal(value, g) for _, g in golds)


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)  # both sides are builtins built here (ast / the codec): no foreign __eq__
    except Exception:  # noqa: BLE001 — e.g. comparing huge nested values
        return False


# ---------------------------------------------------------------- output
_PENALTY = ("assertTrue(True)", "assertFalse(False)", "assert True", "assert False")


def output_answer(task: Task, answer: str) -> tuple[str | None, str]:
    """REval's phase 2 and penalties: (the answer to check, "") or (None, why it fails without running)."""
    question = str(task.question["output_pred"])
    ans = answer if answer else "assert False"  # REval: an answer it could not read ('ERROR')
    need, got = question.strip().split("\n"), ans.strip().split("\n")
    if len(got) < len(need):  # restore the question's leading lines the answer left out
        ans = "\n".join(need[: len(need) - len(got)] + got)
    if any(p in ans for p in _PENALTY) or ans.count("assert") < question.count("assert"):
        return None, "penalty pattern (trivial assertion or fewer asserts than the question)"
    return ans, ""


def _slot_tree(question: str) -> ast.Module:
    n = iter(range(10_000))
    return ast.parse(re.sub(r"\?\?", lambda _: f"_dreval_slot_{next(n)}", question))


def _match(q: Any, a: Any, slots: dict[int, ast.AST]) -> bool:
    if isinstance(q, ast.Name) and q.id.startswith("_dreval_slot_"):
        slots[int(q.id.rsplit("_", 1)[1])] = a
        return True
    if type(q) is not type(a):
        return False
    if isinstance(q, list):
        return len(q) == len(a) and all(_match(x, y, slots) for x, y in zip(q, a))
    if isinstance(q, ast.AST):
        return all(_match(getattr(q, f, None), getattr(a, f, None), slots) for f in q._fields if f != "ctx")
    return bool(q == a)


def strict_output(task: Task, answer: str) -> tuple[str | None, str]:
    """The question with its `??` slots filled by the literals the answer wrote there, rebuilt from their
    parsed values; or (None, why) when the answer changes anything else or a slot is not a literal."""
    from codereasoner.tasks.answers import literal_source, parse_literal, parse_source

    question = str(task.question["output_pred"])
    try:
        q_tree, a_tree = _slot_tree(question), parse_source(answer, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, "the answer is not Python"
    assert isinstance(a_tree, ast.Module)
    slots: dict[int, ast.AST] = {}
    if not _match(q_tree.body, a_tree.body, slots):
        return None, "the answer changes the question's code, not only its ?? slots"
    values = []
    for k in range(len(slots)):
        segment = ast.get_source_segment(answer, slots[k]) or ""
        try:
            values.append(literal_source(parse_literal(segment)))
        except ValueError as e:
            return None, f"slot {k + 1} is not a literal ({e})"
    filled = iter(values)
    return re.sub(r"\?\?", lambda _: next(filled), question), ""


# ---------------------------------------------------------------- official checks in the sandbox
def probe_job(job_id: str, task: Task, calls: Sequence[str], *, trace: bool) -> CallJob:
    """A CallJob loading the task's pair in the probe (and tracing it first when `trace`)."""
    from codereasoner.evaluation.benchmarks import reval_truth as truth

    spec = spec_of(task)
    code = truth.probe_source() + (f"\n_STATES = _trace({spec!r})\n" if trace else f"\n_SPEC = {spec!r}\n")
    return CallJob(job_id, code, tuple(calls), timeout_s=truth.CHECK_TIMEOUT_S, packages=True)


def spec_of(task: Task) -> dict[str, Any]:
    q = task.question
    return {"code": task.code, "entry": q["entry_point"], "humaneval": q["humaneval"], "input": q["input"],
            "test": q.get("test") or "", "input_idx": q["input_idx"], "atoms": []}


def run_checks(executor: Any, jobs: list[CallJob]) -> list[list[tuple[bool | None, str]]]:
    """Per job, per call: (passed, detail); passed None when the sandbox failed twice (no verdict).

    A call that timed out or killed its process fails; the calls after it in the same job are run again
    in a fresh job, so one hostile answer costs only its own verdict."""
    from codereasoner.evaluation.benchmarks import reval_truth as truth

    out: list[list[tuple[bool | None, str]]] = [[] for _ in jobs]
    pending = list(range(len(jobs)))
    retried: set[int] = set()
    while pending:
        runs = executor.run_calls([jobs[i] for i in pending], limits=truth.limits())
        again = []
        for i, run in zip(pending, runs):
            if run.status is not RunStatus.OK and not run.results:  # the pair itself did not load
                if run.status is RunStatus.CRASHED and i not in retried:
                    retried.add(i)
                    again.append(i)
                    continue
                out[i].extend([(None, f"sandbox: {run.error or run.status.value}")] * len(jobs[i].calls))
                continue
            for r in run.results:
                ok = r.status is RunStatus.OK and r.value is True
                why = "check failed" if r.status is RunStatus.OK else f"{r.status.value}: {r.error or ''}".rstrip(": ")
                out[i].append((ok, "check passed" if ok else why))
            left = jobs[i].calls[len(run.results):]
            if left:
                jobs[i] = CallJob(jobs[i].id, jobs[i].code, left, timeout_s=jobs[i].timeout_s, packages=True)
                again.append(i)
        pending = again
    return out


def verdict(task_id: str, passed: bool | None, detail: str) -> Verdict:
    if passed is None:
        return Verdict(task_id, False, VerdictStatus.SANDBOX_ERROR, detail)
    return Verdict(task_id, passed, VerdictStatus.CORRECT if passed else VerdictStatus.WRONG, detail)
