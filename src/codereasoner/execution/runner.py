"""Execution stage, inside a sandboxed process: run one task and describe how it ended, as JSON frames.

Imported by path (stdlib only) by the fork server (forkserver.py), whose forked children run exactly
one task each, and by the persistent trusted worker (worker.py). Two kinds of task:
- a program (`Program`): run `code`, evaluate `call` (optionally traced), answer one frame
  `{"s": status, "r": repr | None, "e": error | None, "o": stdout, "t"?: trace}`;
- a call job (`CallJob`): compile and run `code` once (frame `{"s", "e", "o"}`), then one frame per
  call `{"s", "v": values.encode(result), "o", "e", "sec"}`, or with stdins run `code` as `__main__`
  once per stdin with stdout captured (one frame per stdin, no "v"). Frames go out as each part ends,
  so the parent keeps the results finished before a hard kill.
Each part's time limit counts the CPU time it uses (ITIMER_PROF), so a loaded machine does not turn a
correct answer into a timeout; a part that waits without computing (sleep, a C loop that never checks
signals) is killed by the parent's wall-clock deadline, twice the limit plus a grace second (forkpool.py).
"""

from __future__ import annotations

import builtins
import ctypes
import functools
import io
import json
import os
import signal
import struct
import sys
import time
import _thread
from types import CodeType

F_SETPIPE_SZ = 1031


class Timeout(BaseException):
    """Raised by the time limit's signal; a BaseException so that `except Exception` does not swallow it."""


class OutputFlood(BaseException):
    """Raised when a program prints more than max_output_bytes."""


class _Invalid(Exception):
    """The code or the call does not compile."""


class _Bytes:
    """`sys.stdout.buffer` of a Capture: bytes written are decoded into the same capture."""

    def __init__(self, owner: Capture) -> None:
        self.owner = owner

    def write(self, data: bytes) -> int:
        self.owner.write(bytes(data).decode("utf-8", "replace"))
        return len(data)

    def flush(self) -> None:
        pass


class Capture:
    """A capped stand-in for sys.stdout/sys.stderr."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.cap = 65_536
        self.over = False
        self.buffer = _Bytes(self)

    def reset(self, cap: int) -> None:
        self.parts, self.size, self.cap, self.over = [], 0, cap, False

    def write(self, text: str) -> int:
        if type(text) is not str:
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.over:
            raise OutputFlood
        self.parts.append(text)
        self.size += len(text)
        if self.size > self.cap:
            self.over = True
            raise OutputFlood
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def getvalue(self) -> str:
        text = "".join(self.parts)[: self.cap]
        return text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates -> escapes


def describe(e: BaseException) -> str:
    """`"Type: message"`, cut to 2,000 characters, even when str() of the exception raises."""
    try:
        text = str(e)
    except BaseException:
        text = "<str() failed>"
    text = f"{type(e).__name__}: {text}" if text else type(e).__name__
    return text[:2000].encode("utf-8", "backslashreplace").decode("utf-8")


class FrameWriter:
    """Sends frames (4-byte length + ASCII JSON) on `fd`; built once in a fork server, used by its children
    (each sets `fd` to its own result pipe), so no child builds an encoder."""

    def __init__(self, fd: int = -1) -> None:
        self.fd = fd
        self.dumps = json.JSONEncoder(ensure_ascii=True, check_circular=False).encode
        self.pack, self.write = struct.Struct(">I").pack, os.write

    def send(self, obj: dict) -> None:
        data = self.dumps(obj).encode("ascii")
        view = memoryview(self.pack(len(data)) + data)
        while view:
            view = view[self.write(self.fd, view):]


_TAG_OFFSET = 3 * ctypes.sizeof(ctypes.c_ssize_t)  # CPython 3.11 PyDictObject: refcnt, type, ma_used, ma_version_tag


def dict_version_tags(dicts: list[dict]) -> list[ctypes.c_uint64]:
    """ctypes views of each dict's `ma_version_tag`; any change to a dict gives it a new, larger tag."""
    return [ctypes.c_uint64.from_address(id(d) + _TAG_OFFSET) for d in dicts]


def tag_reader(dicts: list[dict]):  # noqa: ANN202
    """A function returning the tuple of all the dicts' version tags in one C call.

    One memoryview spans the dicts' addresses and an itemgetter picks the tags: ~4x faster than reading
    570 ctypes values one by one (160 us -> 40 us per task under load, measured here).
    """
    import operator

    probe: dict = {}
    before = dict_version_tags([probe])[0].value
    probe[0] = 0
    if dict_version_tags([probe])[0].value == before:  # no version tags on this CPython: compare contents
        return lambda: tuple(tuple(map(id, d.values())) + tuple(d) for d in dicts)
    addresses = [id(d) + _TAG_OFFSET for d in dicts]
    low = min(addresses)
    try:
        span = (ctypes.c_uint64 * ((max(addresses) - low) // 8 + 1)).from_address(low)
        view = memoryview(span).cast("B").cast("Q")
        getter = operator.itemgetter(*[(a - low) // 8 for a in addresses])
        return functools.partial(getter, view)
    except (OverflowError, ValueError, MemoryError, TypeError):  # an address span too wide for one view
        tags = dict_version_tags(dicts)
        return lambda: tuple(t.value for t in tags)


def _exit_builtin(code: object = None) -> None:
    raise SystemExit(code)


class Runner:
    """Runs tasks; everything it needs is bound at construction, before any program runs."""

    def __init__(self, tracer_mod, values_mod) -> None:  # noqa: ANN001 - modules imported by path
        self.Tracer, self.raw_repr = tracer_mod.Tracer, tracer_mod._repr
        self.PROGRAM, self.ADDRESS = tracer_mod.PROGRAM_FILENAME, tracer_mod._ADDRESS
        self.encode, self.TooLarge = values_mod.encode, values_mod.TooLarge
        self.stdout, self.stderr = Capture(), Capture()
        self.armed = False
        # -S leaves out site's exit()/quit(), which competitive-programming scripts call
        builtins.exit = builtins.quit = _exit_builtin  # type: ignore[assignment]  # typeshed: site's Quitter
        self.builtins = dict(builtins.__dict__)  # put back after each part: what runs next uses them
        # Read by version tag: comparing the dicts would touch every builtin's reference count, and in a
        # forked child each touched page is a copy-on-write fault (~60 per task, measured here).
        self.builtins_version = tag_reader([builtins.__dict__])
        self.builtins_version0 = self.builtins_version()
        signal.signal(signal.SIGPROF, self._on_alarm)

    def _on_alarm(self, signum, frame) -> None:  # noqa: ANN001
        if self.armed:
            signal.setitimer(signal.ITIMER_PROF, 0.05)  # keep interrupting a program that catches BaseException
            raise Timeout

    def _start(self, lim: dict, timeout: float) -> None:
        self.stdout.reset(lim["max_output_bytes"])
        self.stderr.reset(lim["max_output_bytes"])
        sys.stdout, sys.stderr = self.stdout, self.stderr
        self.armed = True
        signal.setitimer(signal.ITIMER_PROF, timeout)

    def _stop(self) -> None:
        self.armed = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        sys.settrace(None)
        if self.builtins_version() != self.builtins_version0:  # a program replaced some: reporting needs them
            builtins.__dict__.update(self.builtins)
            self.builtins_version0 = self.builtins_version()

    def _ended(self, out: dict, e: BaseException | None, lim: dict, timeout: float) -> dict:
        """Fill status and error of `out` from how the part ended (`e` None: it returned)."""
        if isinstance(e, Timeout):
            out["s"], out["e"] = "timeout", f"ran longer than {timeout} s of CPU time"
        elif isinstance(e, _Invalid):
            out["s"], out["e"] = "invalid", e.args[0]
        elif isinstance(e, MemoryError):
            out["s"], out["e"] = "memory_exceeded", "MemoryError"
        elif isinstance(e, OutputFlood):
            pass
        elif e is not None:
            out["s"], out["e"] = "error", describe(e)
        if self.stdout.over or self.stderr.over:
            out["s"], out["e"] = "output_exceeded", f"printed more than {lim['max_output_bytes']} characters"
        out["o"] = self.stdout.getvalue()
        return out

    def _compile(self, source: str, filename: str, mode: str) -> CodeType:
        try:
            return compile(source, filename, mode, dont_inherit=True)
        except (SyntaxError, ValueError, OverflowError, RecursionError, TypeError, MemoryError) as e:
            raise _Invalid(f"does not compile: {describe(e)}") from None

    def program(self, code: str, call: str, trace: bool, lim: dict) -> dict:
        """Run `code`, evaluate `call`; the one answer frame."""
        out: dict = {"s": "ok", "r": None, "e": None}
        tracer = None
        error: BaseException | None = None
        self._start(lim, lim["timeout_s"])
        try:
            namespace = {"__name__": "__main__", "__builtins__": builtins}
            program = self._compile(code, self.PROGRAM, "exec")
            expression = self._compile(call, "<call>", "eval")
            exec(program, namespace)  # noqa: S102 - this process is the sandbox
            if trace:
                tracer = self.Tracer(lim["max_steps"], lim["max_repr"], lim["max_trace_bytes"],
                                     lim.get("max_trace_cells", 1 << 62))
                tracer.start()
            try:
                value = eval(expression, namespace)  # noqa: S307
            finally:
                if tracer is not None:
                    tracer.stop()
            limit = lim["max_result_bytes"]
            try:
                text = self.raw_repr(value, limit + 1, set())
            except Exception as e:  # a user __repr__, or an int beyond sys.get_int_max_str_digits
                out["s"], out["e"] = "error", f"repr() of the result raised {describe(e)}"
            else:
                if "0x" in text:
                    text = self.ADDRESS.sub("", text)
                if len(text) > limit:
                    out["s"], out["e"] = "output_exceeded", f"repr of the result is longer than {limit} characters"
                else:
                    out["r"] = text
        except BaseException as e:  # the program raised: SystemExit and KeyboardInterrupt included
            error = e
        finally:
            self._stop()
        self._ended(out, error, lim, lim["timeout_s"])
        if out["s"] != "ok":
            out["r"] = None
        if tracer is not None:
            out["t"] = tracer.result()
        return out

    def calls(self, code: str, calls: list[str], stdins: list[str], timeout: float, lim: dict, send) -> None:  # noqa: ANN001
        """Run a call job, sending a frame after the code and after each call or stdin run."""
        out: dict = {"s": "ok", "e": None}
        error: BaseException | None = None
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        self._start(lim, timeout)
        try:
            program = self._compile(code, self.PROGRAM, "exec")
            if not stdins:
                exec(program, namespace)  # noqa: S102
        except BaseException as e:
            error = e
        finally:
            self._stop()
        send(self._ended(out, error, lim, timeout))
        if out["s"] != "ok":
            return
        for item in stdins or calls:
            out, error, value = {"s": "ok", "e": None}, None, None
            start = time.perf_counter()
            self._start(lim, timeout)
            try:
                if stdins:
                    self._feed_stdin(item)
                    exec(program, {"__name__": "__main__", "__builtins__": builtins})  # noqa: S102
                else:
                    value = eval(self._compile(item, "<call>", "eval"), namespace)  # noqa: S307
            except SystemExit as e:
                if not stdins or e.code not in (None, 0):
                    error = e
            except BaseException as e:
                error = e
            finally:
                self._stop()
            out["sec"] = time.perf_counter() - start
            self._ended(out, error, lim, timeout)
            if not stdins and out["s"] == "ok":
                try:
                    out["v"] = self.encode(value, lim["max_result_bytes"])
                except self.TooLarge as e:
                    out["s"], out["e"] = "output_exceeded", str(e)
                except RecursionError:
                    out["s"], out["e"] = "output_exceeded", "the value is nested too deeply"
            value = None
            send(out)

    def _feed_stdin(self, text: str) -> None:
        """fd 0 and sys.stdin read `text` (a pipe: `open(0)` and `sys.stdin.buffer` work too)."""
        data = text.encode("utf-8", "surrogateescape")
        r, w = os.pipe()
        capacity = 65_536
        if len(data) > capacity:
            try:
                import fcntl

                capacity = fcntl.fcntl(w, F_SETPIPE_SZ, min(len(data), 1 << 20))
            except OSError:
                pass
        os.dup2(r, 0)
        os.close(r)
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8",
                                     errors="surrogateescape")

        def feed() -> None:
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(w, view):]
            except OSError:
                pass
            finally:
                os.close(w)

        if len(data) <= capacity:
            feed()
        else:  # larger than the pipe holds: a thread keeps it filled while the program reads
            _thread.start_new_thread(feed, ())
