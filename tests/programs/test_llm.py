"""LLM synthesis against a real local OpenAI-compatible server: ExecVerify's prompts, parsing, mutation."""

from __future__ import annotations

import random
import re

from codereasoner.openai_client import LocalServer, OpenAIClient
from codereasoner.programs import PROGRAM_SOURCES
from codereasoner.programs.llm import (
    SYSTEM,
    LLMConfig,
    LLMSynthesizer,
    control_stmts,
    extract_code,
    split_program,
    synthesis_prompt,
)

GOOD = """<think>maybe ```python\nprint(1)\n```</think>Here:
```python
import math
import os

def helper(s):
    return s.{method}()

def test_it(s, n):
    return helper(s) * n

print(test_it({arg}, 2))
```"""


def responder(endpoint, body):
    prompt = body["messages"][-1]["content"]
    if "Modify the arguments" in prompt:
        return ["```python\ndef test_it(s, n):\n    return s * n\n\nprint(test_it('mutated', 3))\n```"]
    method = re.search(r"tests the `([^`]+)` method", prompt).group(1)
    if method in ("+", "in"):  # the first two str seeds in catalogue order get a good answer
        return [GOOD.format(method="upper", arg="'abc'")]
    return ["I cannot do that."]


def test_prompt_is_execverify_verbatim():
    rng = random.Random(0)
    p = synthesis_prompt("str", "replace", True, True, True, 2, rng)
    assert p.startswith("Task\n----\nWrite Python code that tests the `replace` method of the `str` type.")
    assert "4) Call the function exactly once — inside that single print(...) call." in p
    assert "- Define exactly two functions: helper A and entry-point B; B must call A at least once." in p
    assert "Use at least one additional built-in method (preferably from str, list, set, tuple)" in p
    assert p.endswith("Return only a single Markdown code block:\n```python\n# complete code snippet\n```")
    assert control_stmts(0, rng) == "Do not include any control structures (if, for, while, elif)."
    three = control_stmts(3, random.Random(1))
    assert three.startswith("Include ") and "nest " in three and "then nest " in three


def test_parsing_keeps_defs_safe_imports_and_the_printed_call():
    code = extract_code(GOOD.format(method="upper", arg="'abc'"))
    assert code.startswith("import math")  # the block after </think>, not the one inside it
    defs, call = split_program(code)
    assert "import os" not in defs and "import math" in defs and "def helper" in defs and "print" not in defs
    assert call == "test_it('abc', 2)"
    assert split_program("def f(x):\n    return x\nprint(f(1))\nprint(f(2))") is None  # two prints
    assert split_program("x = 1\nprint(x)") is None
    _, multi = split_program("def f(a, b):\n    return a + b\n\nprint(f('x  y',\n        [1,\n 2]))")
    assert multi == "f('x  y', [1, 2])"  # joined onto one line, the string's spaces kept


def test_synthesis_against_local_server(tmp_path, executor):
    assert PROGRAM_SOURCES.get("llm") is LLMSynthesizer
    with LocalServer(responder) as server:
        client = OpenAIClient(server.base_url, "coder", cache_dir=tmp_path / "cache", backoff_s=0.01)
        # str seeds cycle in catalogue order: +, in, not in, == (per level)
        cfg = LLMConfig(levels=(1, 6), prompts_per_level=4, types=("str",), extra_calls=1, batch=3)
        src = LLMSynthesizer(cfg, client=client)
        programs = list(src.programs(random.Random(0)))
        first = server.requests[0]
        assert first["messages"][0] == {"role": "system", "content": SYSTEM}
        assert first["temperature"] == 0.8 and first["top_p"] == 0.9 and first["max_tokens"] == 4096
        mutation = next(r for r in server.requests if "Modify the arguments" in r["messages"][-1]["content"])
        assert mutation["temperature"] == 0.4 and mutation["repetition_penalty"] == 1.05
        assert "integer values:" in mutation["messages"][-1]["content"]
    assert src.stats == {"prompts": 8, "parsed": 4, "unparsable": 4}
    # each parsed program: its own call + the LLM-mutated variant, each with one rule-mutated extra call;
    # the fake model answers the same code every time, and repeats are emitted once
    assert len({(p.code, p.call) for p in programs}) == len(programs) == len({p.id for p in programs}) >= 6
    assert {p.meta["variant"] for p in programs} == {"raw", "mutated"}
    assert {p.difficulty for p in programs} == {1, 6} and {p.meta["seed"] for p in programs} == {"str.+", "str.in"}
    calls = [p.call for p in programs]
    assert "test_it('abc', 2)" in calls and "test_it('mutated', 3)" in calls
    runs = executor.run(programs)
    assert all(r.ok for r in runs), runs
    assert runs[calls.index("test_it('abc', 2)")].result == "'ABCABC'"


def test_cache_makes_a_rerun_free(tmp_path):
    cfg = LLMConfig(levels=(1,), prompts_per_level=3, types=("str",), mutate_inputs=False)
    with LocalServer(responder) as server:
        client = OpenAIClient(server.base_url, "coder", cache_dir=tmp_path, backoff_s=0.01)
        list(LLMSynthesizer(cfg, client=client).programs(random.Random(5)))
        before = len(server.requests)
        list(LLMSynthesizer(cfg, client=OpenAIClient(server.base_url, "coder", cache_dir=tmp_path))
             .programs(random.Random(5)))
        assert before == 3 and len(server.requests) == 3
