"""The engine as an HTTP service (`codereasoner serve`): SandboxFusion's `/run_code`, a batch `/verify`, `/health`.

RL stacks that call a code sandbox over HTTP (verl's `reward.sandbox_fusion.url`, anything written for
SandboxFusion) can point at this instead; docs/serve.md has the API and how to scale it.

- `POST /run_code` — SandboxFusion's request `{"code", "language": "python", "stdin"?, "run_timeout"?,
  "compile_timeout"?, "memory_limit_MB"?, "files": {}, "fetch_files": []}` and response `{"status":
  "Success"|"Failed"|"SandboxError", "message", "compile_result": null, "run_result": {"status":
  "Finished"|"TimeLimitExceeded"|"Error", "execution_time", "return_code", "stdout", "stderr"}, "files": {}}`.
  The code runs as `__main__` with `stdin` on fd 0, like `python file.py < stdin`.
- `POST /verify` — `{"mode": "strict"|"official", "records": [verify records]}` (the `codereasoner verify`
  input, docs/formats.md) → `{"mode", "verdicts": [...]}`, one per record, same order.
- `GET /health` — `{"status": "ok"|"draining", "isolation", "in_flight"}` (503 while draining).

Everything runs in the engine's untrusted mode: a client's code is outside code, whatever it is. Requests
are served by threads; `/run_code` requests each take one of `workers` single-slot executors, so a slow or
hostile request holds one slot and never the others; `/verify` batches share one `workers`-wide executor.
"""

from __future__ import annotations

import json
import queue
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LANGUAGES = ("python", "python3")  # SandboxFusion's name, and the one people type
DEFAULT_TIMEOUT_S = 10.0  # SandboxFusion's run_timeout when a request names none


class RequestError(ValueError):
    """A bad request: answered with `status` and a message naming the field, never with a traceback."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ServeConfig:
    workers: int = 4  # concurrent /run_code requests; also the /verify executor's width
    max_timeout_s: float = 30.0  # the most run_timeout a request gets (a request without one: min(10, this))
    memory_mb: int = 1024  # per sandboxed process (verl's default memory_limit_mb)
    max_output_bytes: int = 4 << 20  # characters of stdout one run may print
    max_body_bytes: int = 16 << 20  # larger requests are refused with 413 before they are read
    max_records: int = 10_000  # verify records per /verify request
    packages: bool = True  # the code may import the server's site-packages (read-only), as in SandboxFusion

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if not 0 < self.max_timeout_s <= 3600:
            raise ValueError(f"max_timeout_s must be in (0, 3600], got {self.max_timeout_s}")


class Service:
    """What the HTTP handler calls: request dicts in, response dicts out (RequestError for bad requests)."""

    def __init__(self, config: ServeConfig = ServeConfig()) -> None:
        from codereasoner.execution import ExecLimits

        self.config = config
        self.limits = ExecLimits(timeout_s=config.max_timeout_s, memory_mb=config.memory_mb,
                                 max_output_bytes=config.max_output_bytes)
        self._idle: queue.Queue[Any] = queue.Queue()
        self._made = 0
        self._lock = threading.Lock()
        self._verifier: Any = None
        self._all: list[Any] = []
        self.in_flight = 0
        self.draining = False

    # ---------------------------------------------------------------- executors
    def _new_executor(self, workers: int) -> Any:
        from codereasoner.execution import Executor

        executor = Executor(workers=workers, limits=self.limits)
        self._all.append(executor)
        return _Untrusted(executor)

    def _take(self) -> Any:
        """An idle single-slot executor, made on demand up to `workers`, else wait for one."""
        with self._lock:
            if self._idle.empty() and self._made < self.config.workers:
                self._made += 1
                return self._new_executor(1)
        return self._idle.get()

    def count(self, delta: int) -> None:
        with self._lock:
            self.in_flight += delta

    def isolation(self) -> str:
        executor = self._take()
        try:
            return executor.report
        finally:
            self._idle.put(executor)

    def close(self) -> None:
        for executor in self._all:
            executor.close()

    # ---------------------------------------------------------------- endpoints
    def run_code(self, request: Any) -> dict[str, Any]:
        code, stdin, timeout = self._parse_run_code(request)
        from codereasoner.records import CallJob

        job = CallJob("run_code", code, stdins=(stdin,), timeout_s=timeout, packages=self.config.packages)
        executor = self._take()
        try:
            (run,) = executor.run_calls([job])
        except Exception as e:  # noqa: BLE001 — the engine itself failed: SandboxFusion's SandboxError
            return sandbox_error(f"the engine failed: {type(e).__name__}: {e}")
        finally:
            self._idle.put(executor)
        return run_code_response(run)

    def _parse_run_code(self, request: Any) -> tuple[str, str, float]:
        if not isinstance(request, dict):
            raise RequestError("the body must be a JSON object")
        code = request.get("code")
        if not isinstance(code, str):
            raise RequestError("field 'code' must be a string")
        language = request.get("language", "python")
        if language not in LANGUAGES:
            raise RequestError(f"language {language!r} is not served: codereasoner serve runs python only")
        stdin = request.get("stdin")
        if stdin is not None and not isinstance(stdin, str):
            raise RequestError("field 'stdin' must be a string or null")
        if request.get("files") or request.get("fetch_files"):
            raise RequestError("fields 'files' and 'fetch_files' are not supported (the sandbox has no files)")
        timeout = request.get("run_timeout", DEFAULT_TIMEOUT_S)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise RequestError("field 'run_timeout' must be a positive number of seconds")
        for name in ("compile_timeout", "memory_limit_MB"):  # accepted: the server's limits apply (docs/serve.md)
            value = request.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise RequestError(f"field {name!r} must be a number")
        return code, stdin or "", min(float(timeout), self.config.max_timeout_s)

    def verify(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or not isinstance(request.get("records"), list):
            raise RequestError('the body must be {"mode": "strict"|"official", "records": [...]}')
        mode = request.get("mode", "strict")
        if mode not in ("strict", "official"):
            raise RequestError(f"field 'mode' must be 'strict' or 'official', got {mode!r}")
        records = request["records"]
        if len(records) > self.config.max_records:
            raise RequestError(f"at most {self.config.max_records} records per request, got {len(records)}",
                               HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        from codereasoner.cli.verify import verdict_rows

        with self._lock:
            if self._verifier is None:
                self._verifier = self._new_executor(self.config.workers)
        rows = verdict_rows([(f"records[{i}]", r) for i, r in enumerate(records)], mode, self._verifier)
        return {"mode": mode, "verdicts": rows}


class _Untrusted:
    """An executor whose every run is untrusted, whatever a caller asks: a client's code is outside code."""

    def __init__(self, executor: Any) -> None:
        self._executor = executor

    def run(self, programs: Sequence[Any], **kwargs: Any) -> Any:
        from codereasoner.execution import Trust

        return self._executor.run(programs, **{**kwargs, "trust": Trust.UNTRUSTED})

    def stream(self, programs: Sequence[Any], **kwargs: Any) -> Any:
        from codereasoner.execution import Trust

        return self._executor.stream(programs, **{**kwargs, "trust": Trust.UNTRUSTED})

    async def arun(self, programs: Sequence[Any], **kwargs: Any) -> Any:
        from codereasoner.execution import Trust

        return await self._executor.arun(programs, **{**kwargs, "trust": Trust.UNTRUSTED})

    def run_calls(self, jobs: Sequence[Any], **kwargs: Any) -> Any:
        return self._executor.run_calls(jobs, **kwargs)  # always untrusted (the engine's contract)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._executor, name)


def sandbox_error(message: str) -> dict[str, Any]:
    return {"status": "SandboxError", "message": message, "compile_result": None, "run_result": None,
            "executor_pod_name": None, "files": {}}


def run_code_response(run: Any) -> dict[str, Any]:
    """SandboxFusion's response for one CallRun of a one-stdin job (how a `python file.py` would have ended)."""
    from codereasoner.records import RunStatus

    result = run.results[0] if run.results else None
    status = result.status if result is not None else run.status
    error = (result.error if result is not None else None) or run.error or ""
    stdout = result.stdout if result is not None else ""
    seconds = result.seconds if result is not None else 0.0
    if status is RunStatus.OK:
        cmd = {"status": "Finished", "return_code": 0, "stderr": ""}
    elif status is RunStatus.TIMEOUT:
        cmd = {"status": "TimeLimitExceeded", "return_code": None, "stderr": error}
    else:  # raised, did not compile, ran out of memory or output, or its process died: a non-zero exit
        cmd = {"status": "Finished", "return_code": exit_code(error), "stderr": _stderr(status, error)}
    run_result = {"status": cmd["status"], "execution_time": round(seconds, 6), "return_code": cmd["return_code"],
                  "stdout": stdout, "stderr": cmd["stderr"]}
    ok = cmd["status"] == "Finished" and cmd["return_code"] == 0
    return {"status": "Success" if ok else "Failed", "message": "", "compile_result": None, "run_result": run_result,
            "executor_pod_name": None, "files": {}}


def exit_code(error: str) -> int:
    """The exit status Python gives: `sys.exit(n)`'s n, else 1 (an uncaught exception)."""
    if error.startswith("SystemExit: "):
        try:
            return int(error.removeprefix("SystemExit: "))
        except ValueError:
            return 1
    return 1


def _stderr(status: Any, error: str) -> str:
    from codereasoner.records import RunStatus

    if status in (RunStatus.ERROR, RunStatus.INVALID):
        return error + "\n"  # "ValueError: message", "does not compile: SyntaxError: ..."
    return f"codereasoner: {status.value}: {error}\n"  # memory/output limits, a killed process


# ------------------------------------------------------------------------------------------------ HTTP
class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"  # keep-alive: verl posts many small requests
    timeout = 60  # an idle keep-alive connection closes after this, so a stop never waits on one for long

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — the stdlib's name
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.server.service.draining:  # stopping: this connection serves no further request
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, status: HTTPStatus, message: str, *, close: bool = False) -> None:
        if close:
            self.close_connection = True
        self._send(status, {**sandbox_error(message), "error": message})

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path in ("/run_code", "/verify"):
            self._refuse(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes POST with a JSON body")
            return
        if path not in ("/health", "/v1/ping"):
            self._refuse(HTTPStatus.NOT_FOUND, f"no such endpoint {self.path!r}: POST /run_code, POST /verify, "
                                               "GET /health")
            return
        service = self.server.service
        body = {"status": "draining" if service.draining else "ok", "isolation": self.server.isolation,
                "in_flight": service.in_flight}
        self._send(HTTPStatus.SERVICE_UNAVAILABLE if service.draining else HTTPStatus.OK, body)

    def do_POST(self) -> None:
        route = {"/run_code": self.server.service.run_code, "/verify": self.server.service.verify}.get(
            self.path.split("?")[0])
        if route is None:
            self._refuse(HTTPStatus.NOT_FOUND, f"no such endpoint {self.path!r}: POST /run_code, POST /verify")
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required", close=True)
            return
        if int(length) > self.server.service.config.max_body_bytes:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body is {length} bytes; the limit is "
                         f"{self.server.service.config.max_body_bytes} (serve --max-body-mb)", close=True)
            return
        try:
            request = json.loads(self.rfile.read(int(length)) or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            self._refuse(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON ({e})")
            return
        self.server.service.count(+1)
        try:
            self._send(HTTPStatus.OK, route(request))
        except RequestError as e:
            self._refuse(e.status, str(e))
        finally:
            self.server.service.count(-1)

    def do_PUT(self) -> None:
        self._refuse(HTTPStatus.METHOD_NOT_ALLOWED, "use POST /run_code, POST /verify or GET /health")

    do_DELETE = do_PATCH = do_PUT


class Server(ThreadingHTTPServer):
    """The HTTP server; `serve()` runs it until SIGTERM/SIGINT, then drains in-flight requests and stops."""

    daemon_threads = False  # server_close() waits for the requests in flight (graceful shutdown)
    block_on_close = True

    def __init__(self, address: tuple[str, int], service: Service, verbose: bool = False) -> None:
        super().__init__(address, Handler)
        self.service = service
        self.verbose = verbose
        self.isolation = service.isolation()  # starts one sandbox now: a broken machine fails before serving

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop accepting, let the requests in flight finish, close the executors (callable from any thread
        but the one running `serve_forever`)."""
        self.service.draining = True
        self.shutdown()

    def close(self) -> None:
        self.server_close()  # joins the request threads
        self.service.close()


def serve(host: str, port: int, config: ServeConfig, verbose: bool = False) -> int:
    """Run until SIGTERM or Ctrl-C; prints the URL and the isolation line first."""
    service = Service(config)
    server = Server((host, port), service, verbose)
    print(f"codereasoner serve: {server.url} (POST /run_code, POST /verify, GET /health); {config.workers} workers, "
          f"run_timeout ≤ {config.max_timeout_s:g} s, {config.memory_mb} MB", file=sys.stderr, flush=True)

    def on_signal(signum: int, frame: object) -> None:
        print("codereasoner serve: draining (finishing requests in flight)", file=sys.stderr, flush=True)
        threading.Thread(target=server.stop, daemon=True).start()  # shutdown() must not run on this thread

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.serve_forever()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        server.close()
    print("codereasoner serve: stopped", file=sys.stderr, flush=True)
    return 0
