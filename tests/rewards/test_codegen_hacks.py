"""Every known code-generation reward hack scores 0 — in the RL reward and in benchmark evaluation.

The hacks: an object whose `__eq__` is always True, reading the expected value from the caller's frame,
loading the gold solution (or the expected outputs) from files on disk, patching builtins (`abs`, `len`,
`json.loads`), exiting early. Each is tried on an assert task, a float-tolerance task, a call-based task
and a stdin task. The controls show that the honest solution scores full marks on the same tasks and that
the hacks do work when the test runs in the candidate's own process (what the judge no longer does).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from codereasoner.records import Task, VerdictStatus
from codereasoner.rewards import REWARDS
from codereasoner.rewards.verify import verify_batch

ASSERTS = Task("asserts", "codegen", "", "", {"tests": ["assert add(1, 2) == 3", "assert add(5, 5) == 10",
                                                         "assert add(-1, 1) == 0"]}, "def add(a, b):\n    return a + b")
FLOATS = Task("floats", "codegen", "", "", {"tests": [
    "def check(candidate):\n    assert abs(candidate(1.0) - 0.5) < 1e-6\n    assert abs(candidate(3.0) - 1.5) < 1e-6\n"],
    "entry_point": "half"}, "def half(x):\n    return x / 2")
CALLS = Task("calls", "codegen", "", "", {"fn_name": "count", "inputs": ['"hello"', '"xyz"', '"aaa"'],
                                          "outputs": ["2", "0", "3"]}, None)
STDIN = Task("stdin", "codegen", "", "", {"inputs": ["1 2\n", "3 4\n", "10 -3\n"], "outputs": ["3\n", "7\n", "7\n"]}, None)
REPLAYED = Task("replayed", "codegen", "", "", {"tests": [
    "def check(candidate):\n    import random\n    for _ in range(5):\n        s = ''.join(random.choice('abc') for _ in range(6))\n"
    "        assert candidate(s[::-1]) == s\n"], "entry_point": "rev"}, "def rev(s):\n    return s[::-1]")
UNREFERENCED = Task("unreferenced", "codegen", "", "", {"tests": [  # an RL task without a reference solution
    "def check(candidate):\n    import random\n    for _ in range(5):\n        s = ''.join(random.choice('abc') for _ in range(6))\n"
    "        assert candidate(s[::-1]) == s\n", "for i in range(3):\n    assert rev(str(i) * 6) == str(i) * 6\n"],
    "entry_point": "rev"}, None)
HONEST = {
    "asserts": "def add(a, b):\n    return a + b",
    "floats": "def half(x):\n    return x / 2",
    "calls": "def count(s):\n    return sum(c in 'aeiou' for c in s)",
    "stdin": "a, b = map(int, input().split())\nprint(a + b)",
    "replayed": "def rev(s):\n    return s[::-1]",
    "unreferenced": "def rev(s):\n    return s[::-1]",
}
TASKS = {t.id: t for t in (ASSERTS, FLOATS, CALLS, STDIN, REPLAYED, UNREFERENCED)}
NAMES = {"asserts": "add", "floats": "half", "calls": "count", "replayed": "rev", "unreferenced": "rev"}

ALWAYS_EQUAL = """
class Anything(int):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __lt__(self, other):
        return True
    __le__ = __gt__ = __ge__ = __lt__
    def __sub__(self, other):
        return 0
    __rsub__ = __sub__
    def __abs__(self):
        return 0
    def __hash__(self):
        return 0
def {name}(*args):
    return Anything(-987654)  # its own value is wrong everywhere; only its __eq__ claims otherwise
"""
FRAME = """
import dis, sys
def {name}(*args):
    frame = sys._getframe(1)
    for value in frame.f_locals.values():  # a test that computed its expected value keeps it in a local
        if isinstance(value, str) and len(value) == 6 and set(value) <= set('abc'):
            return value
    for ins in dis.get_instructions(frame.f_code):  # else: the constant the caller compares with next
        if ins.offset > frame.f_lasti and ins.opname == 'LOAD_CONST':
            return ins.argval
    return None
"""
EQUAL_OBJECT = """
class Equal:
    def __eq__(self, other):
        return True
    def __sub__(self, other):
        return 0
    def __abs__(self):
        return 0
    def __lt__(self, other):
        return True
def {name}(*args):
    return Equal()
"""
PATCH_BUILTINS = """
import builtins, json
builtins.abs = lambda x: 0
builtins.len = lambda x: 0
json.loads = lambda s, *a, **k: [0]
def {name}(*args):
    return -12345
"""
EXIT = "import os\nos._exit(0)\n"
SYS_EXIT = "import sys\nsys.exit(0)\n"
STDIN_FRAME = """
import sys, gc
for obj in gc.get_objects():
    if isinstance(obj, str) and obj.endswith('\\n') and obj.strip().lstrip('-').isdigit():
        print(obj, end='')
        break
"""


def wrap(code: str) -> str:
    return f"<reasoning>\nplan\n</reasoning>\n<answer>\n```python\n{code}\n```\n</answer>"


def rewards(tasks, codes, executor):
    verdicts = verify_batch(tasks, [wrap(c) for c in codes], executor=executor)
    return verdicts, [REWARDS.get("codegen")(t, v) for t, v in zip(tasks, verdicts)]


def test_honest_solutions_earn_full_reward(executor):
    tasks = list(TASKS.values())
    verdicts, scores = rewards(tasks, [HONEST[t.id] for t in tasks], executor)
    assert scores == pytest.approx([1.05] * len(tasks)), [v.detail for v in verdicts]


@pytest.mark.parametrize("hack", ["always_equal", "equal_object", "frame", "patch_builtins", "exit", "sys_exit"])
def test_hacks_earn_nothing_but_the_format_bonus(executor, hack):
    tasks, codes = [], []
    for tid, task in TASKS.items():
        name = NAMES.get(tid, "main")
        if hack == "always_equal":
            code = ALWAYS_EQUAL.format(name=name) + ("\nprint(Anything(-987654))" if tid == "stdin" else "")
        elif hack == "equal_object":
            code = EQUAL_OBJECT.format(name=name) + ("\nprint(Equal())" if tid == "stdin" else "")
        elif hack == "frame":
            code = STDIN_FRAME if tid == "stdin" else FRAME.format(name=name)
        elif hack == "patch_builtins":
            code = PATCH_BUILTINS.format(name=name) + ("\nprint(-12345)" if tid == "stdin" else "")
        else:
            code = EXIT if hack == "exit" else SYS_EXIT
        tasks.append(task)
        codes.append(code)
    verdicts, scores = rewards(tasks, codes, executor)
    for task, verdict, score in zip(tasks, verdicts, scores):
        assert score == pytest.approx(0.05), (task.id, verdict.detail)
        assert verdict.status is VerdictStatus.WRONG


SECRETS = {  # what a file on disk (benchmark data, a cache, a data set) could tell the candidate
    "asserts": {"(1, 2)": 3, "(5, 5)": 10, "(-1, 1)": 0},
    "floats": {"(1.0,)": 0.5, "(3.0,)": 1.5},
    "calls": {"('hello',)": 2, "('xyz',)": 0, "('aaa',)": 3},
    "stdin": {"1 2\n": 3, "3 4\n": 7, "10 -3\n": 7},
}
READ_ANSWERS = """
import json
_answers = json.load(open({path!r}))
def {name}(*args):
    return _answers[repr(args)]
"""
READ_STDIN_ANSWER = "import json, sys\nprint(json.load(open({path!r}))[sys.stdin.read()])\n"


@pytest.mark.parametrize("tid", list(SECRETS))
def test_reading_the_answers_from_disk_earns_nothing(executor, tmp_path, tid):
    """The candidate cannot read the data it is judged against (the engine's Landlock read rules): the same
    code earns full marks once it runs in a process of its own, where the file is readable."""
    path = tmp_path / "expected.json"
    path.write_text(json.dumps(SECRETS[tid]))
    template = READ_STDIN_ANSWER if tid == "stdin" else READ_ANSWERS
    code = template.format(path=str(path), name=NAMES.get(tid, "main"))
    verdicts, scores = rewards([TASKS[tid]], [code], executor)
    assert scores == pytest.approx([0.05]), verdicts[0].detail
    assert verdicts[0].status is VerdictStatus.WRONG
    if tid == "stdin":  # control: outside the sandbox the file answers every input
        for stdin, out in SECRETS[tid].items():
            run = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, text=True, timeout=60)
            assert run.stdout == f"{out}\n"
    else:
        name = NAMES[tid]
        checks = "".join(f"assert {name}(*{args}) == {out!r}\n" for args, out in SECRETS[tid].items())
        assert _in_own_process(code + "\n" + checks)


def _in_own_process(program: str) -> bool:
    """Control: does a test pass when it runs beside the candidate (the old, hackable way)?"""
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60)
    return run.returncode == 0


@pytest.mark.parametrize("hack", [ALWAYS_EQUAL, EQUAL_OBJECT, FRAME, PATCH_BUILTINS])
def test_control_the_hacks_pass_a_test_run_in_the_candidates_process(hack):
    code = hack.format(name="half")
    test = textwrap.dedent(FLOATS.question["tests"][0]) + "\ncheck(half)\n"
    assert _in_own_process(code + "\n" + test)


LOCAL_HELPER = Task("local_helper", "codegen", "", "", {"tests": [  # no entry point, no reference
    "def twice(x):\n    return x * 2\nfor i in range(4):\n    assert add(twice(i), i) == 3 * i\n"]}, None)
FORGE = """
import sys
class Anything(str):  # the recording run passes whatever the candidate returns there
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
def {name}(*args):
    calls = sys._getframe(1).f_locals.get('__calls')  # the recorder's list of argument tuples
    if isinstance(calls, list):
        {forge}
    return Anything({value!r})
"""
FORGED_RECORDINGS = {  # a task without a reference records its calls with the candidate: it may lie
    "no_calls": "calls.clear()",
    "other_calls": "calls[:] = [({value!r},)] * len(calls)",  # calls whose answer the candidate knows
}


def test_a_test_without_reference_is_replayed_with_its_own_helpers(executor):
    verdicts, scores = rewards([LOCAL_HELPER] * 3, ["def add(a, b):\n    return a + b",
                                                    ALWAYS_EQUAL.format(name="add"), FRAME.format(name="add")], executor)
    assert scores == pytest.approx([1.05, 0.05, 0.05]), [v.detail for v in verdicts]


@pytest.mark.parametrize("forge", list(FORGED_RECORDINGS))
def test_a_forged_recording_fails_the_replay(executor, forge):
    """The recording run holds candidate code, so its argument list may be forged (no calls; calls whose
    answers the candidate knows); the replay, in a process without candidate code, checks every call."""
    code = FORGE.format(name="rev", forge=FORGED_RECORDINGS[forge].format(value="aaaaaa"), value="aaaaaa")
    verdicts, scores = rewards([UNREFERENCED], [code], executor)
    assert scores == pytest.approx([0.05]), verdicts[0].detail
    assert verdicts[0].status is VerdictStatus.WRONG
