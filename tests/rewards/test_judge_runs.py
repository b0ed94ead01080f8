"""Running candidate calls: what comes back, and how process-level failures become that answer's verdict."""

from __future__ import annotations

import pytest

from codereasoner.execution import values
from codereasoner.records import CallResult, CallRun, RunStatus
from codereasoner.rewards.judge import Job, SandboxError, run_jobs


def test_values_come_back_decoded(executor):
    code = ("import collections\nPoint = collections.namedtuple('Point', 'x y')\n"
            "class Loud(int):\n    def __eq__(self, other):\n        return True\n")
    calls = ("collections.Counter('abca')", "Point(1, 2)", "collections.OrderedDict(a=1)", "Loud(3)", "object()",
             "[1.5, float('nan'), 10**30]", "print('hi') or 7")
    (got,) = run_jobs(executor, [Job(code, calls=calls)])
    values = [g.value for g in got]
    assert values[0] == {"a": 2, "b": 1, "c": 1} and type(values[0]) is dict  # official `==` sees a dict
    assert values[1] == (1, 2) and values[2] == {"a": 1}
    assert values[3] == 3 and type(values[3]) is int  # its base value; its __eq__ never runs here
    assert values[4] != values[4]  # an opaque marker equals nothing
    assert values[5][0] == 1.5 and values[5][2] == 10**30
    assert got[6].stdout == "hi\n" and got[6].value == 7


def test_type_exact_jobs_keep_subclasses_opaque(executor):
    (got,) = run_jobs(executor, [Job("import collections", calls=("collections.Counter('a')", "(1, 2)"),
                                     base_values=False)])
    assert got[0].ok and got[0].value != {"a": 1} and got[1].value == (1, 2)


def test_huge_values_cross_as_fingerprints(executor):
    code = "def big(n):\n    return [(i, i) for i in range(n)]"
    (a, b) = run_jobs(executor, [Job(code, calls=("big(400000)", "big(400001)", "big(3)"), timeout_s=60),
                                 Job("def big(n):\n    return list(zip(range(n), range(n)))",
                                     calls=("big(400000)",), timeout_s=60)])
    assert a[0].value[0] == "__codereasoner_fingerprint__" and a[0].value == b[0].value  # same value, same print
    assert a[1].value != a[0].value and a[2].value == [(0, 0), (1, 1), (2, 2)]


def test_a_timeout_fails_that_call_and_resume_runs_the_rest(executor):
    interrupted = ("slow()", "1 + 1", "2 + 2")  # a Python loop: the call is interrupted, the process lives on
    (got,) = run_jobs(executor, [Job("def slow():\n    while True:\n        pass", calls=interrupted, timeout_s=0.5)])
    assert [g.ok for g in got] == [False, True, True] and "timeout" in got[0].error
    killed = ("sum(range(10**12))", "1 + 1", "2 + 2")  # one long C call: the process is killed
    resumed, stopped = run_jobs(executor, [Job("", calls=killed, timeout_s=0.5, resume=True),
                                           Job("", calls=killed, timeout_s=0.5)])
    assert [g.ok for g in resumed] == [False, True, True] and resumed[2].value == 4
    assert [g.ok for g in stopped] == [False, False, False] and "not run" in stopped[1].error


def test_per_call_limits_are_checked_on_the_measured_seconds(executor):
    code = "import time\ndef nap(s):\n    time.sleep(s)\n    return s"
    (got,) = run_jobs(executor, [Job(code, calls=("nap(0.4)", "nap(0)"), timeout_s=5, limits_s=(0.1, 0.1))])
    assert not got[0].ok and "time limit" in got[0].error and got[1].ok


def test_a_process_that_kills_itself_fails_its_calls(executor):
    (got,) = run_jobs(executor, [Job("import os\ndef f():\n    os._exit(0)", calls=("f()", "1"))])
    assert not got[0].ok and not got[1].ok


def test_code_that_does_not_compile_fails_every_call(executor):
    (got,) = run_jobs(executor, [Job("def f(:\n", calls=("f()", "f()"))])
    assert [g.ok for g in got] == [False, False]


def test_stdin_runs_and_a_clean_exit(executor):
    code = "import sys\nn = int(input())\nprint(n * 2)\nsys.exit(0)\nprint('never')"
    (got,) = run_jobs(executor, [Job(code, stdins=("3\n", "x\n"))])
    assert got[0].ok and got[0].stdout == "6\n"
    assert not got[1].ok  # ValueError


def test_an_executor_failure_is_a_sandbox_error():
    class Broken:
        def run_calls(self, jobs, **kwargs):
            raise OSError("no processes left")

    with pytest.raises(SandboxError, match="no processes left"):
        run_jobs(Broken(), [Job("x = 1", calls=("x",))])



class Scripted:
    """An executor answering each run_calls round with the next scripted (status, results, error) of its
    one job, as records.CallRun describes them."""

    def __init__(self, *rounds):
        self.rounds, self.jobs = list(rounds), []

    def run_calls(self, jobs, **kwargs):
        self.jobs.append(list(jobs))
        status, results, error = self.rounds.pop(0)
        return [CallRun(jobs[0].id, status, results, error)]


def _ok(value):
    return CallResult(RunStatus.OK, values.encode(value))


def test_resume_follows_the_engines_call_run_semantics():
    stopped = (RunStatus.TIMEOUT, (_ok(1), CallResult(RunStatus.TIMEOUT, error="t")), "t")  # finished + interrupted
    fake = Scripted(stopped, (RunStatus.OK, (_ok(3), _ok(4)), None))
    (got,) = run_jobs(fake, [Job("", calls=("a", "b", "c", "d"), resume=True, base_values=False)])
    assert [g.ok for g in got] == [True, False, True, True] and [g.value for g in got] == [1, None, 3, 4]
    assert fake.jobs[1][0].calls == ("c", "d")  # the interrupted call is not run again; the rest get a process
    (got,) = run_jobs(Scripted(stopped), [Job("", calls=("a", "b", "c", "d"), base_values=False)])
    assert [g.ok for g in got] == [True, False, False, False] and "not run" in got[3].error  # no resume


def test_code_that_fails_itself_is_not_resumed_and_a_lone_crash_is_retried_once():
    fake = Scripted((RunStatus.ERROR, (), "ZeroDivisionError"))
    (got,) = run_jobs(fake, [Job("1/0", calls=("a", "b"), resume=True)])
    assert [g.ok for g in got] == [False, False] and "ZeroDivisionError" in got[0].error and len(fake.jobs) == 1
    crashed = (RunStatus.CRASHED, (CallResult(RunStatus.CRASHED),), "died")
    (got,) = run_jobs(Scripted(crashed, (RunStatus.OK, (_ok(1), _ok(2)), None)), [Job("", calls=("a", "b"))])
    assert [g.value for g in got] == [1, 2]  # a flaky sandbox is not the candidate's fault
    (got,) = run_jobs(Scripted(crashed, crashed), [Job("", calls=("a", "b"))])
    assert [g.ok for g in got] == [False, False]  # a death that repeats is the program's doing
