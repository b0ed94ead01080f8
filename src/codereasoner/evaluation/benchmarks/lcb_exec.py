"""Evaluation: LiveCodeBench code execution (output prediction) and its derived input-prediction variant.

Reads `execution-v2` rows (`{code, input: "fn(a = 1)", output, function_name, id, ...}`; the official file
is the HF dataset livecodebench/execution-v2, 479 rows; the local copy is a validated 459-row
reconstruction, BENCHMARKS.md §2.1) and writes one `Task` per row. Official output scoring is today's
LCB scorer (lcb_runner @ 28fef95, §2.4): check `BASE_IMPORTS + code + assert <output> == <answer>`,
drop answers that contain the input call, and reset to all-False only when *every* answer was dropped.
LCB-I (the seed papers' column) has no official harness: we score it like CRUXEval-I with the LCB
prefix (the answer must be a whole call of the entry point).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.base import Benchmark, read_rows
from codereasoner.evaluation.benchmarks.cruxeval import (
    ROW_KEYS,
    dropped,
    official_list,
    render_with_kind,
    score_answers,
)
from codereasoner.records import Generation, Report, Task, Verdict
from codereasoner.tasks.answers import parse_source

# lcb_runner/evaluation/utils_execute.py @ 28fef95, verbatim: every official check runs after it, so
# answers such as `inf` or `Counter(...)` evaluate (BENCHMARKS.md §2.6).
BASE_IMPORTS = """from itertools import accumulate, chain, combinations, count, permutations, product, groupby, islice, repeat
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
# The executor's workers run without site-packages (execution/isolation.py), so numpy and pandas are not
# importable there by default. No answer needs them, so most checks run with the two lines left out
# (WORKER_PREFIX, fast); a row whose own code imports one (sample_441 uses numpy) also gets that library's
# official line, with site-packages put back on the worker's path for that check only (the worker is
# replaced after it, since its sys.path changed). Re-scoring the published runs this way reproduces them exactly.
WORKER_PREFIX = BASE_IMPORTS.replace("import numpy as np\n", "").replace("import pandas as pd\n", "")


def _needs_site_packages(code: str) -> bool:
    return any(f"import {m}" in code or f"from {m}" in code for m in ("numpy", "pandas"))


def _prefix_for(code: str) -> str:
    """WORKER_PREFIX plus the official `np`/`pd` lines for the libraries `code` itself imports."""
    extra = "".join(line for mod, line in (("numpy", "import numpy as np\n"), ("pandas", "import pandas as pd\n"))
                    if f"import {mod}" in code or f"from {mod}" in code)
    return WORKER_PREFIX + extra


def _site_prefix() -> str:
    import sysconfig

    return f"import sys as _site_sys\n_site_sys.path.append({sysconfig.get_paths()['purelib']!r})\n"


def lcb_list(verdicts: Sequence[Verdict], n_answers: int) -> list[bool]:
    """Today's LCB counting: dropped answers shrink the list; all-False reset only if all were dropped."""
    kept = [v.correct for v in verdicts if not dropped(v)]
    return kept if kept else [False] * n_answers


def prerelease_list(verdicts: Sequence[Verdict], n_answers: int) -> list[bool]:
    """minimario/cruxeval-lcb (the published leaderboard runs): a dropped answer simply counts False."""
    return [v.correct for v in verdicts]


def call_args(call: str, name: str) -> str:
    """`fn(a = 1, b = 2)` → `a = 1, b = 2` (the row's input without the entry-point wrapper)."""
    call = call.strip()
    if not (call.startswith(name + "(") and call.endswith(")")):
        raise ValueError(f"LCB input {call!r} is not a call of {name}")
    return call[len(name) + 1 : -1]


def row_task(row: dict, kind: str, benchmark: str = "lcb_exec") -> Task:
    name = row.get("function_name") or row["input"].split("(", 1)[0].strip()
    # `func` + `input` (the arguments) are what the task kinds render ExecVerify's prompt from; `call` is
    # the row's whole input (LCB's own templates and drop rule use it).
    question = {"func": name, "input": call_args(row["input"], name), "output": row["output"], "function_name": name}
    meta = {"benchmark": benchmark, "difficulty": row.get("difficulty")}
    answer = row["output"] if kind == "output" else call_args(row["input"], name)
    return Task(row["id"], kind, row["code"], row["input"], question, answer, meta=meta)


def load_rows(path: Path) -> list[dict]:
    if path.is_dir():
        candidates = sorted(path.glob("*.jsonl"))
        if not candidates:
            raise FileNotFoundError(f"{path}: no .jsonl file with LiveCodeBench execution rows")
        path = candidates[0]
    rows = read_rows(path, ROW_KEYS, "LCB")
    rows.sort(key=lambda r: int(str(r["id"]).split("_")[1]))  # the runner's order (scenario_router.py)
    return rows


@BENCHMARKS.register("lcb_exec")
class LCBExecution(Benchmark):
    name = "lcb_exec"
    version = "1"  # rows: execution-v2 (local: 459-row reconstruction); scoring: lcb_runner @ 28fef95
    task_kinds = ("output", "input")
    styles = ("direct", "cot", "codereasoner", "execverify")
    default_path = "livecodebench_execution/execution-v2.reconstructed.jsonl"
    hub_name = "livecodebench/execution-v2"
    where_to_get = (
        "The official rows are the Hugging Face dataset livecodebench/execution-v2 (split test, 479 rows); "
        "save them as JSONL and pass --data FILE."
    )

    def load(self, path: str | Path | None = None, *, task: str | None = None) -> list[Task]:
        kind = self.check_kind(task)
        return [row_task(r, kind, self.name) for r in self.rows(path, load_rows)]

    def render(self, task: Task, style: str) -> str | list[dict[str, str]]:
        style = self.check_style(style)
        if task.kind == "output" and style in ("direct", "cot"):
            from codereasoner.tasks import prompts

            template = prompts.LCB_OUTPUT_DIRECT if style == "direct" else prompts.LCB_OUTPUT_COT
            return prompts.fill(template, code=task.code, input=task.call)
        return render_with_kind(task, style)  # LCB-I direct/cot: CRUXEval-I's templates with the entry point

    def extract(self, completion: str, task: Task, style: str) -> str:
        from codereasoner.evaluation.benchmarks.extraction import extract_answer

        return extract_answer(completion, task, style, harness="lcb")

    def score(
        self,
        tasks: Sequence[Task],
        generations: Sequence[Generation],
        *,
        mode: str = "official",
        executor: object | None = None,
        rule: str = "current",
    ) -> Report:
        """`rule="prerelease"` reproduces the published leaderboard runs (BENCHMARKS.md §2.5)."""
        count = {"current": lcb_list, "prerelease": prerelease_list}[rule]
        if tasks and tasks[0].kind == "input":
            count = official_list  # CRUXEval-I counting for the derived input variant
        if mode == "official":
            tasks, generations = _as_cruxeval(tasks, generations)
        report = score_answers(self.name, self.version, tasks, generations, mode=mode, executor=executor, count=count)
        return Report(report.benchmark, report.version, report.mode, report.metrics, report.verdicts,
                      {**report.meta, "rule": rule})


# The official verifier (rewards/official.py) speaks CRUXEval: `code + assert output == answer` with
# `f` as the entry point. LCB differs only in the prefix, the entry point's name and the drop rule, so
# each task is restated in CRUXEval terms: BASE_IMPORTS before the code, `f` bound to the entry point
# after it (LCB code never binds a global `f`; checked on all 459 rows), the input answer's call renamed
# to `f`. The drop rules stay LCB's own: an output answer containing the input call is replaced by
# `f(<call>)`, which the verifier's CRUXEval rule then drops; an input answer must be a call of the
# entry point, as ExecVerify's OI check reads it (§2.7), else it becomes NUL, which has no `f(`.
_NEVER = "\x00"  # no `f(` in it: the official rule drops it


def _as_cruxeval(tasks: Sequence[Task], generations: Sequence[Generation]) -> tuple[list[Task], list[Generation]]:
    import dataclasses

    answers = {g.task_id: g for g in generations}
    out_tasks, out_gens = [], []
    for t in tasks:
        name = str(t.question["function_name"])
        prefix = _site_prefix() + _prefix_for(t.code) if _needs_site_packages(t.code) else WORKER_PREFIX
        code = f"{prefix}\n{t.code}\nf = {name}"
        question = {"input": t.call if t.kind == "output" else t.answer, "output": t.question["output"]}
        out_tasks.append(dataclasses.replace(t, code=code, question=question))
        g = answers.get(t.id)
        if g is not None and t.kind == "input":
            g = dataclasses.replace(g, completions=tuple(_renamed_call(a, name) for a in g.completions))
        elif g is not None:
            call = t.call  # LCB drops `input in answer`; restated as the verifier's own drop
            g = dataclasses.replace(g, completions=tuple(f"f({call})" if call in a else a for a in g.completions))
        if g is not None:
            out_gens.append(g)
    return out_tasks, out_gens


def _renamed_call(answer: str, name: str) -> str:
    """`name(args)` → `f(args)`; anything else becomes an answer the official rule drops (no `f(`)."""
    import ast

    try:
        node = parse_source(answer.strip()).body
    except SyntaxError:
        return _NEVER
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
        return "f" + answer.strip()[len(name):]
    return _NEVER
