"""Rewards stage: tests that are not plain comparisons, judged without sharing a process with the candidate.

A test such as HumanEval/38's (`for _ in range(100): s = random_string(); assert candidate(encode(s)) == s`)
computes its inputs and expected values in code. Run in the candidate's process, the candidate could read
`s` from its caller's frame. Instead, three runs, none of which mixes candidate code with the test:

1. record (once per task with the reference solution; for a task without one, with the candidate in a
   process of its own): the test runs with the function under test wrapped; the wrapper keeps every
   argument tuple. `random` is seeded, so the run is repeatable. A candidate's recording may be forged:
   step 3 checks every call against it;
2. candidate: the candidate's process evaluates `entry(*args)` for each recorded argument tuple — it sees
   arguments, nothing else;
3. replay: a fresh process runs the test again, seeded the same way, with the function under test
   replaced by a stub that checks each call's arguments against the recording and returns the
   candidate's value (a literal rebuilt from the type-exact codec, so the test's own `==` decides on
   builtins). The test passes iff the replay completes.

A test whose calls depend on what the candidate returned makes different calls in the replay than
recorded; that is a failure (reported as such), never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codereasoner.rewards.rules import is_plain
from codereasoner.tasks.answers import literal_source

_RECORD = '''
def __record(__tests, __entry):
    import copy as __copy, random as __random
    __random.seed(0)
    __calls = []
    __ns = dict(globals())
    __fn = __ns[__entry]
    def __recorder(*args, **kwargs):
        if kwargs:
            raise TypeError("keyword arguments are not recorded")
        __calls.append(__copy.deepcopy(args))
        return __fn(*args)
    __ns[__entry] = __recorder
    exec(compile(__tests, "<test>", "exec"), __ns)
    return __calls
'''

_REPLAY = '''
def __replay(__tests, __entry, __answers):
    import copy as __copy, random as __random
    __random.seed(0)
    __queue = list(__answers)
    __ns = dict(globals())
    def __stub(*args, **kwargs):
        if not __queue:
            raise AssertionError("the test made more calls than were recorded")
        want, ok, value = __queue.pop(0)
        if kwargs or (args != tuple(want) and repr(args) != repr(tuple(want))):
            raise AssertionError("the test called the function with other arguments than recorded")
        if not ok:
            raise RuntimeError("the solution failed on this call")
        return __copy.deepcopy(value)
    __ns[__entry] = __stub
    exec(compile(__tests, "<test>", "exec"), __ns)
    return True
'''


def record_code(reference: str) -> str:
    """Code for the recording run: the reference solution (and whatever helpers it defines) + the recorder."""
    return f"{reference}\n\n{_RECORD}"


def record_call(tests: str, entry: str) -> str:
    """The expression that runs `tests` against the wrapped reference and returns the argument tuples."""
    return f"__record({tests!r}, {entry!r})"


def replay_code(helpers: str) -> str:
    """Code for the replay run: the benchmark's own helpers (HumanEval's prompt), never candidate code."""
    return f"{helpers}\n\n{_REPLAY}"


def replay_call(tests: str, entry: str, answers: Sequence[tuple[tuple, bool, Any]]) -> str:
    """The replay expression; a candidate value that is not a plain builtin counts as a failed call."""
    rows = []
    for args, ok, value in answers:
        if not ok or not is_plain(value):
            ok, value = False, None
        try:
            rows.append(f"({literal_source(tuple(args))}, {ok!r}, {literal_source(value)})")
        except ValueError:  # e.g. complex(nan): no literal form
            rows.append(f"({literal_source(tuple(args))}, False, None)")
    return f"__replay({tests!r}, {entry!r}, [{', '.join(rows)}])"


def candidate_calls(entry: str, recorded: Sequence[Sequence[Any]]) -> list[str]:
    """One call expression per recorded argument tuple, arguments as literals."""
    return [f"{entry}(*{literal_source(tuple(args))})" for args in recorded]
