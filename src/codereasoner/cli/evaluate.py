"""`codereasoner eval score|run|compare`: score existing generations, evaluate a model, diff two runs.

`score` needs no model (a generations file in, SCORES.json out; docs/scoring.md); `run`
generates with a backend, scores and writes a report directory; `compare` prints what changed between
two report directories. Stage code is imported inside the handlers so `--help` stays light.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score generations, evaluate a model on benchmarks, compare runs",
                       epilog="example: codereasoner eval score --benchmark cruxeval --task output "
                       "--generations gens.json -o scores.json")
    verbs = p.add_subparsers(dest="verb", metavar="VERB")

    s = verbs.add_parser(
        "score",
        help="score an existing generations file (no model needed)",
        epilog="example: codereasoner eval score --benchmark cruxeval --task output "
        "--generations gens.json --mode official -o scores.json",
    )
    s.add_argument("--benchmark", required=True, help="cruxeval, lcb_exec, reval, codegen")
    s.add_argument("--task", default=None, help="task kind, e.g. output or input (default: the benchmark's first)")
    s.add_argument("--generations", required=True, metavar="FILE",
                   help='GEN.json {"<item id>": [answer, ...]} (official format), human-eval/evalplus samples.jsonl '
                   '({"task_id", "completion"|"solution"} per line, .gz too), or eval run\'s '
                   'RUN/generations/<benchmark>-<task>-<style>.jsonl (raw text, extracted with that style)')
    s.add_argument("--style", default=None,
                   help="prompt style of raw eval-run generations (default: read from the file name)")
    s.add_argument("--data", default=None, help="benchmark data file/dir (default: $CODEREASONER_BENCHMARKS/...)")
    s.add_argument("--mode", default="official", choices=["official", "strict"])
    s.add_argument("--workers", type=int, default=None, help="executor worker processes (default: CPU count)")
    s.add_argument("-o", "--output", default="-",
                   help="SCORES.json path (default: stdout); scoring progress is journaled beside it "
                   "(.NAME.progress.jsonl), so a killed run resumes where it stopped")
    s.set_defaults(run=run_score)

    r = verbs.add_parser(
        "run",
        help="generate with a model, score, and write report.json / report.md / scores.png",
        epilog="example: codereasoner eval run --benchmark cruxeval --backend hf --model runs/grpo/final "
        "--style codereasoner --limit 50 -o runs/eval-grpo",
    )
    r.add_argument("--benchmark", required=True, action="append", help="repeatable; e.g. cruxeval")
    r.add_argument("--task", action="append", default=None, help="task kind(s); default: the benchmark's first")
    r.add_argument("--backend", default="hf", choices=["hf", "vllm", "openai"])
    r.add_argument("--model", required=True, help="local path or hub name (openai: the served model name)")
    r.add_argument("--base-url", default=None, help="openai backend: e.g. http://127.0.0.1:8000/v1")
    r.add_argument("--api-key", default=None, help="openai backend (default: $OPENAI_API_KEY or none)")
    r.add_argument("--style", default=None, help="prompt style: direct, cot, codereasoner, execverify, stepcodereasoner")
    r.add_argument("--n", type=int, default=1, help="samples per item (pass@k needs n >= k)")
    r.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (the papers' setting)")
    r.add_argument("--top-p", type=float, default=1.0)
    r.add_argument("--max-new-tokens", type=int, default=None,
                   help="generation budget per answer (default: the --recipe's evaluation.max_new_tokens, "
                   "e.g. 12288 for execverify, else 1024)")
    r.add_argument("--recipe", default=None,
                   help="take the generation budget from this recipe's `evaluation:` section (docs/recipes.md)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--limit", type=int, default=None, help="only the first K items of each benchmark")
    r.add_argument("--data", default=None, help="benchmark data file/dir")
    r.add_argument("--mode", default="official", choices=["official", "strict"])
    r.add_argument("-o", "--output", required=True, help="run directory (resumes from its generation cache)")
    r.set_defaults(run=run_run)

    c = verbs.add_parser(
        "compare", help="what changed between two runs, per benchmark and task kind",
        epilog="example: codereasoner eval compare runs/eval-sft runs/eval-grpo",
    )
    c.add_argument("runs", nargs=2, metavar="RUN")
    c.set_defaults(run=run_compare)
    p.set_defaults(run=lambda args: (p.print_help(sys.stderr), 2)[1])


def run_score(args: argparse.Namespace) -> int:
    from pathlib import Path

    from codereasoner.evaluation.scoring import score_file

    started = time.perf_counter()
    journal = None if args.output == "-" else Path(args.output).with_name(f".{Path(args.output).name}.progress.jsonl")
    doc = score_file(args.benchmark, args.generations, task=args.task, data=args.data, mode=args.mode,
                     workers=args.workers, style=args.style, journal=journal)
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))  # a lone surrogate becomes its JSON escape
    else:
        from codereasoner.jsonl import write_atomic

        write_atomic(args.output, text)
        assert journal is not None
        journal.unlink(missing_ok=True)  # the scores are written: the journal has served
    shown = "  ".join(f"{k} {doc[k]:.2f}%" for k in doc if k.startswith("pass@") or k == "accuracy")
    print(f"{args.benchmark}/{doc.get('task')}: {shown} ({args.mode}, {time.perf_counter() - started:.1f} s)",
          file=sys.stderr)
    return 0


def run_run(args: argparse.Namespace) -> int:
    from codereasoner.outdir import lock

    if args.backend != "openai":
        _check_model(args.model)  # before the lock creates -o, and before transformers asks the hub
    with lock(args.output):  # one run per directory: two runs would interleave their generation caches
        return _run_locked(args)


def _check_model(model: str) -> None:
    """A local checkpoint directory, or a hub name `NAME`/`ORG/NAME`; anything else is a path that is missing."""
    from pathlib import Path

    path = Path(model).expanduser()
    if path.is_dir():
        return
    looks_like_path = (path.exists() or model.startswith((".", "/", "~")) or model.count("/") > 1
                       or (model.count("/") == 1 and path.parent.is_dir()))
    if looks_like_path:
        raise FileNotFoundError(f"--model {model}: no such checkpoint directory (train one with `codereasoner train "
                                "... -o DIR` and pass DIR/final, or give a hub name ORG/NAME)")


def _run_locked(args: argparse.Namespace) -> int:
    from codereasoner.evaluation.backends import BACKENDS, Sampling
    from codereasoner.evaluation.harness import evaluate
    from codereasoner.evaluation.report import markdown, write_run

    budget = args.max_new_tokens
    if budget is None:
        from codereasoner.recipe import load_recipe

        budget = load_recipe(args.recipe).evaluation.max_new_tokens if args.recipe else 1024
    sampling = Sampling(n=args.n, temperature=args.temperature, top_p=args.top_p,
                        max_new_tokens=budget, seed=args.seed)
    try:  # fail fast: the backend (and its extra) before any benchmark is generated
        if args.backend == "openai":
            import os

            backend = BACKENDS.get("openai")(args.model, base_url=args.base_url,
                                             api_key=args.api_key or os.environ.get("OPENAI_API_KEY"))
        else:
            backend = BACKENDS.get(args.backend)(args.model)
    except ImportError as e:
        print(f"codereasoner: error: {e}", file=sys.stderr)
        return 2
    reports = evaluate(backend, args.benchmark, task_kinds=args.task, style=args.style, sampling=sampling,
                       mode=args.mode, data=args.data, limit=args.limit, out_dir=args.output)
    config = {"backend": args.backend, "model": args.model, "style": args.style or "(benchmark default)",
              "mode": args.mode, "n": args.n, "temperature": args.temperature, "limit": args.limit,
              "max_new_tokens": budget}
    write_run(args.output, reports, config)
    sys.stdout.write(markdown(reports, config))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from codereasoner.evaluation.report import compare

    sys.stdout.write(compare(*args.runs))
    return 0
