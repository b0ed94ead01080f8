"""`codereasoner serve`: the execution engine as an HTTP service (SandboxFusion's /run_code, a batch /verify).

The service itself is `codereasoner.serve`; this module only parses arguments (docs/serve.md).
"""

from __future__ import annotations

import argparse

EXAMPLE = """examples:
  codereasoner serve --port 8080 --workers 8
  curl -s localhost:8080/run_code -d '{"code": "print(int(input()) * 2)", "language": "python", "stdin": "21"}'
  # verl: reward.sandbox_fusion.url=http://HOST:8080/run_code
  curl -s localhost:8080/verify -d '{"mode": "strict", "records": [{"id": "0", "task": "output",
    "code": "def f(x):\\n    return x + 1", "input": "1", "output": "2", "answer": "2"}]}'
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="run the engine as an HTTP service (SandboxFusion /run_code API, batch /verify)",
        description="Serve POST /run_code (SandboxFusion's request and response, so verl's sandbox_fusion reward "
                    "and other RL stacks can use it), POST /verify (verify records in, verdicts out) and GET "
                    "/health. Every request runs in the engine's untrusted mode. Stops on SIGTERM or Ctrl-C after "
                    "the requests in flight finish. Scale by running replicas behind any HTTP load balancer.",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 to serve other machines)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    p.add_argument("--workers", type=int, default=None,
                   help="requests run at once, each in its own sandbox slot (default: CPU count)")
    p.add_argument("--max-timeout", type=float, default=30.0, metavar="S",
                   help="the most run_timeout a request gets (default 30 s; SandboxFusion's default request is 10)")
    p.add_argument("--memory-mb", type=int, default=1024, help="memory per sandboxed process (default 1024)")
    p.add_argument("--max-output-mb", type=float, default=4.0, help="stdout one run may print (default 4 MB)")
    p.add_argument("--max-body-mb", type=float, default=16.0, help="largest request body (default 16 MB; 413 above)")
    p.add_argument("--no-packages", action="store_true",
                   help="the code may not import the server's installed packages (default: it may, read-only)")
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import os

    from codereasoner.serve import ServeConfig, serve

    config = ServeConfig(workers=args.workers or os.cpu_count() or 1, max_timeout_s=args.max_timeout,
                         memory_mb=args.memory_mb,
                         max_output_bytes=int(args.max_output_mb * (1 << 20)),
                         max_body_bytes=int(args.max_body_mb * (1 << 20)), packages=not args.no_packages)
    return serve(args.host, args.port, config, verbose=args.verbose)
