"""OpenAIClient against a real local HTTP server: both endpoints, n, order, retries, cache, errors."""

from __future__ import annotations

import json
import time

import pytest

from codereasoner.openai_client import LocalServer, OpenAIClient, OpenAIError


def echo(endpoint: str, body: dict) -> list[str]:
    text = body["messages"][-1]["content"] if endpoint == "/chat/completions" else body["prompt"]
    return [f"{text}#{i}" for i in range(body.get("n", 1))]


def client(server: LocalServer, tmp_path=None, **kw) -> OpenAIClient:
    kw.setdefault("backoff_s", 0.01)
    return OpenAIClient(server.base_url, "test-model", api_key="sk-test",
                        cache_dir=tmp_path / "cache" if tmp_path else None, **kw)


def test_chat_and_completions_in_order_with_n():
    with LocalServer(echo) as server:
        c = client(server, concurrency=4)
        out = c.chat([[{"role": "user", "content": f"q{i}"}] for i in range(10)], n=2, temperature=0.5)
        assert out == [[f"q{i}#0", f"q{i}#1"] for i in range(10)]
        assert c.complete(["a", "b"]) == [["a#0"], ["b#0"]]
        mixed = c.complete(["p", [{"role": "user", "content": "m"}]])
        assert mixed == [["p#0"], ["m#0"]]
        body = server.requests[0]
        assert body["model"] == "test-model" and body["temperature"] == 0.5 and body["n"] == 2


def test_server_ignoring_n_is_asked_again():
    with LocalServer(lambda ep, body: ["only one"]) as server:
        assert client(server).complete(["x"], n=3) == [["only one"] * 3]
        assert len(server.requests) == 3


def test_500_then_ok_is_retried():
    with LocalServer(echo) as server:
        server.fail(500, times=2)
        c = client(server, retries=3)
        assert c.complete(["hello"]) == [["hello#0"]]
        assert c.stats["retries"] == 2 and len(server.requests) == 3


def test_429_honours_retry_after_and_gives_up_after_retries():
    with LocalServer(echo) as server:
        server.fail(503, times=5)
        c = client(server, retries=2)
        with pytest.raises(OpenAIError, match=r"failed after 3 attempts.*HTTP 503"):
            c.complete(["x"])
        assert server.base_url in str(c.base_url)


def test_client_errors_fail_at_once_naming_the_endpoint():
    with LocalServer(echo, api_key="right") as server:
        c = OpenAIClient(server.base_url, "m", api_key="wrong", backoff_s=0.01)
        with pytest.raises(OpenAIError) as err:
            c.chat([[{"role": "user", "content": "x"}]])
        assert "401" in str(err.value) and f"{server.base_url}/chat/completions" in str(err.value)
        assert "wrong" not in str(err.value)  # never echo the key
        assert len(server.requests) == 1  # no retry on a client error


def test_connection_refused_is_retried_then_reported():
    c = OpenAIClient("http://127.0.0.1:9/v1", "m", retries=1, backoff_s=0.01, timeout_s=2)
    with pytest.raises(OpenAIError, match="127.0.0.1:9"):
        c.complete(["x"])


def test_cache_hit_skips_the_server_and_survives_restart(tmp_path):
    with LocalServer(echo) as server:
        c = client(server, tmp_path)
        first = c.complete(["a", "b"], n=2, temperature=0.8)
        assert len(server.requests) == 2
    with LocalServer(lambda ep, body: ["DIFFERENT"] * body["n"]) as server:
        c2 = client(server, tmp_path)
        assert c2.complete(["a", "b"], n=2, temperature=0.8) == first  # resumed from disk
        assert c2.stats["cache_hits"] == 2 and server.requests == []
        assert c2.complete(["a"], n=2, temperature=0.9) == [["DIFFERENT", "DIFFERENT"]]  # other request, no hit
    files = list((tmp_path / "cache").rglob("*.json"))
    assert len(files) == 3 and all(json.loads(f.read_text())["choices"] for f in files)
    assert not list((tmp_path / "cache").rglob("*.tmp"))  # jsonl.write_atomic's temp files


def test_concurrency_overlaps_requests():
    def slow(endpoint, body):
        time.sleep(0.2)
        return ["ok"]

    with LocalServer(slow) as server:
        c = client(server, concurrency=8)
        start = time.perf_counter()
        assert c.complete([str(i) for i in range(8)]) == [["ok"]] * 8
        assert time.perf_counter() - start < 1.0  # 8 x 0.2 s serially
