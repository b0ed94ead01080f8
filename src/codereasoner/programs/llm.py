"""Stage 2 (programs): LLM program synthesis exactly as ExecVerify prompts it, via any OpenAI-compatible API.

ExecVerify step 1 (`data/code_synthesis.py`, docs/data.md): for each (type, method) seed and each of six
constraint configurations, ask a code model (system "You are a code generator.", T=0.8, top_p=0.9,
max_tokens=4096) to write a function testing that method under the hard requirements and guidelines below,
as one ```python block whose single print(...) calls the entry point once. Step 2 (`input_synthesis.py`)
asks again (T=0.4, top_p=0.9, repetition penalty 1.05) to rewrite the call's arguments from random
reference values. Step 3 (`filter_by_execution.py`) keeps the function definitions and the printed call.
Prompt texts below are ExecVerify's, verbatim. Parsing uses `ast` only; every program still goes through
engine verification (`checks.verify_programs`) like any other source. Deviation: text before `</think>` is
dropped before looking for the code block (ExecVerify's regex could pick a block from the reasoning).
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import os
import random
import re
import string
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field

from codereasoner.openai_client import OpenAIClient
from codereasoner.programs import PROGRAM_SOURCES
from codereasoner.programs.base import ProgramSource
from codereasoner.programs.core_logic import SAFE_MODULES
from codereasoner.programs.inputs import PAPER, mutate_call
from codereasoner.programs.synth.catalogue import PAIRS
from codereasoner.programs.synth.knobs import LEVELS
from codereasoner.records import Program

SYSTEM = "You are a code generator."


def control_stmts(depth: int, rng: random.Random) -> str:
    """ExecVerify's `get_control_stmts`: a random control-flow blueprint of the given depth."""
    if depth == 0:
        return "Do not include any control structures (if, for, while, elif)."
    seq = [rng.choice(["if", "for", "while", "if-elif"]) for _ in range(depth)]
    label = {"if": "if statement", "for": "for statement", "while": "while statement", "if-elif": "if-elif chain"}

    def article(phrase: str) -> str:
        return "an" if phrase[0].lower() in "aeiou" else "a"

    if depth == 1:
        p = label[seq[0]]
        return f"Include {article(p)} {p}."
    parts = [f"Include {article(label[seq[0]])} {label[seq[0]]}"]
    for i in range(1, depth):
        current, parent = label[seq[i]], label[seq[i - 1]]
        if i == 1:
            parts.append(f"nest {article(current)} {current} inside it")
        else:
            parts.append(f"then nest {article(current)} {current} inside the {parent}")
    return ", ".join(parts) + "."


def synthesis_prompt(type_str: str, method_str: str, nested: bool, other_methods: bool, call_chain: bool,
                     depth: int, rng: random.Random) -> str:
    """ExecVerify's code-synthesis prompt (`get_prompt`), verbatim."""
    parts = [textwrap.dedent(f"""
        Task
        ----
        Write Python code that tests the `{method_str}` method of the `{type_str}` type.
    """).strip()]
    parts.append(textwrap.dedent("""
        Hard Requirements
        -----------------
        1) Do not include any comments.
        2) Use exactly one print(...) statement to display the result.
        3) Place that print(...) statement outside the function.
        4) Call the function exactly once — inside that single print(...) call.
        5) Do not use default parameter values in the function definition.
        6) Each function must have at least one argument.
    """).strip())
    parts.append("Guidelines\n----------")
    parts.append("- " + ("Use nested calls to the test method with at least two levels of depth and "
                         "invoke the test method multiple times in the generated code." if nested
                         else "Avoid nested function calls."))
    prefer = ["str", "list", "set", "tuple"]
    parts.append("- " + ("Use at least one additional built-in method (preferably from " + ", ".join(prefer)
                         + ") besides the method under test." if other_methods
                         else "Do not call any additional methods beyond the method under test."))
    parts.append("- " + ("Define exactly two functions: helper A and entry-point B; B must call A at least once."
                         if call_chain else "Define exactly one function; do not create helper functions."))
    parts.append(f"- {control_stmts(depth, rng)}")
    parts.append(textwrap.dedent("""
        Output Format
        -------------
        Return only a single Markdown code block:
        ```python
        # complete code snippet
        ```
    """).strip())
    return "\n\n".join(parts)


def reference_values(rng: random.Random) -> str:
    """ExecVerify's `get_ref_values` (config: collection length 5-15, ints 5-20)."""
    length = rng.randint(5, 15)
    ints = "".join("  " + str(rng.randint(5, 20)) for _ in range(length))
    strs = ""
    for _ in range(length):
        roll = rng.randint(1, 10)
        if roll <= 5:
            s = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(5, 10)))
        elif roll <= 9:
            chars = string.ascii_letters + string.digits + string.punctuation + string.whitespace
            s = rng.choice(chars) * rng.randint(5, 15)
        else:
            pool = string.ascii_letters + string.digits + string.punctuation
            s = "".join(rng.choice(pool) for _ in range(rng.randint(5, 10)))
        strs += "  " + f"'{s}'"
    return f"integer values:{ints}\n\nstring values:{strs}\n\n"


def mutation_prompt(code: str, ref_values: str) -> str:
    """ExecVerify's input-synthesis prompt (`input_synthesis.get_prompt`), verbatim."""
    head = "\nTask\n----\nModify the arguments in the provided code.\n"
    body = f"""
Here is the provided code:
-----------------
{code}

Reconstruct the arguments in the function call by directly writing the arguments inside the function call 
(i.e., you must not assign them to variables before calling the function) and 
try to use one or more values below:
{ref_values}

Notes

For types such as str, dict, list, or set, their length must exceed five.

You may modify the code if needed, as long as it aligns with the reference values.

In the print statement, call the entry function only at one time. Do not use nested function calls in the print statement.

Output Format
-------------

call the entry point function with the new arguments and use the print statement to print the result.

Return only a single Markdown code block:
```python
# complete code snippet
```
""".strip()
    return "\n\n".join([head, body])


_BLOCK = re.compile(r"```python\s*(.*?)\s*```", re.DOTALL)


def extract_code(text: str) -> str | None:
    """The first ```python block after any `</think>`."""
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    m = _BLOCK.search(text)
    return m.group(1).strip() if m else None


def split_program(code: str) -> tuple[str, str] | None:
    """(definitions, call) from a snippet with function defs and exactly one top-level print(entry(args)).

    Keeps imports of `SAFE_MODULES` and the function definitions, in order (ExecVerify keeps the
    definitions only); None when the shape is wrong.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    prints = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
              and isinstance(n.value.func, ast.Name) and n.value.func.id == "print"]
    printed = prints[0].value if len(prints) == 1 else None
    if not defs or not isinstance(printed, ast.Call) or len(printed.args) != 1 or printed.keywords:
        return None
    inner = printed.args[0]
    names = {d.name for d in defs}
    if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id in names):
        return None
    keep: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            keep.append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if all(m.split(".")[0] in SAFE_MODULES for m in mods):
                keep.append(node)
    source = "\n\n".join(ast.get_source_segment(code, n) or ast.unparse(n) for n in keep)
    call = ast.get_source_segment(code, inner) or ""
    return source, call if call and "\n" not in call else ast.unparse(inner)  # one line, values unchanged


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to ask. Defaults follow ExecVerify's config.yaml sampling settings."""

    base_url: str = field(default="http://127.0.0.1:8000/v1", metadata={"help": "OpenAI-compatible endpoint"})
    model: str = field(default="Qwen/Qwen2.5-Coder-32B-Instruct", metadata={"help": "code generator model"})
    api_key_env: str = field(default="OPENAI_API_KEY", metadata={"help": "environment variable with the key"})
    levels: tuple[int, ...] = field(default=(1, 2, 3, 4, 5, 6), metadata={"help": "ExecVerify configurations"})
    prompts_per_level: int = field(default=186, metadata={"help": "ExecVerify used 40,000 (cycling the seeds)"})
    types: tuple[str, ...] = field(default=(), metadata={"help": "restrict seeds to these types"})
    temperature: float = field(default=0.8, metadata={"help": "ExecVerify code synthesis: 0.8"})
    top_p: float = field(default=0.9, metadata={"help": "ExecVerify: 0.9"})
    max_tokens: int = field(default=4096, metadata={"help": "ExecVerify: 4096"})
    mutate_inputs: bool = field(default=True, metadata={"help": "also ask for a mutated call (step 2)"})
    extra_calls: int = field(default=1, metadata={"help": "rule-based mutated calls per program (inputs.py)"})
    concurrency: int = field(default=8, metadata={"help": "requests in flight"})
    retries: int = field(default=3, metadata={"help": "retries on 429/5xx/connection errors"})
    timeout_s: float = field(default=300.0, metadata={"help": "per request; 4096 tokens take minutes"})
    cache_dir: str = field(default="", metadata={"help": "on-disk request cache; empty = none"})
    batch: int = field(default=64, metadata={"help": "prompts sent per round"})

    def __post_init__(self) -> None:
        if not self.levels or any(k not in LEVELS or k == 0 for k in self.levels):
            raise ValueError(f"LLMConfig.levels must be among 1-6, got {self.levels}")
        if self.prompts_per_level < 1 or self.batch < 1:
            raise ValueError("LLMConfig.prompts_per_level and batch must be >= 1")


@PROGRAM_SOURCES.register("llm")
class LLMSynthesizer(ProgramSource):
    """ExecVerify's LLM synthesis: prompts per (seed, level), parse, optional input mutation."""

    Config = LLMConfig
    config: LLMConfig

    def __init__(self, config: LLMConfig | None = None, client: OpenAIClient | None = None) -> None:
        super().__init__(config)
        cfg = self.config
        self.client = client or OpenAIClient(
            cfg.base_url, cfg.model, api_key=os.environ.get(cfg.api_key_env), concurrency=cfg.concurrency,
            retries=cfg.retries, timeout_s=cfg.timeout_s, cache_dir=cfg.cache_dir or None)
        self.stats = {"prompts": 0, "parsed": 0, "unparsable": 0}

    def jobs(self, rng: random.Random) -> Iterator[tuple[int, str, str]]:
        """(level, seed pair, prompt), cycling the seeds in catalogue order per level like ExecVerify, with the
        levels interleaved (ExecVerify runs one level after another): the first prompts cover every level."""
        cfg = self.config
        pairs = [p for p in PAIRS if not cfg.types or p.split(".", 1)[0] in cfg.types]
        for i in range(cfg.prompts_per_level):
            pair = pairs[i % len(pairs)]
            type_str, method = pair.split(".", 1)
            for level in cfg.levels:
                k = LEVELS[level]
                yield level, pair, synthesis_prompt(type_str, method, bool(k["nested"]), bool(k["other_methods"]),
                                                    bool(k["call_chain"]), k["depth"], rng)

    def programs(self, rng: random.Random) -> Iterator[Program]:
        cfg = self.config
        jobs = self.jobs(rng)
        seen: set[str] = set()  # an LLM repeats itself: emit each (code, call) once
        while batch := list(itertools.islice(jobs, cfg.batch)):
            answers = self.client.chat([[{"role": "system", "content": SYSTEM}, {"role": "user", "content": p}]
                                        for _, _, p in batch], temperature=cfg.temperature, top_p=cfg.top_p,
                                       max_tokens=cfg.max_tokens)
            raw = []
            for (level, pair, _), texts in zip(batch, answers):
                self.stats["prompts"] += 1
                code = extract_code(texts[0]) if texts else None
                parts = split_program(code) if code else None
                if code is None or parts is None:
                    self.stats["unparsable"] += 1
                    continue
                self.stats["parsed"] += 1
                raw.append((level, pair, code, parts))
            mutated: list[list[str]] = [[] for _ in raw]
            if cfg.mutate_inputs and raw:
                mutated = self.client.chat(
                    [[{"role": "system", "content": SYSTEM},
                      {"role": "user", "content": mutation_prompt(code, reference_values(rng))}]
                     for _, _, code, _ in raw],
                    temperature=0.4, top_p=0.9, max_tokens=cfg.max_tokens, repetition_penalty=1.05)
            by_level: dict[int, list[Program]] = {}
            for (level, pair, _, (defs, call)), answer in zip(raw, mutated):
                variants = [("raw", defs, call)]
                m_code = extract_code(answer[0]) if answer else None
                m_parts = split_program(m_code) if m_code else None
                if m_parts is not None:
                    variants.append(("mutated", *m_parts))
                for name, d, c in variants:
                    calls = [c] + mutate_call(c, cfg.extra_calls, rng, PAPER)
                    for j, call in enumerate(calls):
                        digest = hashlib.sha1(f"{d}\n{call}".encode()).hexdigest()[:12]
                        if digest in seen:
                            continue
                        seen.add(digest)
                        by_level.setdefault(level, []).append(Program(
                            id=f"llm-L{level}-{digest}", code=d, call=call, source="llm", difficulty=level,
                            meta={"seed": pair, "level": level, "variant": name,
                                  "input": "llm" if j == 0 else "mutated"}))
            # Round-robin over levels, so that a small --n still draws from every level.
            for group in itertools.zip_longest(*by_level.values()):
                yield from (p for p in group if p is not None)
