"""The official correctness rules of CRUXEval and LiveCodeBench execution, reproduced exactly and run in
the isolated executor's untrusted mode (the answer is code: it is executed).

Reads output/input `Task`s and already-extracted answers (the strings of a generations file); returns one
`Verdict` per answer. Sources: facebookresearch/cruxeval @ 190faf1, evaluation/evaluate_generations.py +
utils_execute.py; LiveCodeBench/LiveCodeBench @ 28fef95, lcb_runner/evaluation/
compute_code_execution_metrics.py + utils_execute.py (docs/scoring.md). Use it to reproduce published
numbers, never for rewards. A task whose `question["harness"]` is "lcb" follows LCB's rule (below);
every other task CRUXEval's.

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

LiveCodeBench's rule differs in three places: the check is `BASE_IMPORTS + code + assert output == answer`
(LCB_BASE_IMPORTS, verbatim, so `inf`, `Counter(...)`, `np.`/`pd.` answers evaluate); an output answer is
dropped when it contains the row's whole input call (`fn(a = 1)`), and the entry point keeps its own name
(no `f` exists unless the code defines one, so an `f(...)` answer fails as it does there). The derived
input-prediction variant (no official harness) drops an answer that is not a call of the entry point.
Importing pandas costs a worker up to ~1.5 s of its 3 s per check on a loaded machine, so the numpy and
pandas lines (and the read-only site-packages they need) are kept only in checks whose code or answer names
that library (`np`/`numpy`, `pd`/`pandas`); everything else in the prefix is verbatim. Only an answer that
reaches a library through a computed name (`getattr(sys.modules, 'nu' + 'mpy')`) could tell the difference.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from codereasoner.records import Program, Run, RunStatus, Task, Verdict, VerdictStatus
from codereasoner.rewards.retry import run_checked

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

OFFICIAL_TIMEOUT_S = 3.0  # utils_execute.check_correctness(..., timeout=3) in evaluate_generations.py
OFFICIAL_KINDS = ("output", "input")

# lcb_runner/evaluation/utils_execute.py @ 28fef95, verbatim: every official LCB check runs after it.
LCB_BASE_IMPORTS = """from itertools import accumulate, chain, combinations, count, permutations, product, groupby, islice, repeat
from copy import deepcopy
from string import ascii_lowercase
from math import floor, log2, log10, sqrt, comb, gcd, ceil, inf, isqrt
from collections import defaultdict, deque, Counter
from bisect import bisect, bisect_left, bisect_right, insort
from heapq import heappush, heappop, heapify, merge
from functools import reduce, cache, lru_cache
from random import randrange, shuffle
from operator import itemgetter, sub
from re import search as re_search  # Assuming 're' refers to a regex search
from os.path import commonprefix
from typing import List, Tuple, Dict, Set, Optional, Union, Any, Callable, Iterable, Iterator, Generator
import copy
import string
import math
import collections
import bisect
import heapq
import functools
import random
import itertools
import operator
import re
import numpy as np
import pandas as pd
from math import log, prod  # 'log' and 'prod' are functions in the math module
from collections import deque, defaultdict, Counter, OrderedDict
from itertools import accumulate, permutations, combinations, product, groupby, islice, chain, repeat, zip_longest, cycle
from functools import lru_cache, reduce, partial
# from sortedcontainers import SortedList, SortedDict, SortedSet
# import sortedcontainers
from operator import iand
import sys
"""
_LIGHT_PREFIX = LCB_BASE_IMPORTS.replace("import numpy as np\n", "").replace("import pandas as pd\n", "")
_LIBRARY_LINES = {"import numpy as np\n": re.compile(r"\b(?:np|numpy)\b"),
                  "import pandas as pd\n": re.compile(r"\b(?:pd|pandas)\b")}


def lcb_prefix(code: str, answer: str) -> str:
    """BASE_IMPORTS as LCB runs it before `code`, with its numpy / pandas line only where `code` or `answer`
    names that library (see the docstring); such a check runs with read-only site-packages (`needs_packages`)."""
    prefix = LCB_BASE_IMPORTS
    for line, names in _LIBRARY_LINES.items():
        if not (names.search(code) or names.search(answer)):
            prefix = prefix.replace(line, "")
    return prefix


def needs_packages(task: Task, answer: str) -> bool:
    """Whether the check of `answer` imports numpy or pandas (its prefix has their lines): it then runs
    with read-only site-packages (the engine's `packages=`)."""
    if task.question.get("harness") != "lcb":
        return False
    code = official_fields(task)[0]
    return any(names.search(code) or names.search(answer) for names in _LIBRARY_LINES.values())


def _calls_entry_point(answer: str, name: str) -> bool:
    from codereasoner.tasks.answers import parse_source

    try:
        tree = parse_source(answer.strip())
        assert isinstance(tree, ast.Expression)
        node = tree.body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def official_fields(task: Task) -> tuple[str, str, str]:
    """(code, input source, output source) of a CRUXEval-style task.

    `question["input"]`/`question["output"]` win when present (the benchmark loader may keep the
    original strings); otherwise the task record of docs/formats.md: output task `answer` = expected output
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


def drop_reason(task: Task, answer: str) -> str | None:
    """Why the official rule drops `answer` without running it (None: it is run)."""
    if task.question.get("harness") == "lcb":
        if task.kind == "output":
            return "output answer contains the input call" if task.call in answer else None
        name = str(task.question["function_name"])
        return None if _calls_entry_point(answer, name) else f"input answer is not a call of {name}"
    _, inp, _ = official_fields(task)
    if task.kind == "input" and "f(" not in answer:
        return "no 'f(' in an input answer"
    if task.kind == "output" and f"f({inp})" in answer:
        return "output answer repeats the call"
    return None


def official_program(task: Task, answer: str) -> Program | None:
    """The program the harness would run for `answer`, or None when the harness drops the answer."""
    code, _, output = official_fields(task)
    if drop_reason(task, answer) is not None:
        return None
    if task.question.get("harness") == "lcb":
        code = f"{lcb_prefix(code, answer)}\n{code}"
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


def check_official(tasks: Sequence[Task], answers: Sequence[str], executor: ExecutorLike) -> list[Verdict]:
    """One verdict per (task, extracted answer) under the official rule (see the module docstring)."""
    verdicts: list[Verdict | None] = [None] * len(tasks)
    programs: list[Program] = []
    slots: list[int] = []
    packages: list[bool] = []
    for i, (task, answer) in enumerate(zip(tasks, answers)):
        try:
            why = drop_reason(task, answer)
            program = official_program(task, answer) if why is None else None
        except (ValueError, KeyError) as e:
            verdicts[i] = Verdict(task.id, False, VerdictStatus.INVALID, str(e), meta={"mode": "official"})
            continue
        if program is None:
            verdicts[i] = Verdict(task.id, False, VerdictStatus.UNPARSABLE, f"dropped by the official rule: {why}",
                                  meta={"mode": "official", "dropped": True})
            continue
        programs.append(program)
        slots.append(i)
        packages.append(needs_packages(task, answer))
    if programs:
        from codereasoner.execution import Trust

        # the answer is code a model wrote, the program an outside party's: always the untrusted sandbox
        runs = run_checked(executor, programs, _limits(executor), packages, trust=Trust.UNTRUSTED)
        for i, run in zip(slots, runs):
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

    Laid out as the task record of docs/formats.md (output task: answer = output; input task: answer = input,
    question.output = output) with both original strings kept in `question`, so strict and official
    verification read the same record.
    """
    if kind not in OFFICIAL_KINDS:
        raise ValueError(f"CRUXEval tasks are 'output' or 'input', got {kind!r}")
    answer = output if kind == "output" else input
    return Task(id=id, kind=kind, code=code, call=f"f({input})",
                question={"func": "f", "input": input, "output": output}, answer=answer,
                recipe="cruxeval")
