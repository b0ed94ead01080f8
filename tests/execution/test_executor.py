"""The Executor's API: order, statuses, limits, determinism, asyncio, the default pool."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys

import pytest

from codereasoner.execution import ExecLimits, Executor, Trust, default_executor, isolation_report, values
from codereasoner.records import CallJob, Program, RunStatus


def test_results_come_back_in_input_order(executor):
    programs = [Program(f"p{i}", f"def f(x):\n    return x * {i}", "f(2)") for i in range(150)]
    runs = executor.run(programs)
    assert [r.id for r in runs] == [p.id for p in programs]
    assert [r.result for r in runs] == [repr(2 * i) for i in range(150)]


def test_empty_batch(executor):
    assert executor.run([]) == []


def test_statuses_errors_and_stdout(executor):
    runs = executor.run([
        Program("ok", "def f(s):\n    print('seen', s)\n    return s * 2", "f('ab')"),
        Program("raises", "def f():\n    return {}['k']", "f()"),
        Program("bad_code", "def f(:\n    pass", "f()"),
        Program("bad_call", "def f():\n    return 1", "f("),
        Program("assertion", "def f(x):\n    return x + 1\nassert f(1) == 3", "None"),
        Program("none", "def f():\n    pass", "f()"),
    ])
    by_id = {r.id: r for r in runs}
    assert by_id["ok"].status is RunStatus.OK and by_id["ok"].result == "'abab'" and by_id["ok"].stdout == "seen ab\n"
    assert by_id["raises"].status is RunStatus.ERROR and by_id["raises"].error == "KeyError: 'k'"
    assert by_id["raises"].result is None
    assert by_id["bad_code"].status is RunStatus.INVALID and "SyntaxError" in by_id["bad_code"].error
    assert by_id["bad_call"].status is RunStatus.INVALID
    assert by_id["assertion"].status is RunStatus.ERROR and by_id["assertion"].error == "AssertionError"
    assert by_id["none"].result == "None"


def test_each_task_gets_fresh_globals(executor):
    first, second = executor.run([Program("a", "X = 1\ndef f():\n    return X", "f()"),
                                  Program("b", "def f():\n    return 'X' in globals()", "f()")])
    assert first.result == "1" and second.result == "False"


def test_same_input_same_output_in_every_worker():
    # Set order of strings depends on the hash seed: PYTHONHASHSEED=0 in every worker fixes it.
    code = "def f():\n    return list({'apple', 'banana', 'cherry', 'date', 'elder', 'fig', 'grape'})"
    with Executor(workers=2) as ex:
        runs = ex.run([Program(str(i), code, "f()") for i in range(40)])
    assert len({r.result for r in runs}) == 1
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    expected = subprocess.run([sys.executable, "-c", code + "\nprint(repr(f()))"], env=env,
                              capture_output=True, text=True, check=True).stdout.strip()
    assert runs[0].result == expected


def test_untrusted_mode_runs_two_fork_servers_per_worker():
    programs = [Program(str(i), "def f():\n    return 1", "f()") for i in range(12)]
    for servers, expected in ((None, 2), (1, 1), (3, 3)):
        with Executor(workers=1, fork_servers=servers) as ex:
            assert all(r.ok for r in ex.run(programs))
            pool = ex._pools["untrusted-slim"]
            assert len(pool.slots) == expected and ex.spawned == expected
            assert all(slot.state == "ready" for slot in pool.slots)


def test_tasks_that_name_no_import_run_in_slim_fork_servers():
    plain = Program("plain", "def f():\n    return sorted({3, 1, 2})", "f()")
    seeded = Program("seeded", "import random\ndef f():\n    return random.random()", "f()")
    hidden = Program("hidden", "def f():\n    m = __builtins__.__dict__['__imp' + 'ort__']('heapq')\n    return m.nsmallest(1, [2, 1])", "f()")
    with Executor(workers=1) as ex:
        assert [r.result for r in ex.run([plain, hidden])] == ["[1, 2, 3]", "[1]"]  # an import by string tricks works
        assert sorted(ex._pools) == ["untrusted-slim"]
        first = ex.run([seeded])[0].result
        assert sorted(ex._pools) == ["untrusted", "untrusted-slim"]
        calls = ex.run_calls([CallJob("c", "def g(x):\n    return x", calls=("__import__('math').floor(2.5)",))])
        assert values.decode(calls[0].results[0].value) == 2
        assert not ex._pools["untrusted-slim"].preload and ex._pools["untrusted"].preload
    with Executor(workers=1, slim_servers=False) as ex:
        assert ex.run([plain, seeded])[1].result == first and sorted(ex._pools) == ["untrusted"]
    assert float(first) == random.Random(0).random()


def test_random_is_seeded_per_task(executor):
    code = "import random\ndef f():\n    return random.random()"
    assert len({r.result for r in executor.run([Program(str(i), code, "f()") for i in range(10)])}) == 1


def test_addresses_are_dropped_from_reprs(executor):
    run = executor.run([Program("o", "class A:\n    pass\ndef f():\n    return A()", "f()")])[0]
    assert run.result == "<__main__.A object>"


def test_per_call_limits_override_the_pool_defaults(executor):
    code = "def f():\n    print('x' * 100)\n    return 'y' * 100"
    small = executor.run([Program("a", code, "f()")], limits=ExecLimits(max_output_bytes=50))[0]
    assert small.status is RunStatus.OUTPUT_EXCEEDED
    tiny = executor.run([Program("a", "def f():\n    return 'y' * 100", "f()")], limits=ExecLimits(max_result_bytes=50))[0]
    assert tiny.status is RunStatus.OUTPUT_EXCEEDED


def test_changing_memory_limit_restarts_the_pool():
    roomy = ExecLimits(memory_mb=512, timeout_s=30)  # filling 300 MiB is slow on a loaded machine
    with Executor(workers=1, limits=roomy) as ex:
        code = "def f():\n    return len(bytearray(300 * 2**20))"
        for trust in Trust:
            assert ex.run([Program("a", code, "f()")], trust=trust)[0].status is RunStatus.OK
            small = ExecLimits(memory_mb=128, timeout_s=30)
            assert ex.run([Program("a", code, "f()")], limits=small, trust=trust)[0].status is RunStatus.MEMORY_EXCEEDED
            ex.run([], limits=roomy, trust=trust)


def test_a_timeout_does_not_disturb_the_rest_of_the_batch():
    with Executor(workers=1, limits=ExecLimits(timeout_s=0.5)) as ex:
        programs = [Program(str(i), "def f(x):\n    return x", f"f({i})") for i in range(10)]
        programs.insert(5, Program("loop", "def f():\n    return sum(range(10**14))", "f()"))
        runs = ex.run(programs)
    assert [r.status for r in runs].count(RunStatus.TIMEOUT) == 1 and runs[5].id == "loop"
    assert [r.result for r in runs if r.id != "loop"] == [repr(i) for i in range(10)]


def test_fresh_process_per_task_mode():
    with Executor(workers=1, tasks_per_worker=1) as ex:
        runs = ex.run([Program(str(i), "import os\ndef f():\n    return os.getpid()", "f()") for i in range(3)],
                      trust=Trust.TRUSTED)
        assert all(r.ok for r in runs) and ex.spawned >= 3


def test_arun_from_asyncio(executor):
    async def main():
        a, b = await asyncio.gather(
            executor.arun([Program("a", "def f():\n    return 1", "f()")]),
            executor.arun([Program("b", "def f():\n    return 2", "f()")], trace=True),
        )
        return a[0].result, b[0].result, b[0].trace is not None

    assert asyncio.run(main()) == ("1", "2", True)


def test_default_executor_is_shared_and_reports_isolation():
    assert default_executor() is default_executor()
    assert isolation_report().startswith("codereasoner: isolation (untrusted) = ")


def test_closed_executor_refuses_work():
    ex = Executor(workers=1)
    ex.close()
    with pytest.raises(RuntimeError):
        ex.run([Program("a", "def f():\n    return 1", "f()")])


@pytest.mark.parametrize("bad", [dict(timeout_s=0), dict(memory_mb=1), dict(max_steps=0), dict(max_repr=-1)])
def test_limits_are_validated(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        ExecLimits(**bad)


def test_another_hash_seed_changes_string_set_order(executor):
    code = "def f():\n    return list({'apple', 'banana', 'cherry', 'date', 'elder', 'fig', 'grape', 'kiwi'})"
    programs = [Program("s", code, "f()")]
    seeds = {executor.run(programs, hash_seed=seed)[0].result for seed in (0, 1, 2, 3)}
    assert executor.run(programs, hash_seed=0)[0].result == executor.run(programs)[0].result
    assert len(seeds) > 1
