"""Training speed of the embedded tiny model on this CPU: SFT and GRPO steps per second, against baselines.

    python bench/bench_train.py [--threads 2] [--steps 20]

SFT: our settings (gradient checkpointing off on CPU) against TRL's default (checkpointing on), same model,
data and batch. Prints a table and the
ratios; not a test. Timings are only comparable on a quiet machine (docs/training.md).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from codereasoner.config import apply_overrides
from codereasoner.recipe import load_recipe
from codereasoner.records import Sample, Task


def _tasks(n: int) -> list[Task]:
    return [Task(id=f"b{i}", kind="output", code=f"def f(x):\n    y = x * {i % 7}\n    return y - {i % 5}",
                 call=f"f({i % 50})", question={"func": "f"}, answer=str((i % 50) * (i % 7) - i % 5),
                 prompt=f"def f(x):\n    y = x * {i % 7}\n    return y - {i % 5}\n>>> f({i % 50})\n") for i in range(n)]


def bench_sft(steps: int, threads: int) -> dict[str, float]:
    from codereasoner.train import runner
    from codereasoner.train.sft import build_sft_trainer

    cfg = apply_overrides(load_recipe("tiny").train, [f"sft.max_steps={steps}", f"threads={threads}"])
    tasks = _tasks(4096)
    samples = [Sample(task=t, completion=str(t.answer), origin="trace", verified=True) for t in tasks]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        start = runner.init_model(cfg, [t.prompt + str(t.answer) for t in tasks], Path(tmp) / "m0")
        for name, checkpointing in (("ours (no checkpointing)", False), ("TRL default (checkpointing)", True)):
            model, tok = runner.load(start, cfg)
            if checkpointing:
                model.gradient_checkpointing_enable()
            trainer = build_sft_trainer(model, tok, samples, cfg, Path(tmp) / name[:4], use_cpu=True)
            t0 = time.perf_counter()
            trainer.train()
            out[name] = steps / (time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    args = ap.parse_args()
    from codereasoner.train.tiny import set_threads

    set_threads(args.threads)
    rates = bench_sft(args.steps, args.threads)
    for name, rate in rates.items():
        print(f"SFT {name:32s} {rate:6.2f} steps/s (batch 64)")
    ours, base = rates["ours (no checkpointing)"], rates["TRL default (checkpointing)"]
    print(f"ratio ours / TRL default: {ours / base:.2f}x")


if __name__ == "__main__":
    main()
