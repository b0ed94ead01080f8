"""Foundation (layer 0, stdlib and jsonl): a small client for OpenAI-compatible endpoints, and a local server.

Used by LLM program synthesis (programs/llm.py), teacher distillation (rationale/) and API evaluation
backends. Any server that speaks `/v1/chat/completions` or `/v1/completions` works: vLLM, llama.cpp,
a hosted API.

    client = OpenAIClient("http://127.0.0.1:8000/v1", "Qwen/Qwen2.5-Coder-7B-Instruct", cache_dir="cache/llm")
    outs = client.chat([[{"role": "user", "content": "hi"}]], n=2, temperature=0.8, max_tokens=64)
    outs[0]  # -> two strings, the choices for the first conversation

- `base_url` ends where the OpenAI SDK's does (`.../v1`); the API key is `api_key`, else `$OPENAI_API_KEY`.
- Requests run on `concurrency` threads; results come back in input order.
- 429, 5xx, timeouts and connection errors are retried `retries` times with exponential backoff
  (honouring `Retry-After`); other 4xx fail at once with an `OpenAIError` naming the endpoint.
- With `cache_dir`, each answered request is stored as one JSON file named by the hash of the request
  (endpoint + body), written atomically, so an interrupted run resumes where it stopped. Sampling with
  temperature > 0 is cached too: rerunning gives the same samples (that is the point of resuming).

`LocalServer(responder)` is a real HTTP server on 127.0.0.1 (ephemeral port) that speaks both endpoints,
for tests and offline demos; `responder(endpoint, body) -> list[str]` makes the choices.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from codereasoner.jsonl import write_atomic

Messages = list[dict[str, str]]
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class OpenAIError(RuntimeError):
    """A request that failed for good (after retries, or at once for a client error)."""


class OpenAIClient:
    """Chat and completion requests with concurrency, retries and an on-disk cache (see module docstring)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        concurrency: int = 8,
        retries: int = 3,
        timeout_s: float = 60.0,
        cache_dir: str | Path | None = None,
        *,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
    ) -> None:
        if concurrency < 1 or retries < 0 or timeout_s <= 0:
            raise ValueError("OpenAIClient: concurrency >= 1, retries >= 0 and timeout_s > 0 are required")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.concurrency = concurrency
        self.retries = retries
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.stats = {"requests": 0, "cache_hits": 0, "retries": 0}
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        # a local server (vLLM on this machine, tests) must not be sent through an http_proxy from the env
        local = host in ("127.0.0.1", "localhost", "::1")
        self._opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if local else []))
        self._stats_lock = threading.Lock()

    # ---- public API -------------------------------------------------------------------------------
    def chat(self, messages_list: Sequence[Messages], n: int = 1, temperature: float = 0.0,
             max_tokens: int = 1024, **extra: Any) -> list[list[str]]:
        """`n` choices for each conversation, via /chat/completions, in input order."""
        bodies = [{"model": self.model, "messages": list(m), "n": n, "temperature": temperature,
                   "max_tokens": max_tokens, **extra} for m in messages_list]
        return self._map("/chat/completions", bodies, n)

    def complete(self, prompts: Sequence[str | Messages], n: int = 1, temperature: float = 0.0,
                 max_tokens: int = 1024, **extra: Any) -> list[list[str]]:
        """`n` choices per prompt via /completions; an item that is a message list goes to `chat`."""
        jobs = []
        for p in prompts:
            if isinstance(p, str):
                jobs.append(("/completions", {"model": self.model, "prompt": p, "n": n, "temperature": temperature,
                                              "max_tokens": max_tokens, **extra}))
            else:
                jobs.append(("/chat/completions", {"model": self.model, "messages": list(p), "n": n,
                                                   "temperature": temperature, "max_tokens": max_tokens, **extra}))
        return self._run_jobs(jobs, n)

    # ---- machinery --------------------------------------------------------------------------------
    def _map(self, endpoint: str, bodies: list[dict[str, Any]], n: int) -> list[list[str]]:
        return self._run_jobs([(endpoint, b) for b in bodies], n)

    def _run_jobs(self, jobs: list[tuple[str, dict[str, Any]]], n: int) -> list[list[str]]:
        if not jobs:
            return []
        if len(jobs) == 1 or self.concurrency == 1:
            return [self._one(ep, body, n) for ep, body in jobs]
        with ThreadPoolExecutor(min(self.concurrency, len(jobs)), thread_name_prefix="openai") as pool:
            futures = [pool.submit(self._one, ep, body, n) for ep, body in jobs]
            try:
                return [f.result() for f in futures]
            except BaseException:
                for f in futures:
                    f.cancel()
                raise

    def _cache_path(self, endpoint: str, body: dict[str, Any]) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(json.dumps({"endpoint": endpoint, "body": body}, sort_keys=True).encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    def _one(self, endpoint: str, body: dict[str, Any], n: int) -> list[str]:
        path = self._cache_path(endpoint, body)
        if path is not None and path.exists():
            try:
                cached = json.loads(path.read_text(encoding="utf-8"))
                self._count("cache_hits")
                return [str(c) for c in cached["choices"]]
            except (OSError, ValueError, KeyError, TypeError):
                pass  # a damaged entry: ask again and overwrite it
        choices: list[str] = []
        while len(choices) < n:  # some servers ignore `n`: ask again for the rest
            got = self._post(endpoint, {**body, "n": n - len(choices)})
            if not got:
                raise OpenAIError(f"POST {self.base_url}{endpoint}: the answer has no choices")
            choices.extend(got)
        choices = choices[:n]
        if path is not None:
            write_atomic(path, json.dumps({"endpoint": endpoint, "request": body, "choices": choices}))
        return choices

    def _post(self, endpoint: str, body: dict[str, Any]) -> list[str]:
        url = f"{self.base_url}{endpoint}"
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._count("retries")
            self._count("requests")
            wait = None
            try:
                req = urllib.request.Request(url, data=data, headers=headers, method="POST")
                with self._opener.open(req, timeout=self.timeout_s) as resp:
                    payload = json.loads(resp.read().decode("utf-8"))
                return _choices(endpoint, payload, url)
            except urllib.error.HTTPError as e:
                detail = _excerpt(e)
                if e.code not in RETRY_STATUSES:
                    hint = " (check the API key)" if e.code in (401, 403) else ""
                    raise OpenAIError(f"POST {url} failed with HTTP {e.code}{hint}: {detail}") from None
                last = f"HTTP {e.code}: {detail}"
                wait = _retry_after(e)
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as e:
                last = f"{type(e).__name__}: {getattr(e, 'reason', e)}"
            except (ValueError, KeyError, TypeError) as e:  # a garbled answer: worth another try
                last = f"unreadable answer: {e}"
            if attempt < self.retries:
                delay = min(self.max_backoff_s, self.backoff_s * 2**attempt) * (0.5 + random.random() / 2)
                time.sleep(min(self.max_backoff_s, wait) if wait is not None else delay)
        raise OpenAIError(f"POST {url} failed after {self.retries + 1} attempts; last error: {last}")

    def _count(self, name: str) -> None:
        with self._stats_lock:
            self.stats[name] += 1


def _choices(endpoint: str, payload: Any, url: str) -> list[str]:
    items = sorted(payload["choices"], key=lambda c: c.get("index", 0))
    if endpoint == "/chat/completions":
        return [c["message"]["content"] or "" for c in items]
    return [c["text"] for c in items]


def _excerpt(e: urllib.error.HTTPError) -> str:
    try:
        return e.read().decode("utf-8", "replace")[:300]
    except OSError:
        return str(e.reason)


def _retry_after(e: urllib.error.HTTPError) -> float | None:
    value = e.headers.get("Retry-After") if e.headers else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


# ---- a local server speaking the same API (tests, offline demos) -----------------------------------
Responder = Callable[[str, dict[str, Any]], list[str]]


class _BackloggedServer(ThreadingHTTPServer):
    """The standard library's listen backlog is 5: a client opening more connections at once loses a SYN,
    which the kernel resends only after a second."""

    request_queue_size = 128


class LocalServer:
    """An OpenAI-compatible HTTP server on 127.0.0.1 in a background thread.

    `responder(endpoint, body)` returns the choices ("/chat/completions" or "/completions"). `fail(status,
    times)` makes the next `times` requests answer `status`; `api_key` makes it demand that bearer token;
    `requests` records every body received. Use as a context manager; `base_url` ends in /v1.
    """

    def __init__(self, responder: Responder, api_key: str | None = None) -> None:
        self.responder = responder
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._httpd = _BackloggedServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def fail(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._send(400, {"error": {"message": "body is not JSON"}})
                    return
                endpoint = self.path.removeprefix("/v1")
                with server._lock:
                    server.requests.append(body)
                    status = server._failures.pop(0) if server._failures else 200
                if status != 200:
                    self._send(status, {"error": {"message": f"injected failure {status}"}})
                    return
                if server.api_key and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    self._send(401, {"error": {"message": "invalid api key"}})
                    return
                if endpoint not in ("/chat/completions", "/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                texts = server.responder(endpoint, body)
                if endpoint == "/chat/completions":
                    choices = [{"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
                               for i, t in enumerate(texts)]
                else:
                    choices = [{"index": i, "text": t, "finish_reason": "stop"} for i, t in enumerate(texts)]
                self._send(200, {"object": "chat.completion" if "chat" in endpoint else "text_completion",
                                 "model": body.get("model", ""), "choices": choices})

        return Handler
