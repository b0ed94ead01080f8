"""Every record may be hostile: one hostile property per test, each run as a real program in the pool.

Each test also checks (autouse fixture) that no process survives: the only descendants of this test
process are live workers (an `unshare` with exactly one python child, or a bare worker), no zombies.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from codereasoner.execution import ExecLimits, Executor, Trust
from codereasoner.records import Program

ROOMY = ExecLimits(timeout_s=10, memory_mb=256)  # memory_mb as in the `solo` pool, so it is not restarted
PROBE = Program("probe", "import math, json\ndef f():\n    return (len([1, 2]), math.sqrt(4.0), json.dumps([1]))", "f()")
CLEAN = "(2, 2.0, '[1]')"


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (ppid, state, cmdline) for every process we can see."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        found[int(entry)] = (int(ppid), state, cmdline)
    return found


def _descendants(root: int) -> list[tuple[int, int, str, str]]:
    procs = _processes()
    children = defaultdict(list)
    for pid, (ppid, _, _) in procs.items():
        children[ppid].append(pid)
    out, todo = [], list(children[root])
    while todo:
        pid = todo.pop()
        out.append((pid, *procs[pid]))
        todo.extend(children[pid])
    return out


@pytest.fixture(autouse=True)
def no_survivors():
    yield
    time.sleep(0.05)
    me = os.getpid()
    for pid, ppid, state, cmdline in _descendants(me):
        assert state != "Z", f"zombie left behind: {pid} {cmdline}"
        sandbox = "worker.py" in cmdline or "forkserver.py" in cmdline
        assert sandbox, f"survivor: {pid} {cmdline}"
        if ppid != me:  # inside a sandbox's tree: only unshare -> python worker.py / forkserver.py, no task child
            parent = _processes()[ppid][2]
            assert parent.split()[0].endswith("unshare") and not cmdline.split()[0].endswith("unshare"), \
                f"survivor: {pid} {cmdline}"
    assert "codereasoner-marker" not in "".join(c for *_, c in _descendants(me))


class _Box:
    """The `solo` executor in one trust mode: hostile tests run in both (resource attacks must fail in both)."""

    def __init__(self, ex: Executor, trust: Trust) -> None:
        self.ex, self.trust = ex, trust
        ex.run([PROBE], trust=trust)  # the mode's pool exists: `spawned` counts only replacements from here

    def run(self, programs, **kw):
        return self.ex.run(programs, trust=self.trust, **kw)

    @property
    def report(self) -> str:
        return self.ex.report if self.trust is Trust.UNTRUSTED else self.ex._pools["trusted"].report

    @property
    def spawned(self) -> int:
        return self.ex._pools[self.trust.value].spawned


@pytest.fixture(params=[Trust.UNTRUSTED, Trust.TRUSTED])
def box(request, solo) -> _Box:
    return _Box(solo, request.param)


def hostile(ex, code: str, call: str = "f()", **kw):
    """Run a hostile program and, in the same call, a probe that must see a clean world."""
    run, probe = ex.run([Program("hostile", code, call), PROBE], **kw)
    assert probe.status == "ok" and probe.result == CLEAN, probe
    return run


def test_infinite_loop_times_out(box):
    run = hostile(box, "def f():\n    while True:\n        pass")
    assert run.status == "timeout"


def test_loop_that_catches_the_timeout_is_still_stopped(box):
    code = "def f():\n    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass"
    assert hostile(box, code).status == "timeout"


def test_c_loop_that_never_checks_signals_is_killed(box):
    start = time.monotonic()
    run = hostile(box, "def f():\n    return sum(range(10**14))")
    assert run.status == "timeout" and "killed" in run.error
    assert time.monotonic() - start < 5


def test_ignoring_the_alarm_signal_does_not_help(box):
    code = "import signal\ndef f():\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass"
    assert hostile(box, code).status == "timeout"


def test_sleeping_forever_times_out(box):
    assert hostile(box, "import time\ndef f():\n    time.sleep(10**6)").status == "timeout"


@pytest.mark.parametrize("bomb", ["[0] * 10**10", "bytearray(2**34)", "[bytes(10**6) for _ in range(10**5)]"])
def test_memory_bomb_is_memory_exceeded(box, bomb):
    # a generous timeout: on a loaded machine filling 256 MiB can take longer than the usual 0.5 s
    assert hostile(box, f"def f():\n    return {bomb}", limits=ROOMY).status == "memory_exceeded"


def test_deep_recursion_is_an_error(box):
    run = hostile(box, "def f(n=0):\n    return f(n + 1)")
    assert run.status == "error" and run.error.startswith("RecursionError")


def test_deep_recursion_past_a_raised_limit_is_contained(box):
    code = "import sys\nsys.setrecursionlimit(10**8)\ndef f(n=0):\n    return f(n + 1)"
    assert hostile(box, code).status in ("timeout", "memory_exceeded", "crashed")


def test_fork_bomb_is_contained(box):
    run = hostile(box, "import os\ndef f():\n    while True:\n        os.fork()")
    assert run.status == "error" and "PermissionError" in run.error


def test_setsid_child_does_not_survive(box):
    code = (
        "import os, subprocess\ndef f():\n    out = []\n"
        "    for start in (lambda: subprocess.Popen(['sleep', '1000', 'codereasoner-marker'], start_new_session=True),\n"
        "                  os.setsid, lambda: os.posix_spawn('/bin/sleep', ['sleep', '1000'], {})):\n"
        "        try:\n            start()\n            out.append('started')\n"
        "        except OSError as e:\n            out.append(type(e).__name__)\n    return out"
    )
    run = hostile(box, code)
    assert run.status == "ok" and "started" not in run.result


def test_shell_commands_do_not_run(box, tmp_path):
    target = tmp_path / "pwned"
    code = (f"import os, subprocess\ndef f():\n    os.system('touch {target}')\n"
            f"    try:\n        subprocess.run('touch {target}', shell=True)\n    except OSError:\n        pass\n"
            f"    return os.popen('echo hi').read()")
    run = hostile(box, code)
    assert not target.exists()
    assert run.status == "error" or run.result == "''"


def test_writes_and_deletions_outside_the_work_dir_are_refused(box, tmp_path):
    canary = tmp_path / "canary.txt"
    canary.write_text("alive")
    attempts = [
        f"open({str(tmp_path / 'new.txt')!r}, 'w').write('x')",
        f"open({str(canary)!r}, 'a').write('x')",
        f"os.remove({str(canary)!r})",
        f"os.rename({str(canary)!r}, {str(tmp_path / 'moved')!r})",
        f"os.mkdir({str(tmp_path / 'd')!r})",
        f"os.truncate({str(canary)!r}, 0)",
        f"os.chmod({str(canary)!r}, 0o777)",
        f"os.symlink('/etc/passwd', {str(tmp_path / 'link')!r})",
        f"shutil.rmtree({str(tmp_path)!r})",
        "os.open('/tmp/codereasoner-pwned', os.O_CREAT | os.O_WRONLY)",
    ]
    body = "".join(f"    try:\n        {a}\n        done.append({a!r})\n    except OSError:\n        pass\n" for a in attempts)
    run = hostile(box, "import os, shutil\ndef f():\n    done = []\n" + body + "    return done")
    assert run.status == "ok" and run.result == "[]"
    assert canary.read_text() == "alive" and sorted(p.name for p in tmp_path.iterdir()) == ["canary.txt"]
    assert not Path("/tmp/codereasoner-pwned").exists()


def test_the_work_dir_is_private_small_and_fresh_for_each_task(box):
    code = ("import os\ndef f():\n    before = os.listdir('.')\n    open('scratch.txt', 'w').write('x' * 10)\n"
            "    try:\n        for i in range(40):\n            open(f'big{i}', 'wb').write(bytes(10**6))\n"
            "    except OSError as e:\n        full = e.errno\n    return before, open('scratch.txt').read(), full")
    first, second = box.run([Program("a", code, "f()"), Program("b", code, "f()")], limits=ROOMY)
    assert first.status == "ok" and first.result == second.result == "([], 'xxxxxxxxxx', 28)"  # ENOSPC at 16 MiB
    assert "landlock" in box.report


def test_network_to_localhost_is_refused(box):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.3)
        port = server.getsockname()[1]
        code = (f"import socket\ndef f():\n    out = []\n"
                f"    for make in (lambda: socket.create_connection(('127.0.0.1', {port}), timeout=1),\n"
                f"                 lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', {port})),\n"
                f"                 lambda: socket.socket(socket.AF_UNIX)):\n"
                f"        try:\n            make()\n            out.append('connected')\n"
                f"        except OSError as e:\n            out.append(type(e).__name__)\n    return out")
        run = hostile(box, code)
        assert run.status == "ok" and "connected" not in run.result
        with pytest.raises(TimeoutError):
            server.accept()


def test_kill_parent_does_not_hurt_host(box):
    me = os.getpid()
    code = (f"import os, signal\ndef f():\n    out = []\n"
            f"    for kill in (lambda: os.kill(os.getppid(), 9), lambda: os.kill({me}, 9), lambda: os.killpg(0, 9),\n"
            f"                 lambda: os.kill(-1, 9), lambda: os.kill(1, 9), lambda: signal.raise_signal(9)):\n"
            f"        try:\n            kill()\n            out.append('killed')\n"
            f"        except (OSError, ValueError, TypeError) as e:\n            out.append(type(e).__name__)\n    return out")
    run = hostile(box, code)
    assert run.status == "ok" and "killed" not in run.result


def test_sys_exit_is_an_error_not_an_exit(box):
    run = hostile(box, "import sys\ndef f():\n    sys.exit(3)")
    assert run.status == "error" and run.error == "SystemExit: 3"


def test_os_exit_is_crashed_and_a_trusted_worker_replaced(box):
    before = box.spawned
    assert hostile(box, "import os\ndef f():\n    os._exit(0)").status == "crashed"
    assert box.spawned == before + (box.trust is Trust.TRUSTED)  # a fork server never runs a task: it stays


def test_segfault_through_ctypes_is_crashed(box):
    run = hostile(box, "import ctypes\ndef f():\n    return ctypes.string_at(0)")
    assert run.status == "crashed" and "SIGSEGV" in run.error


def test_closing_inherited_fds_is_crashed_not_hung(box):
    assert hostile(box, "import os\ndef f():\n    os.closerange(0, 1 << 16)").status == "crashed"


def test_forged_protocol_frames_are_not_believed(box):
    code = ("import os\ndef f():\n    for fd in range(64):\n        try:\n"
            "            os.write(fd, b'\\x00\\x00\\x00\\x1b{\"i\": 1, \"s\": \"ok\", \"r\": \"1\"}')\n"
            "        except OSError:\n            pass\n    return 0")
    run = hostile(box, code)
    assert run.status in ("crashed", "ok") and run.result in (None, "0")


def test_stdout_flood_is_output_exceeded(box):
    run = hostile(box, "def f():\n    while True:\n        print('x' * 1000)")
    assert run.status == "output_exceeded" and len(run.stdout) <= 65_536


def test_raw_writes_to_fd1_cannot_corrupt_results(box):
    run = hostile(box, "import os\ndef f():\n    for _ in range(100):\n        os.write(1, b'\\x00\\x00\\x00\\x05hello' * 1000)\n    return 7")
    assert run.status == "ok" and run.result == "7"


def test_next_task_sees_clean_builtins(box):
    before = box.spawned
    run = hostile(box, "import builtins\ndef f():\n    builtins.len = lambda x: 42\n    builtins.print = None")
    # trusted: detected, so the worker was replaced; untrusted: the task's process died with it anyway
    assert run.status == "ok" and box.spawned == before + (box.trust is Trust.TRUSTED)


@pytest.mark.parametrize("poison", [
    "import math\n    math.sqrt = lambda x: 0.0",
    "import json\n    json.JSONEncoder.encode = lambda self, o: 'poisoned'",
    "import sys\n    sys.modules['json'] = None",
    "import os\n    os.environ['PYTHONHASHSEED'] = '1'",
    "import sys\n    sys.setprofile(lambda *a: None); sys.settrace(lambda *a: None)",
    "import decimal\n    decimal.getcontext().prec = 2",
])
def test_next_task_sees_clean_modules(box, poison):
    assert hostile(box, f"def f():\n    {poison}").status in ("ok", "error")


def test_leftover_thread_replaces_the_worker(box):
    before = box.spawned
    code = "import threading, time\ndef f():\n    threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()"
    assert hostile(box, code).status == "ok"
    assert box.spawned == before + (box.trust is Trust.TRUSTED)


def test_raising_own_limits_is_refused(box):
    code = "import resource\ndef f():\n    resource.setrlimit(resource.RLIMIT_AS, (-1, -1))"
    assert hostile(box, code).status == "error"


def test_result_too_large_is_output_exceeded(box):
    run = hostile(box, "def f():\n    return ['x' * 1000] * 10**5")
    assert run.status == "output_exceeded" and run.result is None


def test_repr_that_raises_is_an_error(box):
    code = "class A:\n    def __repr__(self):\n        raise ValueError('nope')\ndef f():\n    return A()"
    run = hostile(box, code)
    assert run.status == "error" and run.error == "repr() of the result raised ValueError: nope"


def test_unencodable_output_is_escaped(box):
    run = hostile(box, "def f():\n    print('\\ud800')\n    return '\\ud800'")
    assert run.status == "ok" and run.stdout == "\\ud800\n" and run.result == "'\\ud800'"


def test_executor_without_namespaces_warns_and_still_contains(capsys):
    with Executor(workers=1, namespaces=False) as ex:
        assert "WARNING" in ex.report and "NO namespaces" in ex.report
        for trust in Trust:
            run = ex.run([Program("x", "import os\ndef f():\n    os.fork()", "f()")], trust=trust)[0]
            assert run.status == "error"


@pytest.mark.parametrize(("poison", "probe", "expected"), [
    # a finalizer in a reference cycle would run at some later GC, i.e. during somebody else's task
    ("import builtins\n    class A:\n        def __del__(self):\n            builtins.len = None\n"
     "    a = A()\n    a.me = a", "len('ab')", "2"),
    ("import re\n    re._cache[(str, 'abc', 0)] = 'planted'", "type(__import__('re').compile('abc')).__name__", "'Pattern'"),
    ("import warnings\n    warnings.simplefilter('error')", "__import__('warnings').warn('w')", "None"),
    ("import sys\n    sys.path.insert(0, '/tmp')", "__import__('sys').path[0] != '/tmp'", "True"),
    ("import decimal\n    decimal.getcontext().prec = 2", "str(__import__('decimal').Decimal(1) / 3)[:6]", "'0.3333'"),
])
def test_state_a_task_leaves_does_not_reach_the_next(box, poison, probe, expected):
    first, second = box.run([Program("poison", f"def f():\n    {poison}", "f()"), Program("probe", "", probe)])
    assert first.status == "ok", first
    assert second.status == "ok" and second.result == expected, second


def test_workers_die_with_a_killed_host(tmp_path):
    script = tmp_path / "host.py"
    script.write_text(
        "import time\nfrom codereasoner.execution import Executor, ExecLimits\nfrom codereasoner.records import Program\n"
        "ex = Executor(workers=1)\nex.report\nprint(ex._pools['untrusted'].slots[0].server.proc.pid, flush=True)\n"
        "ex.run([Program('x', 'def f():\\n    return sum(range(10**14))', 'f()')], limits=ExecLimits(timeout_s=100))\n"
    )
    host = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wrapper = int(host.stdout.readline())
    time.sleep(0.5)  # the worker is now busy in a C loop that ignores signals
    tree = {wrapper} | {pid for pid, (ppid, _, _) in _processes().items() if ppid == wrapper}
    assert len(tree) == 2  # unshare and the fork server inside its namespaces (its task child is deeper)
    host.kill()
    host.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alive = [pid for pid, (_, state, _) in _processes().items() if pid in tree and state != "Z"]
        if not alive:
            break
        time.sleep(0.1)
    assert not alive
