"""Does a completion follow its recipe's tag format? (the optional format terms of the rewards)

Pure text checks, recorded by `verify` in `Verdict.meta["format"]` so rewards stay functions of the
verdict. Formats (docs/recipes.md):
- answer:  `<reasoning>...</reasoning>` then `<answer>...</answer>` and nothing else (CodeReasoner,
  ExecVerify, tiny);
- anchors: optional `<reasoning>..</reasoning><input>..</input>` (input prediction), any number of
  `<reasoning>..</reasoning><print>..</print>` pairs, then `<reasoning>..</reasoning><answer>..</answer>`
  (StepCodeReasoner);
- codegen: `<answer>` and `</answer>` both present (ExecVerify code_gen.py's exact test).
"""

from __future__ import annotations

import re


def _block(tag: str) -> str:
    # A tempered token: any text that does not close the tag, so matching stays linear and a block
    # cannot swallow the next one.
    return rf"<{tag}>(?:(?!</{tag}>).)*</{tag}>\s*"


_ANSWER = re.compile(rf"\s*{_block('reasoning')}{_block('answer')}", re.DOTALL)
_ANCHORS = re.compile(
    rf"\s*(?:{_block('reasoning')}{_block('input')})?(?:{_block('reasoning')}{_block('print')})*"
    rf"{_block('reasoning')}{_block('answer')}",
    re.DOTALL,
)


def style_for(kind: str) -> str:
    """The format a task kind's completions are written in."""
    if kind == "anchors":
        return "anchors"
    if kind == "codegen":
        return "codegen"
    return "answer"


def format_ok(completion: str, style: str) -> bool:
    """True when `completion` follows `style` exactly (see the module docstring)."""
    if style == "codegen":
        return "<answer>" in completion and "</answer>" in completion
    pattern = _ANCHORS if style == "anchors" else _ANSWER
    return pattern.fullmatch(completion) is not None
