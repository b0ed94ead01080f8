"""`codereasoner benchmarks fetch|where`: get the benchmarks' official files into the cache, or show where
they are looked for.

`fetch NAME|all` downloads each file from its official source at a pinned commit and keeps it only when its
sha256 is the pinned one (docs/benchmarks.md lists sources, licences and checksums). Files go to
$CODEREASONER_BENCHMARKS when set, else the user cache ($XDG_CACHE_HOME/codereasoner/benchmarks, by default
~/.cache/codereasoner/benchmarks); `eval --data PATH` overrides both for one command.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXAMPLE = ("examples:\n"
           "  codereasoner benchmarks fetch all\n"
           "  codereasoner benchmarks fetch cruxeval --to data/benchmarks\n"
           "  codereasoner benchmarks where")


def add_parser(sub: Any) -> None:
    from codereasoner.evaluation.fetch import SOURCES

    p = sub.add_parser("benchmarks", help="download the benchmarks' official files (checked) or show where they are",
                       description=__doc__.split("\n\n")[1] if __doc__ else None, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = p.add_subparsers(dest="benchmarks_command", metavar="{fetch,where}")
    f = verbs.add_parser("fetch", help="download and check official files", epilog=EXAMPLE,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    f.add_argument("names", nargs="+", metavar="NAME", help=f"benchmarks: {', '.join(SOURCES)}, or all")
    f.add_argument("--to", default=None, help="folder to fill (default: the benchmarks folder `where` prints)")
    f.add_argument("--mirror", default=None,
                   help="base URL of a mirror with the same host/path layout (e.g. a local copy served over HTTP)")
    f.set_defaults(run=run_fetch)
    w = verbs.add_parser("where", help="the benchmarks folder and which benchmarks' files are in it")
    w.set_defaults(run=run_where)
    p.set_defaults(run=lambda args: (p.print_help(sys.stderr), 2)[1])


def run_fetch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from codereasoner.config import benchmarks_root
    from codereasoner.evaluation.fetch import fetch

    root = Path(args.to) if args.to else benchmarks_root()
    done = fetch(args.names, root, mirror=args.mirror, log=lambda m: print(m, file=sys.stderr))
    for name, statuses in done.items():
        print(f"{name}\t{len(statuses)} files\t{root}")
    return 0


def run_where(args: argparse.Namespace) -> int:
    from codereasoner.config import BENCHMARKS_ENV, benchmarks_root
    from codereasoner.evaluation.fetch import SOURCES

    root = benchmarks_root()
    print(f"{root}  (${BENCHMARKS_ENV} or the user cache; `eval --data` overrides)")
    for name, sources in SOURCES.items():
        present = sum((root / s.path).is_file() for s in sources)
        print(f"  {name}: {present}/{len(sources)} official files")
    return 0
