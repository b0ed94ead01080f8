"""The trust boundary: attacks on *other* tasks, one property per test, each run as a real hostile program.

Untrusted mode must defeat every one: a hostile task runs in a forked child that dies with it, answers on
its own pipe, and cannot reach the process that reports the next task's result. Where trusted mode does
not defend (isolation.py "Does not guarantee"), the test says so and runs untrusted only.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import time
from pathlib import Path

import pytest

import codereasoner
from codereasoner.execution import ExecLimits, Executor, Trust
from codereasoner.execution.values import decode
from codereasoner.records import CallJob, Program, RunStatus

VICTIMS = [Program(f"victim{i}", f"def f(x):\n    return x + {i}  # VICTIM-12345{i}-SECRET", "f(1)") for i in range(6)]
TRUE = [repr(1 + i) for i in range(6)]


def attack(ex: Executor, code: str, call: str = "f()", **kw):
    """Run a hostile program first, then victims in the same call: the victims must get their true results."""
    runs = ex.run([Program("hostile", code, call), *VICTIMS], **kw)
    assert [r.result for r in runs[1:]] == TRUE, runs[1:]
    return runs[0]


FORGE = ("import os, struct, json\ndef f():\n    n = 0\n    for fd in range(3, 1024):\n        for i in range(8):\n"
         "            body = json.dumps({'s': 'ok', 'r': '999', 'e': None, 'o': '', 'i': i}).encode()\n"
         "            try:\n                os.write(fd, struct.pack('>I', len(body)) + body)\n                n += 1\n"
         "            except OSError:\n                pass\n    return n")


def test_forged_result_frames_reach_no_other_task(solo):
    hostile = attack(solo, FORGE)
    assert hostile.status in ("ok", "crashed")  # its own answer is its own business


def test_forged_frames_reach_no_other_call_job(solo):
    jobs = [CallJob("hostile", FORGE, calls=("f()",)), *[CallJob(f"v{i}", f"def g():\n    return {i}", calls=("g()",))
                                                         for i in range(5)]]
    runs = solo.run_calls(jobs)
    assert [decode(r.results[0].value) for r in runs[1:]] == list(range(5))


SCAN = (
    "import gc, os, re\ndef f():\n    pattern = re.compile(rb'VICTIM-[0-9]{6}-SECRET')\n    found = 0\n"
    "    for obj in gc.get_objects():\n        if type(obj) in (str, bytes) and pattern.search(obj if type(obj) is bytes else obj.encode('utf-8', 'replace')):\n"
    "            found += 1\n"
    "    try:\n        maps, mem = open('/proc/self/maps'), open('/proc/self/mem', 'rb', buffering=0)\n"
    "    except OSError:  # untrusted children cannot read /proc at all\n        return found\n"
    "    with maps, mem:\n"
    "        for line in maps:\n            addresses, perms = line.split()[:2]\n"
    "            if 'r' not in perms:\n                continue\n"
    "            start, end = (int(a, 16) for a in addresses.split('-'))\n"
    "            try:\n                data = os.pread(mem.fileno(), end - start, start)\n            except OSError:\n                continue\n"
    "            found += len(pattern.findall(data))\n    return found"
)


def test_other_tasks_are_nowhere_in_a_tasks_memory(solo):
    limits = ExecLimits(timeout_s=20, memory_mb=256)
    assert attack(solo, SCAN, limits=limits).result == "0"
    # the same scan finds them in a trusted worker (tasks arrive in batches): why trusted is for own code only
    runs = solo.run([Program("hostile", SCAN, "f()"), *VICTIMS], limits=limits, trust=Trust.TRUSTED)
    assert int(runs[0].result) > 0


def test_rewriting_later_tasks_in_memory_changes_nothing(solo):
    code = ("import gc\ndef f():\n    for obj in gc.get_objects():\n        if type(obj) is list:\n"
            "            for i, item in enumerate(obj):\n                if type(item) is str and 'return x +' in item:\n"
            "                    obj[i] = item.replace('return x +', 'return 999 +')\n    return 0")
    attack(solo, code)


def test_assert_stripping_backdoor_dies_with_its_task(solo):
    code = ("import builtins, gc\ndef f():\n    real = builtins.compile\n"
            "    builtins.compile = lambda s, fn, m, *a, **k: real(s, fn, m, dont_inherit=True, optimize=2)\n"
            "    for obj in gc.get_objects():\n        if type(obj) is dict and 'compile' in obj and obj.get('compile') is real:\n"
            "            obj['compile'] = builtins.compile\n    return 0")
    runs = solo.run([Program("hostile", code, "f()"), Program("asserts", "def f():\n    assert False, 'kept'\n    return 1", "f()")])
    assert runs[1].status is RunStatus.ERROR and runs[1].error == "AssertionError: kept"


@pytest.mark.parametrize("tamper", [
    "json.dumps.__kwdefaults__ = None; json.dumps.__defaults__ = ()",
    "textwrap.dedent.__code__ = (lambda text: 'poisoned').__code__",
    "functools.reduce = lambda *a: 'poisoned'",
    "random.Random.random = lambda self: 0.5",
])
def test_function_defaults_and_code_tampering_reach_no_later_task(solo, tamper):
    code = f"import json, textwrap, functools, random\ndef f():\n    {tamper}\n    return 0"
    probe = Program("probe", "import json, textwrap, functools, operator\ndef f():\n"
                    "    return json.dumps([1], indent=None), textwrap.dedent('  a'), functools.reduce(operator.add, [1, 2])", "f()")
    runs = solo.run([Program("hostile", code, "f()"), probe])
    assert runs[1].result == "('[1]', 'a', 3)"


def test_gc_callback_time_bomb_dies_with_its_task(solo):
    code = ("import gc, builtins\ndef bomb(phase, info):\n    builtins.len = lambda x: 7\n"
            "def f():\n    gc.callbacks.append(bomb)\n    return 0")
    attack(solo, code)


def test_sigprof_interval_timer_dies_with_its_task(solo):
    code = ("import signal\ndef f():\n    signal.signal(signal.SIGPROF, lambda *a: (_ for _ in ()).throw(ValueError('prof')))\n"
            "    signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)\n    return 0")
    attack(solo, code)


def test_audit_hook_dies_with_its_task(solo):
    code = ("import sys\ndef hook(event, args):\n    if event in ('compile', 'exec'):\n        raise RuntimeError('audited')\n"
            "def f():\n    sys.addaudithook(hook)\n    return 0")
    attack(solo, code)


def test_small_int_cache_written_through_ctypes_dies_with_its_task(solo):
    code = ("import ctypes\ndef f():\n    ctypes.c_ssize_t.from_address(id(2) + 24).value = 5\n    return 0")
    attack(solo, code)


def test_sysv_shared_memory_and_message_queues_are_refused(solo):
    code = ("import ctypes\ndef f():\n    libc = ctypes.CDLL(None, use_errno=True)\n    out = []\n"
            "    for nr, args in ((29, (0, 4096, 0o1666)), (68, (0, 0o1666)), (64, (0, 1, 0o1666))):\n"  # shmget msgget semget
            "        out.append((libc.syscall(nr, *args), ctypes.get_errno()))\n    return out")
    for trust in Trust:
        assert solo.run([Program("ipc", code, "f()")], trust=trust)[0].result == "[(-1, 1), (-1, 1), (-1, 1)]"


def _syscall_on(path: Path, nr_args: str) -> str:
    return (f"import ctypes\ndef f():\n    libc = ctypes.CDLL(None, use_errno=True)\n    p = {str(path).encode()!r}\n"
            f"    r = libc.syscall({nr_args})\n    return r, ctypes.get_errno()")


def test_fchmodat2_cannot_change_a_host_files_mode(solo, tmp_path):
    target = tmp_path / "host.txt"
    target.write_text("x")
    target.chmod(0o600)
    for trust in Trust:
        run = solo.run([Program("chmod", _syscall_on(target, "452, -100, p, 0o777, 0"), "f()")], trust=trust)[0]
        assert run.result == "(-1, 1)", run
    assert target.stat().st_mode & 0o777 == 0o600


def test_setxattr_cannot_write_a_host_files_attributes(solo, tmp_path):
    target = tmp_path / "host.txt"
    target.write_text("x")
    for trust in Trust:
        run = solo.run([Program("xattr", _syscall_on(target, "188, p, b'user.pwned', b'1', 1, 0"), "f()")], trust=trust)[0]
        assert run.result == "(-1, 1)", run
    assert "user.pwned" not in os.listxattr(target)


def test_sched_setattr_is_refused(solo):
    code = ("import ctypes\ndef f():\n    libc = ctypes.CDLL(None, use_errno=True)\n"
            "    attr = (ctypes.c_uint32 * 14)(56, 5)\n"  # size, SCHED_IDLE
            "    return libc.syscall(314, 0, attr, 0), ctypes.get_errno()")
    for trust in Trust:
        assert solo.run([Program("sched", code, "f()")], trust=trust)[0].result == "(-1, 1)"


def test_rt_sigqueueinfo_cannot_kill_a_host_process_even_without_namespaces():
    host = subprocess.Popen(["sleep", "30"])
    try:
        code = (f"import ctypes\ndef f():\n    libc = ctypes.CDLL(None, use_errno=True)\n    info = (ctypes.c_int * 32)(9, 0, -1)\n"
                f"    return libc.syscall(129, {host.pid}, 9, info), ctypes.get_errno()")
        with Executor(workers=1, namespaces=False, limits=ExecLimits(timeout_s=2, memory_mb=256)) as ex:
            for trust in Trust:
                assert ex.run([Program("sig", code, "f()")], trust=trust)[0].result == "(-1, 1)"
        assert host.poll() is None
    finally:
        host.kill()
        host.wait()


@pytest.mark.parametrize("what", ["gold", "project", "etc"])
def test_reads_of_benchmark_data_project_source_and_etc_are_refused(solo, tmp_path, what):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"output": "secret"}\n')
    path = {"gold": gold, "project": Path(codereasoner.__file__), "etc": Path("/etc/passwd")}[what]
    code = f"def f():\n    try:\n        return open({str(path)!r}).read()[:20]\n    except OSError as e:\n        return type(e).__name__"
    for trust in Trust:
        assert solo.run([Program("read", code, "f()")], trust=trust)[0].result == "'PermissionError'"


def test_a_deeply_nested_frame_breaks_only_its_own_task(solo):
    code = ("import os, struct\ndef f():\n    body = b'[' * 200000 + b']' * 200000\n    for fd in range(3, 64):\n"
            "        try:\n            os.write(fd, struct.pack('>I', len(body)) + body)\n        except OSError:\n            pass\n"
            "    os._exit(0)")
    hostile = attack(solo, code)
    assert hostile.status is RunStatus.CRASHED and "protocol" in hostile.error


def test_a_trace_with_a_thousand_locals_is_bounded_in_the_parent(solo):
    names = [f"v{i}" for i in range(1000)]
    code = ("def f():\n" + "".join(f"    {n} = {i}\n" for i, n in enumerate(names))
            + "    for i in range(100000):\n        v0 = i\n    return v0")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = solo.run([Program(f"wide{i}", code, "f()") for i in range(3)], trace=True,
                    limits=ExecLimits(timeout_s=30, memory_mb=256))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert all(r.trace is not None and r.trace.truncated for r in runs)
    assert sum(len(s.locals) for s in runs[0].trace.steps) <= ExecLimits().max_trace_cells
    assert grown_mb < 200, f"the parent grew by {grown_mb:.0f} MB"


def test_a_malformed_frame_in_the_trusted_pool_costs_only_that_task(solo):
    code = ("import os, struct\ndef f():\n    for fd in range(3, 64):\n        try:\n"
            "            os.write(fd, struct.pack('>I', 5) + b'{{{{{')\n        except OSError:\n            pass\n    return 0")
    runs = solo.run([Program("hostile", code, "f()"), *VICTIMS], trust=Trust.TRUSTED)
    assert runs[0].status is RunStatus.CRASHED and [r.result for r in runs[1:]] == TRUE


def test_each_tasks_deadline_starts_when_it_starts(solo):
    slow = [Program(f"s{i}", "import time\ndef f():\n    time.sleep(0.3)\n    return 1", "f()") for i in range(6)]
    for trust in Trust:
        runs = solo.run(slow, trust=trust, limits=ExecLimits(timeout_s=0.8, memory_mb=256))
        assert [r.status for r in runs] == ["ok"] * 6


def test_a_dead_sandbox_is_noticed_before_dispatch(solo):
    for trust in Trust:
        solo.run([VICTIMS[0]], trust=trust)
        pool = solo._pools[trust.value]
        proc = pool.slots[0].server.proc if trust is Trust.UNTRUSTED else pool._slots[0].worker.proc
        os.killpg(proc.pid, 9)
        proc.wait()
        assert solo.run([VICTIMS[0]], trust=trust)[0].result == "1"


def test_stdin_runs_need_no_new_sandbox(solo):
    solo.run_calls([CallJob("warm", "print(1)", stdins=("",))])
    before = solo.spawned
    code = "import sys\nsys.stdin = None\nprint(input() if False else 'x')\nsys.stdout = None"
    runs = solo.run_calls([CallJob(f"s{i}", code, stdins=("a\n",) * 3) for i in range(20)])
    assert all(r.results[0].stdout == "x\n" for r in runs) and solo.spawned == before


def test_orphaned_work_dirs_are_swept_at_start_up(tmp_path):
    from codereasoner.execution import isolation

    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = Path(isolation.tempfile.gettempdir()) / f"{isolation.WORKDIR_PREFIX}{dead.pid}-abc"
    (orphan / "work").mkdir(parents=True)
    live = Path(isolation.tempfile.gettempdir()) / f"{isolation.WORKDIR_PREFIX}{os.getpid()}-abc"
    live.mkdir()
    try:
        Executor(workers=1).close()
        assert not orphan.exists() and live.exists()
    finally:
        live.rmdir()


def test_the_kernel_layers_are_all_there(solo):
    report = solo.report
    for layer in ("netns+pidns+mountns+ipcns+utsns", "seccomp", "landlock", "caps-dropped", "rlimits"):
        assert layer in report, report
    assert "WARNING" not in report and time.monotonic() > 0 and ctypes.sizeof(ctypes.c_ssize_t) == 8


def test_slim_fork_servers_have_the_same_layers_and_boundary():
    # Tasks that name no import run in slim fork servers (fewer modules preloaded): the same hardening, and a
    # task that rewrites builtins (without naming an import) reaches no task after it in the same server.
    tamper = ("def f():\n    b = __builtins__ if isinstance(__builtins__, dict) else __builtins__.__dict__\n"
              "    b['len'] = lambda x: 42\n    b['sorted'].__self__.__dict__['abs'] = lambda x: -1\n"
              "    return len([1])")
    probe = Program("probe", "def f():\n    return (len([1, 2]), abs(-3), sorted([2, 1]))", "f()")
    with Executor(workers=1, fork_servers=1) as ex:
        runs = ex.run([Program("hostile", tamper, "f()"), probe, *VICTIMS])
        assert runs[0].result == "42" and runs[1].result == "(2, 3, [1, 2])", runs[:2]
        assert [r.result for r in runs[2:]] == TRUE
        slim = ex._pools["untrusted-slim"]
        assert list(ex._pools) == ["untrusted-slim"] and not slim.preload
        assert ex.run([Program("i", "import os\ndef f():\n    return 1", "f()")])[0].result == "1"
        assert slim.applied == ex._pools["untrusted"].applied and "seccomp" in slim.applied
