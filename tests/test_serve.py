"""`codereasoner serve` over real HTTP on localhost: SandboxFusion's /run_code as verl calls it, the batch
/verify, clear 4xx answers, one slow request never blocking the others, and a graceful stop on SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from codereasoner.serve import Server, ServeConfig, Service


def start(config: ServeConfig) -> Server:
    server = Server(("127.0.0.1", 0), Service(config))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def server():
    server = start(ServeConfig(workers=2, max_timeout_s=5.0, max_body_bytes=200_000, max_records=50))
    yield server
    server.stop()
    server.close()


def post(url: str, body: object, timeout: float = 30) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json",
                                                          "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def verl_request(url: str, code: str, stdin: str | None, timeout: int = 3) -> dict:
    """The request verl's sandbox_fusion reward sends (utils.call_sandbox_api): every field, as it sets them."""
    payload = {"compile_timeout": timeout, "run_timeout": timeout, "code": code, "stdin": stdin,
               "memory_limit_MB": 1024, "language": "python", "files": {}, "fetch_files": []}
    status, body = post(f"{url}/run_code", payload, timeout=timeout * 2 + 10)
    assert status == 200, body
    return body


def verl_verdict(resp: dict, expected: str) -> object:
    """How verl reads the response (utils._process_single_case): True/False, -2 runtime error, -3 timeout."""
    run = resp["run_result"]
    if resp["status"] == "Success" and run["status"] == "Finished":
        return run["stdout"].rstrip("\n") == expected.rstrip("\n")
    if resp["status"] == "Failed" and run["status"] == "TimeLimitExceeded":
        return -3
    if resp["status"] == "Failed" and run["status"] == "Finished" and run["return_code"] != 0:
        return -2
    return -1


SOLUTION = "n = int(input())\nprint(sum(int(x) for x in input().split()) * n)\n"


def test_run_code_speaks_sandboxfusion_as_verl_reads_it(server):
    ok = verl_request(server.url, SOLUTION, "2\n1 2 3\n")
    assert ok["status"] == "Success" and ok["compile_result"] is None and ok["files"] == {}
    assert set(ok["run_result"]) == {"status", "execution_time", "return_code", "stdout", "stderr"}
    assert ok["run_result"]["stdout"] == "12\n" and ok["run_result"]["return_code"] == 0
    assert verl_verdict(ok, "12") is True
    assert verl_verdict(verl_request(server.url, SOLUTION, "1\n1 2 3\n"), "12") is False
    crash = verl_request(server.url, "x = input()\nraise KeyError(x)", "boom")
    assert verl_verdict(crash, "") == -2 and "KeyError" in crash["run_result"]["stderr"]
    slow = verl_request(server.url, "while True:\n    pass", None, timeout=1)
    assert verl_verdict(slow, "") == -3 and slow["run_result"]["return_code"] is None
    exits = verl_request(server.url, "import sys\nprint('partial')\nsys.exit(3)", "")
    assert exits["run_result"]["return_code"] == 3 and exits["run_result"]["stdout"] == "partial\n"
    assert verl_request(server.url, "import sys\nsys.exit(0)", "")["status"] == "Success"
    broken = verl_request(server.url, "def f(:\n", "")
    assert verl_verdict(broken, "") == -2 and "SyntaxError" in broken["run_result"]["stderr"]


def test_function_style_cases_with_json_lines_on_stdin(server):
    """verl's fn_name cases: a wrapper reads one JSON argument per stdin line, calls the function, prints JSON."""
    code = ("from math import *\nfrom collections import *\nimport json, sys\n"
            "def two_sum(nums, target):\n    seen = {}\n    for i, x in enumerate(nums):\n"
            "        if target - x in seen:\n            return [seen[target - x], i]\n        seen[x] = i\n"
            "args = [json.loads(line) for line in sys.stdin.read().split('\\n')]\n"
            "print(json.dumps(two_sum(*args)))\n")
    assert verl_verdict(verl_request(server.url, code, "[2, 7, 11, 15]\n9"), "[0, 1]") is True


def test_client_code_runs_untrusted(server):
    port = server.server_address[1]
    resp = verl_request(server.url, f"import socket\nsocket.create_connection(('127.0.0.1', {port}))\nprint('in')", "")
    assert resp["status"] == "Failed" and "in" not in resp["run_result"]["stdout"]
    status, health = post_get(f"{server.url}/health")
    assert status == 200 and "untrusted" in health["isolation"] and health["status"] == "ok"


def test_a_caller_asking_for_trusted_still_runs_untrusted():
    """/verify hands the executor to shared verifying code: whatever trust that code asks for, a client's
    code runs untrusted."""
    from codereasoner.execution import Trust
    from codereasoner.serve import _Untrusted

    asked: list[object] = []

    class Recorder:
        def run(self, programs, **kwargs):
            asked.append(kwargs["trust"])
            return []

        def stream(self, programs, **kwargs):
            asked.append(kwargs["trust"])
            return iter(())

    executor = _Untrusted(Recorder())
    executor.run([], trust=Trust.TRUSTED)
    list(executor.stream([], trust="trusted"))
    executor.run([])
    assert asked == [Trust.UNTRUSTED] * 3


def post_get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_a_slow_request_holds_one_slot_and_not_the_others(server):
    """Two slots: one spends its 3 s on an endless loop while the other serves every short request."""
    finished: list[str] = []

    def call(name: str, code: str, timeout: int) -> None:
        verl_request(server.url, code, "", timeout=timeout)
        finished.append(name)

    with ThreadPoolExecutor(8) as pool:
        slow = pool.submit(call, "slow", "while True:\n    pass", 3)
        time.sleep(0.3)  # the loop has its slot
        quick = [pool.submit(call, f"q{i}", f"print({i})", 3) for i in range(6)]
        for f in [slow, *quick]:
            f.result()
    assert finished[-1] == "slow" and len(finished) == 7


@pytest.mark.parametrize("body, status, words", [
    (b"{not json", 400, "not valid JSON"),
    ({"language": "python"}, 400, "field 'code'"),
    ({"code": "print(1)", "language": "cpp"}, 400, "python only"),
    ({"code": "print(1)", "stdin": 5}, 400, "field 'stdin'"),
    ({"code": "print(1)", "run_timeout": -1}, 400, "run_timeout"),
    ({"code": "print(1)", "files": {"a.txt": "aGk="}}, 400, "not supported"),
    ({"code": "x" * 300_000}, 413, "limit is 200000"),
])
def test_bad_requests_get_a_clear_4xx(server, body, status, words):
    got, resp = post(f"{server.url}/run_code", body)
    assert got == status and words in resp["message"] and resp["status"] == "SandboxError"


def test_wrong_paths_methods_and_missing_length(server):
    assert post(f"{server.url}/nope", {})[0] == 404
    assert post_get(f"{server.url}/run_code")[0] == 405
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    conn.putrequest("POST", "/run_code")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 411 and "Content-Length" in json.loads(resp.read())["message"]
    conn.close()


def test_verify_batch_returns_one_verdict_per_record_in_order(server):
    code = "def f(x):\n    return x + 1"
    records = [{"id": "a", "task": "output", "code": code, "input": "1", "output": "2", "answer": "2"},
               {"id": "b", "task": "output", "code": code, "input": "1", "output": "2", "answer": "3"},
               {"id": "c", "task": "input", "code": code, "input": "1", "output": "2", "answer": "f(1)"},
               {"id": "d", "task": "output", "code": code},  # malformed: the others are still checked
               {"id": "e", "task": "output", "code": code, "input": "1", "output": "2",
                "answer": "__import__('os').system('true')"}]
    status, resp = post(f"{server.url}/verify", {"mode": "strict", "records": records})
    assert status == 200 and resp["mode"] == "strict"
    assert [(v["id"], v["correct"], v["status"]) for v in resp["verdicts"]] == [
        ("a", True, "correct"), ("b", False, "wrong"), ("c", True, "correct"), ("d", False, "invalid"),
        ("e", False, "unparsable")]
    assert "records[3]" in resp["verdicts"][3]["detail"]
    status, resp = post(f"{server.url}/verify", {"mode": "official", "records": records[:3]})
    assert status == 200 and [v["correct"] for v in resp["verdicts"]] == [True, False, True]
    assert post(f"{server.url}/verify", {"mode": "lenient", "records": []})[0] == 400
    assert post(f"{server.url}/verify", {"records": records[:1] * 51})[0] == 413


def test_sigterm_lets_the_request_in_flight_finish(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "codereasoner", "serve", "--port", "0", "--workers", "1"],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = None
        for line in proc.stderr:
            found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if found:
                url = found.group(1)
                break
        assert url, "no URL on stderr"
        result: dict = {}
        caller = threading.Thread(target=lambda: result.update(
            verl_request(url, "import time\ntime.sleep(2)\nprint('done')", "", timeout=10)))
        caller.start()
        deadline = time.monotonic() + 20
        while post_get(f"{url}/health")[1]["in_flight"] < 1:  # the request is being served
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        caller.join(30)
        assert result["status"] == "Success" and result["run_result"]["stdout"] == "done\n"
        assert proc.wait(30) == 0
        assert "stopped" in proc.stderr.read()
        with pytest.raises(urllib.error.URLError):
            post_get(f"{url}/health")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_real_verl_scores_through_the_server(server):
    sandbox = pytest.importorskip("verl.utils.reward_score.sandbox_fusion",
                                  reason="verl is not installed (the [verl] extra); the request/response shape "
                                         "verl uses is checked above without it")
    completion = f"```python\n{SOLUTION}```"
    score, _ = sandbox.compute_score(f"{server.url}/run_code", None, 1024, completion,
                                     {"inputs": ["2\n1 2 3\n", "1\n5\n"], "outputs": ["12", "5"]})
    assert score == 1.0
