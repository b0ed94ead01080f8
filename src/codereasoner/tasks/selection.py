"""Tasks stage: which programs and questions are worth asking — ExecVerify's structural filter and trivial questions.

- Structural filter (ExecVerify `extract_trace_dataset.py`, docs/data.md): white-box questions (next line,
  state, coverage, path, whitebox items) are only asked about programs with a loop or at least 5 lines,
  and not when the entry function's name occurs in the call's arguments. Other kinds still use the program.
- Trivial questions: what follows a `return`/`raise` line (always -1) and the state right after
  `x = <literal>` (the literal itself) can be answered without following the execution. Selection prefers
  other questions, takes at most one trivial question per program and kind, and the build caps their
  share of each kind (`data.max_trivial_share`).
"""

from __future__ import annotations

import ast
import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from codereasoner.records import Program, Task

MIN_LINES = 5  # ExecVerify: keep programs containing for/while or with >= 5 lines
TRIVIAL_PER_PROGRAM = 1
_EXITS = re.compile(r"^(return|raise)\b")


@lru_cache(maxsize=4096)
def _has_loop(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return any(isinstance(n, (ast.For, ast.While, ast.comprehension)) for n in ast.walk(tree))


def structural_ok(program: Program) -> bool:
    """ExecVerify's structural filter for white-box items: a loop, or >= 5 non-blank lines; and the entry
    function's name does not occur in the call's arguments."""
    if _calls_itself(program.call):
        return False
    lines = sum(1 for line in program.code.splitlines() if line.strip())
    return lines >= MIN_LINES or _has_loop(program.code)


def _calls_itself(call: str) -> bool:
    """The entry's name used inside its own arguments (ExecVerify skips those; it tests a substring, which
    for a function named `f` would reject every argument containing the letter f, so names are compared)."""
    try:
        node = ast.parse(call.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return False
    inner = [*node.args, *(k.value for k in node.keywords)]
    return any(isinstance(n, ast.Name) and n.id == node.func.id for a in inner for n in ast.walk(a))


@lru_cache(maxsize=16384)
def _statement(text: str) -> ast.stmt | None:
    try:
        body = ast.parse(text.strip()).body
    except (SyntaxError, ValueError, RecursionError):
        return None
    return body[0] if len(body) == 1 else None


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def trivial_question(kind: str, code: str, question: Mapping[str, Any]) -> bool:
    """A next_line question about a `return`/`raise` line, or a state question right after `var = <literal>`."""
    if kind not in ("next_line", "state") or "line" not in question:
        return False
    lines = code.split("\n")
    line = question["line"]
    if not 1 <= line <= len(lines):
        return False
    text = lines[line - 1].strip()
    if kind == "next_line":
        return _EXITS.match(text) is not None
    stmt = _statement(text)
    if isinstance(stmt, ast.Assign) and _literal(stmt.value):
        names = {n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        return question.get("var") in names
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None and _literal(stmt.value):
        return isinstance(stmt.target, ast.Name) and stmt.target.id == question.get("var")
    return False


def pick(kind: str, code: str, pool: Sequence[tuple[dict[str, Any], Any]], limit: int,
         rng: random.Random) -> list[tuple[dict[str, Any], Any]]:
    """Up to `limit` (question, answer) pairs: non-trivial ones first (a random sample), then at most
    `TRIVIAL_PER_PROGRAM` trivial one to fill."""
    useful = [c for c in pool if not trivial_question(kind, code, c[0])]
    trivial = [c for c in pool if trivial_question(kind, code, c[0])]
    picked = rng.sample(useful, min(limit, len(useful)))
    room = min(limit - len(picked), TRIVIAL_PER_PROGRAM)
    return picked + rng.sample(trivial, min(room, len(trivial)))


def cap_trivial(tasks: Sequence[Task], share: float, drops: Counter[str]) -> list[Task]:
    """`tasks` with trivial next_line/state questions beyond `share` of their kind's kept tasks removed (in
    order; counted as `<kind>:trivial_capped`)."""
    trivial = {id(t) for t in tasks if trivial_question(t.kind, t.code, t.question)}
    if not trivial:
        return list(tasks)
    other = Counter(t.kind for t in tasks if id(t) not in trivial)
    allowed = {kind: int(share * n / (1 - share)) if share < 1 else len(tasks) for kind, n in other.items()}
    used: Counter[str] = Counter()
    out = []
    for t in tasks:
        if id(t) in trivial:
            if used[t.kind] >= allowed.get(t.kind, 0):
                drops[f"{t.kind}:trivial_capped"] += 1
                continue
            used[t.kind] += 1
        out.append(t)
    return out
