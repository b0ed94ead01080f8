"""`codereasoner serve` throughput: /run_code requests per second over real HTTP on localhost, against a
process-per-request baseline measured in the same run.

The baseline is how SandboxFusion runs Python (a new `python file.py < stdin` per request), here without any
HTTP or isolation, so it is the cheaper side of the comparison. Both sides run the same N stdin programs
with the same number of concurrent clients; every answer is checked.

    python bench/bench_serve.py [--requests 200] [--workers 2] [--clients 8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROGRAM = "n = int(input())\nxs = list(map(int, input().split()))\nprint(sum(x * x for x in xs[:n]))\n"


def cases(n: int) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        xs = list(range(i % 50 + 1))
        out.append((f"{len(xs)}\n{' '.join(map(str, xs))}\n", f"{sum(x * x for x in xs)}\n"))
    return out


def via_serve(url: str, stdin: str) -> str:
    body = json.dumps({"code": PROGRAM, "language": "python", "stdin": stdin, "run_timeout": 10}).encode()
    req = urllib.request.Request(f"{url}/run_code", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())["run_result"]["stdout"]


def via_process(path: Path, stdin: str) -> str:
    return subprocess.run([sys.executable, str(path)], input=stdin, capture_output=True, text=True,
                          timeout=60).stdout


def timed(fn, work: list[tuple[str, str]], clients: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        got = list(pool.map(lambda case: fn(case[0]), work))
    seconds = time.perf_counter() - start
    wrong = sum(g != want for g, (_, want) in zip(got, work))
    if wrong:
        raise SystemExit(f"{wrong} wrong answers")
    return len(work) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="server sandbox slots")
    parser.add_argument("--clients", type=int, default=8, help="concurrent requests (verl uses up to 64)")
    args = parser.parse_args()

    from codereasoner.serve import Server, ServeConfig, Service

    work = cases(args.requests)
    server = Server(("127.0.0.1", 0), Service(ServeConfig(workers=args.workers)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        via_serve(server.url, work[0][0])  # warm: the slots' sandboxes start on first use
        served = timed(lambda stdin: via_serve(server.url, stdin), work, args.clients)
    finally:
        server.stop()
        server.close()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "main.py"
        path.write_text(PROGRAM)
        baseline = timed(lambda stdin: via_process(path, stdin), work, min(args.clients, args.workers))
    print(f"serve /run_code ({args.workers} slots, {args.clients} clients, HTTP, untrusted sandbox): {served:.1f} req/s")
    print(f"baseline: a new `python file.py` per request ({min(args.clients, args.workers)} at once, no HTTP, "
          f"no isolation): {baseline:.1f} req/s")
    print(f"ratio: {served / baseline:.1f}x")


if __name__ == "__main__":
    main()
