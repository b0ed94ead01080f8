"""Execution stage, trusted mode, the child side: the only code that runs inside a persistent worker.

Started by isolation.py as `python -s -S worker.py RFD WFD WORKDIR MEMORY_MB SECCOMP_JSON NS SITES_JSON` (no
site: nothing from site-packages is importable by programs; not -I/-E, which would ignore PYTHONHASHSEED=0).
It hardens itself once (harden.py, kernel.py; isolation.py says what that guarantees, and what trusted
mode does not), then reads batches of tasks from RFD and answers one frame per task on WFD. Besides this
file only harden.py, kernel.py, runner.py and tracer.py (imported by path, then hidden from programs) run
in the worker.

Frames are a 4-byte big-endian length plus UTF-8 JSON, on dedicated pipe fds: fds 0-2 point at /dev/null,
and `print` goes to a capped in-memory capture, so nothing a program writes can corrupt the protocol.
Everything the loop needs is bound to locals before any program runs. After each task the worker frees
what it made (a full GC on the task's clock), puts module-level caches back, drops modules the task
imported and checks that builtins, module and class dicts (dict version tags), import/warning lists,
threads and the work dir are as before; if not, it says so in the frame (`"x": 1`) and exits, and the
parent starts a fresh worker.
"""

from __future__ import annotations

import builtins
import contextvars
import gc
import json
import os
import random
import signal
import struct
import sys
import types
import _thread

class _Invalid(Exception):
    """The code or the call does not compile."""


class _Unrepresentable(Exception):
    """repr() of the call's value raised."""


def _watched_dicts() -> list[dict]:
    """builtins, every loaded module's dict, the dicts of the (mutable) classes they hold, os.environ."""
    found: dict[int, dict] = {}
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if type(namespace) is not dict:
            continue
        found[id(namespace)] = namespace
        for value in list(namespace.values()):
            if isinstance(value, type) and not value.__flags__ & (1 << 8):  # not Py_TPFLAGS_IMMUTABLETYPE
                for ref in gc.get_referents(value.__dict__):
                    if type(ref) is dict:
                        found[id(ref)] = ref
    found[id(builtins.__dict__)] = builtins.__dict__
    found[id(os.environ._data)] = os.environ._data  # type: ignore[attr-defined]
    return list(found.values())


def _module_level_dicts(watched: list[dict]) -> list[dict]:
    """Plain dicts that modules hold as attributes (caches, registries), minus those watched or special."""
    skip = {id(d) for d in watched} | {id(sys.modules)}
    found: dict[int, dict] = {}
    for name, module in list(sys.modules.items()):
        if name.startswith(("importlib", "_frozen_importlib", "threading", "_thread")):
            continue  # import locks and thread bookkeeping: live state, never restored
        for value in list(getattr(module, "__dict__", {}).values()):
            if type(value) is dict and id(value) not in skip:
                found[id(value)] = value
    return list(found.values())


def main(argv: list[str]) -> None:  # noqa: C901 - one loop, kept together so nothing leaks to globals
    rfd, wfd, workdir, memory_mb, filters_path = int(argv[1]), int(argv[2]), argv[3], int(argv[4]), argv[5]
    namespaces = argv[6] == "1"
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import harden
    import kernel  # noqa: F401 - imported here so that it can be hidden below
    import runner
    import tracer as tracer_mod

    while here in sys.path:
        sys.path.remove(here)
    if sys.path and os.path.abspath(sys.path[0]) == here:
        del sys.path[0]
    for name in ("tracer", "harden", "kernel", "runner"):
        del sys.modules[name]  # programs cannot import them; we keep our references
    for name in harden.PRELOAD:
        __import__(name)
    sys.dont_write_bytecode = True
    sys.modules["__main__"] = types.ModuleType("__main__")  # `import __main__` must not reach this loop

    sites = [tuple(pair) for pair in json.loads(argv[7])]
    applied, _ = harden.harden(workdir, memory_mb, filters_path, (rfd, wfd), namespaces, "task", sites)
    writable = any("writes: a private tmpfs" in a for a in applied)
    listdir = os.listdir

    # Everything used after a program has run is bound here, before any program can replace it.
    os_read, os_write, os_exit = os.read, os.write, os._exit
    loads, dumps = json.loads, json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    pack, unpack = struct.pack, struct.unpack
    setitimer, ITIMER_REAL, signal_fn, SIGALRM = signal.setitimer, signal.ITIMER_REAL, signal.signal, signal.SIGALRM
    settrace, setprofile, thread_count = sys.settrace, sys.setprofile, _thread._count
    get_recursion, set_recursion = sys.getrecursionlimit, sys.setrecursionlimit
    set_digits, get_digits = sys.set_int_max_str_digits, sys.get_int_max_str_digits
    gc_enable, gc_collect, seed, Context = gc.enable, gc.collect, random.seed, contextvars.Context
    sigmask, SIG_SETMASK = signal.pthread_sigmask, signal.SIG_SETMASK
    b_compile, b_exec, b_eval, b_len, b_type, b_str = compile, exec, eval, len, type, str
    modules, builtins_module = sys.modules, builtins
    Tracer, raw_repr = tracer_mod.Tracer, tracer_mod._repr
    PROGRAM, ADDRESS = tracer_mod.PROGRAM_FILENAME, tracer_mod._ADDRESS
    recursion0, digits0 = get_recursion(), get_digits()
    stdout, stderr = runner.Capture(), runner.Capture()
    _Timeout, _OutputFlood, describe = runner.Timeout, runner.OutputFlood, runner.describe
    sys.stdout, sys.stderr = stdout, stderr
    armed = [False]

    def on_alarm(signum, frame):  # noqa: ANN001
        if armed[0]:
            setitimer(ITIMER_REAL, 0.05)  # keep interrupting a program that catches BaseException
            raise _Timeout

    signal_fn(SIGALRM, on_alarm)
    code_cache: dict[tuple[str, str], types.CodeType] = {}

    def compiled(source: str, filename: str, mode: str) -> types.CodeType:
        key = (source, mode)
        code = code_cache.get(key)
        if code is None:
            if b_len(code_cache) > 2048:
                code_cache.clear()
            code = code_cache[key] = b_compile(source, filename, mode, dont_inherit=True)
        return code

    watched_dicts = _watched_dicts()
    snapshots = [dict(d) for d in watched_dicts]  # for the rare slow path: what exactly changed?
    version = runner.tag_reader(watched_dicts)
    tags0 = version()
    module_tag = runner.dict_version_tags([modules])[0]
    modules_tag0 = module_tag.value
    modules0 = dict(modules)
    # Caches and registries kept in module-level dicts (re._cache, copyreg tables, ...) may legitimately
    # change; they are put back as they were after each task, so nothing planted there reaches the next.
    kept = _module_level_dicts(watched_dicts)
    kept_version = runner.tag_reader(kept)
    kept_tags0, kept_snapshots = kept_version(), [dict(d) for d in kept]
    # Lists that steer imports and warnings: compared after each task (a changed one replaces the worker).
    import warnings

    steering = [sys.path, sys.meta_path, sys.path_hooks, warnings.filters]
    steering0 = [list(x) for x in steering]  # type: ignore[call-overload]  # four lists, four item types
    gc.collect()
    gc.freeze()  # everything above is never scanned again: a full collection per task costs ~nothing

    def run(code: str, call: str, trace: bool, lim: dict) -> dict:
        out: dict = {"s": "ok", "r": None, "e": None}
        stdout.reset(lim["max_output_bytes"])
        stderr.reset(lim["max_output_bytes"])
        settrace(None)
        setprofile(None)
        gc_enable()
        if "random" in code or "random" in call:  # reseeding costs ~15 us; only a program naming it can use it
            seed(0)  # so it gives the same answer in every worker, whatever ran before
        signal_fn(SIGALRM, on_alarm)
        sigmask(SIG_SETMASK, ())
        namespace = {"__name__": "__main__", "__builtins__": builtins_module}
        tracer = None
        armed[0] = True
        setitimer(ITIMER_REAL, lim["timeout_s"])
        try:
            try:
                program = compiled(code, PROGRAM, "exec")
                expression = compiled(call, "<call>", "eval")
            except (SyntaxError, ValueError, OverflowError, RecursionError, TypeError) as e:
                raise _Invalid(f"does not compile: {describe(e)}") from None
            b_exec(program, namespace)
            if trace:
                tracer = Tracer(lim["max_steps"], lim["max_repr"], lim["max_trace_bytes"])
                tracer.start()
            try:
                value = b_eval(expression, namespace)
            finally:
                if tracer is not None:
                    tracer.stop()
            limit = lim["max_result_bytes"]
            try:
                text = raw_repr(value, limit + 1, set())
            except Exception as e:  # a user __repr__, or an int beyond sys.get_int_max_str_digits
                raise _Unrepresentable(f"repr() of the result raised {describe(e)}") from None
            value = None
            if "0x" in text:
                text = ADDRESS.sub("", text)
            if b_len(text) > limit:
                out["s"], out["e"] = "output_exceeded", f"repr of the result is longer than {limit} characters"
            else:
                out["r"] = text
        except _Timeout:
            out["s"], out["e"] = "timeout", f"ran longer than {lim['timeout_s']} s"
        except _Invalid as e:
            out["s"], out["e"] = "invalid", e.args[0]
        except _Unrepresentable as e:
            out["s"], out["e"] = "error", e.args[0]
        except _OutputFlood:
            pass  # reported below
        except MemoryError:
            out["s"], out["e"] = "memory_exceeded", "MemoryError"
        except BaseException as e:  # the program raised: SystemExit and KeyboardInterrupt included
            out["s"], out["e"] = "error", describe(e)
        try:
            # Still on the task's clock: free what it made now, so that a finalizer (`__del__`) it left
            # runs here and not in the next task. Clearing first breaks the function<->globals cycle,
            # which makes the full collection nearly free (218 -> 136 us per task, measured).
            namespace.clear()
            gc_collect()
        except _Timeout:
            out["s"], out["e"] = "timeout", f"ran longer than {lim['timeout_s']} s"
        except BaseException:
            pass
        finally:
            armed[0] = False
            setitimer(ITIMER_REAL, 0)
            settrace(None)
        if stdout.over or stderr.over:
            out["s"], out["e"] = "output_exceeded", f"printed more than {lim['max_output_bytes']} characters"
        out["o"] = stdout.getvalue()
        if tracer is not None:
            out["t"] = tracer.result()
        return out

    def clean() -> bool:
        """Undo what a task may change cheaply; False when the worker must be replaced."""
        nonlocal modules_tag0, tags0, kept_tags0
        if get_recursion() != recursion0:
            set_recursion(recursion0)
        if get_digits() != digits0:
            set_digits(digits0)
        if thread_count():
            return False  # a thread outlived its task
        if writable and listdir("."):
            return False  # files in the work dir: the next task gets a fresh (empty) one
        if steering != steering0:
            return False
        imported: set[int] = set()
        if module_tag.value != modules_tag0:
            for name in [n for n in modules if n not in modules0]:
                imported.add(id(modules[name]))
                del modules[name]  # imported by the task: the next import starts fresh
            if b_len(modules) != b_len(modules0) or not all(modules.get(n) is m for n, m in modules0.items()):
                return False
            modules_tag0 = module_tag.value
        tags = version()
        if tags != tags0:
            # Slow path (rare): importing a submodule sets an attribute on its package (a codec lookup
            # imports encodings.shift_jis). Undo exactly that; any other difference means poisoning.
            for k, tag in enumerate(tags):
                if tag == tags0[k]:
                    continue
                now, before = watched_dicts[k], snapshots[k]
                for key in [key for key in now if key not in before]:
                    if id(now[key]) not in imported:
                        return False
                    del now[key]
                if b_len(now) != b_len(before) or not all(now.get(key) is v for key, v in before.items()):
                    return False
            tags0 = version()
        tags = kept_version()
        if tags != kept_tags0:
            for k, tag in enumerate(tags):
                if tag != kept_tags0[k]:
                    kept[k].clear()
                    kept[k].update(kept_snapshots[k])
            kept_tags0 = kept_version()
        return True

    def send(obj: dict) -> None:
        data = dumps(obj).encode("utf-8", "backslashreplace")
        view = memoryview(pack(">I", b_len(data)) + data)
        while view:
            view = view[os_write(wfd, view):]

    def receive(n: int) -> bytes | None:
        chunks, got = [], 0
        while got < n:
            chunk = os_read(rfd, min(n - got, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            got += b_len(chunk)
        return b"".join(chunks)

    send({"ready": 1, "pid": os.getpid(), "applied": applied, "python": "%d.%d" % sys.version_info[:2]})
    while True:
        header = receive(4)
        if header is None:
            os_exit(0)  # the parent closed the pipe: shut down
        body = receive(unpack(">I", header)[0])
        if body is None:
            os_exit(0)
        message = loads(body)
        lim, trace = message["limits"], message["trace"]
        for index, code, call in message["tasks"]:
            try:
                out = Context().run(run, code, call, trace, lim)  # fresh contextvars: decimal context etc.
            except _Timeout:  # the alarm fired between the program's end and disarming it
                out = {"s": "timeout", "r": None, "e": f"ran longer than {lim['timeout_s']} s", "o": ""}
            except MemoryError:
                out = {"s": "memory_exceeded", "r": None, "e": "MemoryError", "o": ""}
            out["i"] = index
            ok = out["s"] not in ("timeout", "memory_exceeded") and clean()
            if not ok:
                out["x"] = 1
            send(out)
            if not ok:
                os_exit(0)


if __name__ == "__main__":
    main(sys.argv)
