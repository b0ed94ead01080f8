"""Do a reasoning chain's intermediate claims agree with the execution trace? (`data distill --check-trace`)

A teacher can reach the right answer through wrong steps; such a chain teaches the wrong steps. Two checks:
- StepCodeReasoner anchor tasks state their steps as `<print>` blocks: every block must match the line the
  instrumented program printed (the verifier's per-anchor parts).
- Other tasks: claims of the form `name = value` (also `name is value`, `name becomes value`, `name: value`)
  in the reasoning, where `name` is a variable of the traced program and `value` a Python literal, must name a
  value that variable actually holds at some step of the trace (compared with Python `==` on parsed
  literals; nothing is executed). Claims about other names, or values that are not literals (expressions,
  prose), are not checked. The check is deliberately lenient on *when* (any step): it catches invented
  values, not a correct value attributed to the wrong iteration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from codereasoner.records import Run, Task, Verdict
from codereasoner.tasks.answers import extract_tags, parse_literal, python_equal

_CLAIM = re.compile(r"(?<![\w.\[])([A-Za-z_]\w*)\s*(?:(?<![=!<>])=(?!=)|:(?!=)|\bis now\b|\bis\b|\bbecomes\b)\s*")
_ENDS = re.compile(r"[,;.)\n]|\s(?:and|so|which|because|then)\b|$")
MAX_LITERAL = 200


@dataclass(frozen=True)
class ClaimCheck:
    """How many claims were checked and which contradicted the trace (`name = value` texts)."""

    checked: int
    contradicted: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.contradicted

    def to_json(self) -> dict[str, object]:
        return {"checked": self.checked, "contradicted": list(self.contradicted)}


def trace_values(run: Run) -> dict[str, list[object]]:
    """Every value each local variable holds in the trace (parsed literals; unparsable reprs are skipped)."""
    values: dict[str, list[object]] = {}
    seen: set[tuple[str, str]] = set()
    if run.trace is None:
        return values
    for step in run.trace.steps:
        for name, value in step.locals.items():
            if (name, value.repr) in seen:
                continue
            seen.add((name, value.repr))
            try:
                values.setdefault(name, []).append(parse_literal(value.repr))
            except ValueError:
                values.setdefault(name, [])
    return values


def _literal_after(text: str, start: int) -> tuple[object, str] | None:
    """The longest Python literal starting at `start` (up to a natural end: punctuation, a conjunction)."""
    window = text[start:start + MAX_LITERAL]
    ends = sorted({m.start() for m in _ENDS.finditer(window)} | {len(window)}, reverse=True)
    for end in ends:
        candidate = window[:end].strip().strip("`")
        if not candidate or ("," in candidate and candidate[0] not in "[({'\""):
            continue  # "x = 1, 2" is prose listing values, not the tuple (1, 2)
        try:
            return parse_literal(candidate), candidate
        except ValueError:
            continue
    return None


def claims_in(reasoning: str, names: Mapping[str, object]) -> list[tuple[str, object, str]]:
    """(name, value, text) for each `name = literal` claim about a variable in `names`."""
    out = []
    for m in _CLAIM.finditer(reasoning):
        name = m.group(1)
        if name not in names:
            continue
        found = _literal_after(reasoning, m.end())
        if found is not None:
            out.append((name, found[0], f"{name} = {found[1]}"))
    return out


def check_claims(task: Task, completion: str, run: Run | None, verdict: Verdict | None = None) -> ClaimCheck:
    """The trace check of the module docstring for one chain."""
    if task.kind == "anchors" and verdict is not None:
        prints = [k for k in verdict.parts if k.startswith("print")]
        wrong = tuple(k for k in prints if not verdict.parts[k])
        return ClaimCheck(len(prints), wrong)
    if run is None or run.trace is None:
        return ClaimCheck(0, ())
    values = trace_values(run)
    reasoning = "\n".join(extract_tags(completion, "reasoning") + extract_tags(completion, "think")) \
        or completion.split("<answer>", 1)[0]
    claims = claims_in(reasoning, values)
    wrong = tuple(text for name, value, text in claims
                  if values[name] and not any(python_equal(value, v) for v in values[name]))
    return ClaimCheck(len(claims), wrong)
