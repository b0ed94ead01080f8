"""95 % confidence intervals for accuracies on held-out tasks, and for differences between two arms.

Test tasks are not independent: the tasks of one program skeleton (`pipeline/split.py`) tend to be right or
wrong together, so a 500-task test set holds far fewer independent draws. Every interval here is a
percentile bootstrap that resamples whole clusters (skeletons) of test tasks, and, with several seeds, the
seeds too (a two-level bootstrap): both the training-seed spread and the finite test set count.
Differences are paired: both arms use the same resampled clusters, and seeds are paired by index (the arms
of one seed share data, split and start model). Without cluster labels every task is its own cluster.
The Wilson score interval (`wilson`) is the textbook interval for independent tasks, kept for comparison.
Pure Python (no numpy), seeded: the same inputs give the same interval.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

Z95 = 1.959963984540054
BOOTSTRAP = 2000
METHOD = (f"percentile bootstrap, {BOOTSTRAP} resamples, resampling test programs by skeleton (tasks of one "
          "skeleton together) and, with several seeds, the seeds; paired between arms")


def wilson(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for `correct` successes out of `n` independent trials."""
    if n <= 0:
        raise ValueError("an interval needs at least one task")
    if not 0 <= correct <= n:
        raise ValueError(f"correct must be in [0, {n}], got {correct}")
    p = correct / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _check(runs: Sequence[Sequence[int]]) -> int:
    if not runs or not runs[0]:
        raise ValueError("need at least one run with at least one task")
    n = len(runs[0])
    if any(len(r) != n for r in runs):
        raise ValueError("every run must be scored on the same tasks")
    return n


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    pos = q * (len(values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def bootstrap(runs: Sequence[Sequence[int]], minus: Sequence[Sequence[int]] | None = None, *,
              clusters: Sequence[str] | None = None, resamples: int = BOOTSTRAP, seed: int = 0) -> tuple[float, float]:
    """95 % interval of the mean accuracy over `runs` (one 0/1 list per seed, same tasks), or of
    mean(runs) - mean(minus) when `minus` is given (paired by seed index and task). `clusters[i]` names
    task i's cluster (its skeleton); clusters are resampled whole."""
    n = _check(runs)
    if minus is not None:
        if len(minus) != len(runs) or _check(minus) != n:
            raise ValueError("paired arms need the same number of seeds and the same tasks")
        runs = [[a - b for a, b in zip(x, y)] for x, y in zip(runs, minus)]
    labels = list(clusters) if clusters is not None else [str(i) for i in range(n)]
    if len(labels) != n:
        raise ValueError(f"{len(labels)} cluster labels for {n} tasks")
    index = {c: k for k, c in enumerate(dict.fromkeys(labels))}
    sizes = [0] * len(index)
    for c in labels:
        sizes[index[c]] += 1
    sums = []  # per run, per cluster: the summed score
    for r in runs:
        per = [0] * len(index)
        for c, v in zip(labels, r):
            per[index[c]] += v
        sums.append(per)
    rng = random.Random(seed)
    k, m = len(runs), len(sizes)
    means = []
    for _ in range(resamples):
        picks = [sums[rng.randrange(k)] for _ in range(k)]
        chosen = [rng.randrange(m) for _ in range(m)]
        total = sum(sizes[c] for c in chosen) * k
        means.append(sum(per[c] for per in picks for c in chosen) / total)
    return _percentile(means, 0.025), _percentile(means, 0.975)


def mean(runs: Sequence[Sequence[int]]) -> float:
    """Mean accuracy over seeds and tasks."""
    n = _check(runs)
    return sum(map(sum, runs)) / (len(runs) * n)
