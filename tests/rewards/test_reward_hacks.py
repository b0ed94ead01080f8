"""Every known reward hack, sent through verify_batch: strict mode must reject each one and run no answer code.

The hacks (and where they come from): an object whose `__eq__` is always true, answers that call the
function under test (the answer becomes the truth), answers that exit the process early (an exit code 0
reads as "assertion passed" in ExecVerify's subprocess check), `unittest.mock.ANY`, non-literal input
arguments (code smuggled into the call), `or True` assertion injection, and literals built to exhaust the
verifier (huge, deeply nested). Honest answers — including strings that contain `==` — must still pass.
"""

from __future__ import annotations

import pytest

from codereasoner.records import VerdictStatus
from codereasoner.rewards.official import cruxeval_task
from codereasoner.rewards.verify import verify, verify_batch

CODE = "def f(s):\n    return s.upper() + '=='"
OUT = cruxeval_task("h", "output", CODE, "'ab'", "'AB=='")
INP = cruxeval_task("h", "input", CODE, "'ab'", "'AB=='")

ALWAYS_EQUAL = "type('A', (), {'__eq__': lambda self, other: True})()"
OUTPUT_HACKS = {
    "always-true __eq__": ALWAYS_EQUAL,
    "always-true __eq__ (class)": "__import__('types').SimpleNamespace(__eq__=lambda o: True)",
    "calls f": "f('ab')",
    "calls f, respaced": "f( 'ab' )",
    "exit": "exit()",
    "sys.exit(0)": "__import__('sys').exit(0)",
    "os._exit(0)": "__import__('os')._exit(0)",
    "SystemExit": "(_ for _ in ()).throw(SystemExit(0))",
    "mock.ANY": "__import__('unittest.mock').mock.ANY",
    "ANY name": "ANY",
    "or True injection": "'x' or True",
    "assert injection": "'x'\nassert True",
    "walrus": "(s := 'AB==')",
    "huge repetition": "'a' * 10**9",
    "huge literal": "'" + "a" * 200_000 + "'",
    "deeply nested": "[" * 500 + "]" * 500,
    "deep but parseable": "[" * 90 + "]" * 90,
    "huge int": "9" * 5000,
    "power tower": "10**10**10",
}


@pytest.mark.parametrize("name", sorted(OUTPUT_HACKS))
def test_output_hacks_are_rejected(name, spy):
    v = verify(OUT, OUTPUT_HACKS[name], executor=spy)
    assert not v.correct and v.status in (VerdictStatus.UNPARSABLE, VerdictStatus.WRONG), (name, v)
    assert spy.programs == []  # output answers are literals: nothing at all was executed


INPUT_HACKS = {
    "always-true __eq__ arg": f"f({ALWAYS_EQUAL})",
    "nested call of f": "f(f('ab'))",
    "starred": "f(*['ab'])",
    "double starred": "f(**{'s': 'ab'})",
    "generator": "f(x for x in 'ab')",
    "lambda": "f(lambda: 'ab')",
    "exit in args": "f(exit())",
    "os._exit in args": "f(__import__('os')._exit(0))",
    "mock.ANY arg": "f(__import__('unittest.mock').mock.ANY)",
    "name": "f(s)",
    "attribute": "f('ab'.lower())",
    "injection after call": "f('ab') or True",
    "huge arg": "f('a' * 10**9)",
    "deeply nested arg": "f(" + "[" * 500 + "]" * 500 + ")",
}


@pytest.mark.parametrize("name", sorted(INPUT_HACKS))
def test_input_hacks_never_reach_the_executor(name, spy):
    v = verify(INP, INPUT_HACKS[name], executor=spy)
    assert not v.correct, (name, v)
    # Whatever was run was rebuilt from parsed literal values: none of the hack's code appears in it.
    for p in spy.programs:
        assert p.code == CODE
        assert not any(bad in p.call for bad in ("lambda", "__import__", "exit", " or ", "*", "f(f(", "for ", "lower"))


HONEST = [
    (OUT, "'AB=='"),
    (OUT, '"AB=="'),
    (OUT, "assert f('ab') == 'AB=='"),  # the whole assertion, with '==' inside the string
    (OUT, "<reasoning>\nupper then '=='\n</reasoning>\n<answer>\nassert f('ab') == 'AB=='\n</answer>"),
    (OUT, "[ANSWER]\nassert f('ab') == 'AB=='\n[/ANSWER]"),
    (INP, "f('ab')"),
    (INP, "'ab'"),
    (INP, "f(s='ab')"),
    (INP, "assert f('ab') == 'AB=='"),
    (INP, "<answer>\n```python\nassert f('ab') == 'AB=='\n```\n</answer>"),
]


def test_honest_answers_all_pass(executor):
    tasks, comps = zip(*HONEST)
    verdicts = verify_batch(list(tasks), list(comps), executor=executor)
    assert [v.status for v in verdicts] == [VerdictStatus.CORRECT] * len(HONEST), [v.detail for v in verdicts]


def test_official_mode_is_hackable_which_is_why_rewards_use_strict(executor):
    # Documented: the official harness executes the answer, so these pass there (never use it for rewards).
    for hack in (ALWAYS_EQUAL, "'x' or True", "f( 'ab' )"):
        assert verify(OUT, hack, mode="official", executor=executor).correct, hack
        assert not verify(OUT, hack, executor=executor).correct


@pytest.mark.parametrize("answer", ["__import__('os')._exit(0)", "exit()", "__import__('sys').exit(0)"])
def test_official_mode_does_not_mistake_an_early_exit_for_a_pass(executor, answer):
    v = verify(OUT, answer, mode="official", executor=executor)
    assert not v.correct, v


def test_hostile_batch_with_honest_rows_keeps_order(executor):
    comps = [OUTPUT_HACKS[k] for k in sorted(OUTPUT_HACKS)] + ["'AB=='"]
    verdicts = verify_batch([OUT] * len(comps), comps, executor=executor)
    assert [v.correct for v in verdicts] == [False] * len(OUTPUT_HACKS) + [True]
