"""`Executor.run_calls`: code judged by its calls, untrusted, values type-exact, the verdict left to the parent."""

from __future__ import annotations

import math

from codereasoner.execution import ExecLimits
from codereasoner.execution.values import Opaque, decode
from codereasoner.records import CallJob, RunStatus

CODE = "def f(x):\n    return {'n': x, 't': (x,), 's': {x}, 'neg0': -0.0, 'big': 2 ** 100, 'nan': float('nan')}"


def test_each_call_gets_a_type_exact_value(executor):
    (run,) = executor.run_calls([CallJob("a", CODE, calls=("f(1)", "f('x')"))])
    assert run.status is RunStatus.OK and [r.status for r in run.results] == ["ok", "ok"]
    first = decode(run.results[0].value)
    assert first["n"] == 1 and first["t"] == (1,) and first["s"] == {1} and first["big"] == 2 ** 100
    assert math.copysign(1, first["neg0"]) == -1 and math.isnan(first["nan"])
    assert decode(run.results[1].value)["t"] == ("x",)


def test_results_come_back_in_job_order_with_their_errors(executor):
    jobs = [CallJob(f"j{i}", f"def f():\n    return {i}", calls=("f()",)) for i in range(30)]
    jobs.insert(3, CallJob("raises", "def f():\n    return 1 / 0", calls=("f()", "2")))
    jobs.insert(5, CallJob("bad", "def f(:", calls=("f()",)))
    jobs.insert(7, CallJob("code_raises", "raise ValueError('no')", calls=("1",)))
    runs = executor.run_calls(jobs)
    assert [r.id for r in runs] == [j.id for j in jobs]
    by_id = {r.id: r for r in runs}
    assert [x.status for x in by_id["raises"].results] == ["error", "ok"]
    assert by_id["raises"].results[0].error == "ZeroDivisionError: division by zero"
    assert by_id["bad"].status is RunStatus.INVALID and by_id["bad"].results == ()
    assert by_id["code_raises"].status is RunStatus.ERROR and by_id["code_raises"].error == "ValueError: no"
    assert decode(by_id["j29"].results[0].value) == 29


def test_a_subclass_result_is_opaque_and_equals_nothing(executor):
    code = "class Yes(int):\n    def __eq__(self, other):\n        return True\ndef f():\n    return Yes(0)"
    (run,) = executor.run_calls([CallJob("liar", code, calls=("f()",))])
    value = decode(run.results[0].value)
    assert isinstance(value, Opaque) and value != 0


def test_each_call_has_its_own_timeout_and_later_calls_still_run(executor):
    code = "def f(n):\n    while n:\n        pass\n    return 'done'"
    (run,) = executor.run_calls([CallJob("t", code, calls=("f(1)", "f(0)"), timeout_s=0.3)])
    assert [r.status for r in run.results] == ["timeout", "ok"] and decode(run.results[1].value) == "done"


def test_results_before_a_hard_kill_are_kept(executor):
    code = "def f(n):\n    return sum(range(n))"  # a C loop: the alarm cannot stop it, the parent kills it
    (run,) = executor.run_calls([CallJob("k", code, calls=("f(3)", "f(10**14)", "f(4)"), timeout_s=0.3)])
    assert run.status is RunStatus.TIMEOUT and len(run.results) == 2
    assert decode(run.results[0].value) == 3 and run.results[1].status is RunStatus.TIMEOUT


def test_stdin_scripts_capture_stdout_per_run(executor):
    code = "import sys\nn = int(input())\ndata = sys.stdin.read().split()\nprint(n * 2, len(data))\nif n == 9:\n    exit()"
    (run,) = executor.run_calls([CallJob("s", code, stdins=("3\na b\n", "9\n", "x\n"))])
    assert [r.status for r in run.results] == ["ok", "ok", "error"]
    assert [r.stdout for r in run.results[:2]] == ["6 2\n", "18 0\n"] and run.results[0].value is None
    assert run.results[2].error.startswith("ValueError")


def test_stdin_larger_than_a_pipe_reaches_fd0(executor):
    code = "import os\ndata = open(0).read()\nprint(len(data))"
    big = "x" * 300_000 + "\n"
    (run,) = executor.run_calls([CallJob("big", code, stdins=(big,))], limits=ExecLimits(timeout_s=10))
    assert run.results[0].stdout == f"{len(big)}\n"


def test_site_packages_only_when_asked(executor):
    code = "def f():\n    import numpy\n    return int(numpy.arange(4).sum())"
    without, with_packages = executor.run_calls([CallJob("a", code, calls=("f()",)),
                                                 CallJob("b", code, calls=("f()",), packages=True)],
                                                limits=ExecLimits(timeout_s=20))
    assert without.results[0].status is RunStatus.ERROR and "ModuleNotFoundError" in without.results[0].error
    assert decode(with_packages.results[0].value) == 6, with_packages
