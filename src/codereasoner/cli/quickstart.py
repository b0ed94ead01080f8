"""`codereasoner quickstart`: the README's main job on the embedded tiny model, offline, on a CPU.

build data (tiny recipe) → SFT targets (trace-guided chains, or the bare answer as the tiny recipe sets) →
tiny model from a config + locally trained tokenizer → SFT → RL tasks chosen by pass rate → GRPO →
greedy accuracy of both models on the same held-out tasks (programs never seen in training).
Writes DIR/report.json ({"sft": {"accuracy"}, "grpo": {"accuracy"}, "heldout_tasks", ...}), DIR/report.md
and PNG curves (DIR/reward.png, DIR/accuracy.png). Every stage writes its result before the next starts,
so rerunning the same command resumes (finished stages are skipped).
"""

from __future__ import annotations

import argparse
from typing import Any

EXAMPLE = "example:\n  codereasoner quickstart -o quickstart_out --threads 2"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "quickstart",
        help="tiny model, CPU, offline: data -> SFT -> GRPO -> held-out report",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-o", "--out", default="quickstart_out", help="output directory (default: quickstart_out)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2; use 1 on a shared CPU)")
    p.add_argument("--recipe", default="tiny", help="recipe name or YAML (default: tiny)")
    p.add_argument("--programs", type=int, default=None,
                   help="programs to draw (default 12000: >= 500 held-out tasks from unseen programs)")
    p.add_argument("--heldout", type=int, default=500, help="held-out tasks to evaluate on (default 500)")
    p.add_argument("--seed", type=int, default=0, help="seed for data, split and training")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a recipe field, e.g. --set train.grpo.max_steps=100 (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    report = quickstart(out_dir=args.out, recipe=args.recipe, threads=args.threads, programs=args.programs,
                        heldout=args.heldout, seed=args.seed, overrides=args.overrides,
                        progress=not args.no_progress)
    sft, grpo = report["sft"]["accuracy"], report["grpo"]["accuracy"]
    print(f"held-out tasks: {report['heldout_tasks']}  SFT accuracy: {sft:.3f}  GRPO accuracy: {grpo:.3f}  "
          f"(GRPO - SFT: {100 * (grpo - sft):+.1f} points)  report: {args.out}/report.md")
    return 0


def _split(tasks: list[Any], heldout: int, seed: int) -> tuple[list[Any], list[Any], list[Any]]:
    """(sft, rl, heldout) task lists. Held-out tasks come from programs (code) that no training task uses,
    chosen by a seeded hash so the split is stable; the rest is split between SFT and RL by program too."""
    import hashlib

    by_code: dict[str, list[Any]] = {}
    for t in tasks:
        by_code.setdefault(t.code, []).append(t)
    order = sorted(by_code, key=lambda c: hashlib.sha256(f"{seed}:{c}".encode()).hexdigest())
    held: list[Any] = []
    rest: list[str] = []
    for code in order:
        if len(held) < heldout:
            held += by_code[code]
        else:
            rest.append(code)
    if len(held) < heldout:
        raise ValueError(f"only {len(held)} tasks for {heldout} held-out ones: draw more programs (--programs)")
    held = held[:heldout]
    sft: list[Any] = []
    rl: list[Any] = []
    for i, code in enumerate(rest):
        (rl if i % 2 else sft).extend(by_code[code])
    return sft, rl, held


def quickstart(out_dir: str, recipe: str = "tiny", threads: int = 2, programs: int | None = None,
               heldout: int = 500, seed: int = 0, overrides: list[str] | None = None,
               progress: bool = True) -> dict[str, Any]:
    """Run (or resume) every stage and return the report written to OUT/report.json."""
    import json
    import time
    from pathlib import Path

    from codereasoner.config import apply_overrides, to_dict
    from codereasoner.execution import Executor
    from codereasoner.jsonl import write_atomic, write_jsonl_atomic
    from codereasoner.pipeline import build_data
    from codereasoner.rationale.sft import read_tasks, samples_from_trace
    from codereasoner.recipe import load_recipe
    from codereasoner.records import Sample, from_json
    from codereasoner.train import curves, runner
    from codereasoner.train.heldout import accuracy, accuracy_callback
    from codereasoner.train.tiny import set_threads

    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # library chatter (deprecations, weight loading) is not progress
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="trl")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rec = load_recipe(recipe, list(overrides or ()))
    rec = apply_overrides(rec, [f"train.threads={threads}", f"train.seed={seed}"])
    cfg = rec.train
    set_threads(threads)
    stages: dict[str, dict[str, Any]] = {}
    clock = time.perf_counter()

    def lap(name: str, **info: Any) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = {"seconds": round(now - clock, 1), **info}
        clock = now

    n_programs = programs or QUICKSTART_PROGRAMS
    summary = build_data(rec, n_programs, seed, out / "data", progress=progress)
    tasks = sorted(read_tasks(out / "data"), key=lambda t: t.id)
    sft_tasks, rl_tasks, held = _split(tasks, heldout, seed)
    lap("data", programs=n_programs, tasks=len(tasks), sft_tasks=len(sft_tasks), rl_tasks=len(rl_tasks))

    with Executor(workers=1) as executor:
        samples_path = out / "sft_samples.jsonl"
        if samples_path.is_file():
            samples = [from_json(Sample, json.loads(line)) for line in samples_path.read_text().splitlines()]
        else:
            if cfg.sft.chains:
                samples = [s for s in samples_from_trace(sft_tasks, executor=executor, concise=cfg.sft.concise)
                           if s.verified]
            else:
                samples = [Sample(task=t, completion=str(t.answer), origin="trace", verified=True) for t in sft_tasks]
            write_jsonl_atomic(samples_path, samples)
        lap("sft_data", samples=len(samples), chains=cfg.sft.chains)

        texts = [s.task.prompt + "\n" + s.completion for s in samples]
        model0 = runner.init_model(cfg, texts, out / "model0")
        max_new = cfg.eval_max_new_tokens

        def recorder(path: Path) -> Any:
            def record(step: int, acc: float) -> None:
                with path.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"step": step, "heldout_accuracy": acc}) + "\n")
            return record

        _, tok = runner.load(model0, cfg)
        cbs = [accuracy_callback(held, tok, cfg.eval_every, recorder(out / "sft" / "heldout.jsonl"),
                                 executor=executor, max_new_tokens=max_new)] if cfg.eval_every else []
        (out / "sft").mkdir(exist_ok=True)
        sft_model = runner.run_sft(model0, samples, cfg, out / "sft", callbacks=cbs, progress=progress)
        lap("sft", steps=cfg.sft.max_steps)
        sft_acc = _accuracy_cached(out / "sft" / "heldout_final.json", sft_model, held, cfg, executor, max_new)
        lap("eval_sft", accuracy=round(sft_acc, 4))

        (out / "grpo").mkdir(exist_ok=True)
        cbs = [accuracy_callback(held, tok, cfg.eval_every, recorder(out / "grpo" / "heldout.jsonl"),
                                 executor=executor, max_new_tokens=max_new)] if cfg.eval_every else []
        grpo_model = runner.run_grpo(sft_model, rl_tasks, cfg, out / "grpo", executor=executor, callbacks=cbs,
                                     progress=progress, reward_cfg=getattr(rec, "reward", None))
        lap("grpo", steps=cfg.grpo.max_steps, reward=cfg.grpo.reward or "output",
            note="includes RL-task selection")
        grpo_acc = _accuracy_cached(out / "grpo" / "heldout_final.json", grpo_model, held, cfg, executor, max_new)
        lap("eval_grpo", accuracy=round(grpo_acc, 4))

    model, _ = runner.load(grpo_model, cfg)
    report = {
        "sft": {"accuracy": sft_acc, "model": str(sft_model)},
        "grpo": {"accuracy": grpo_acc, "model": str(grpo_model)},
        "heldout_tasks": len(held),
        "recipe": rec.name,
        "model": {"parameters": sum(p.numel() for p in model.parameters())},
        "data": {"programs": n_programs, "tasks": summary.total_tasks},
        "stages": stages,
        "seconds": round(sum(v["seconds"] for v in stages.values()), 1),  # this run's stages (resumed ones ~0)
        "config": to_dict(cfg),
        "decoding": "greedy",
        "verifier": "strict",
    }
    sft_log = runner.read_log(out / "sft" / "log.jsonl") + runner.read_log(out / "sft" / "heldout.jsonl")
    grpo_log = runner.read_log(out / "grpo" / "log.jsonl") + runner.read_log(out / "grpo" / "heldout.jsonl")
    curves.plot_curves(sft_log, grpo_log, out, sft_acc, grpo_acc)
    write_atomic(out / "report.json", json.dumps(report, indent=2, default=str) + "\n")
    write_atomic(out / "report.md", curves.report_markdown(report))
    return report


# Programs drawn for the quickstart: after dedup/split this leaves >= 500 held-out tasks from unseen programs
# and enough SFT/RL tasks for the tiny recipe's steps (measured: 4000 programs -> ~3900 tasks, ~2000 codes).
QUICKSTART_PROGRAMS = 12000


def _accuracy_cached(path: Any, model_dir: Any, held: list[Any], cfg: Any, executor: Any, max_new: int) -> float:
    import json

    from codereasoner.jsonl import write_atomic
    from codereasoner.train import runner
    from codereasoner.train.heldout import accuracy

    if path.is_file():
        return float(json.loads(path.read_text())["accuracy"])
    model, tok = runner.load(model_dir, cfg)
    acc, verdicts = accuracy(model, tok, held, executor=executor, max_new_tokens=max_new)
    write_atomic(path, json.dumps({"accuracy": acc, "n": len(held)}) + "\n")
    return acc
