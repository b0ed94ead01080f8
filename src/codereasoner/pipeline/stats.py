"""95 % confidence intervals for accuracies on held-out tasks, and for differences between two arms.

- One model, n tasks: the Wilson score interval (good coverage at small n and near 0 or 1, unlike the
  normal approximation).
- Several seeds of one arm, or the difference between two arms scored on the same tasks: a percentile
  bootstrap that resamples seeds and tasks together (a two-level bootstrap), so both the training-seed
  spread and the finite test set count. Differences are paired: both arms use the same resampled tasks
  and seeds are paired by index (the arms of one seed share data, split and start model).
Pure Python (no numpy), seeded: the same inputs give the same interval.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

Z95 = 1.959963984540054
BOOTSTRAP = 2000
METHOD = ("Wilson score interval for one run; percentile bootstrap over seeds and held-out tasks "
          f"({BOOTSTRAP} resamples, paired between arms) for several seeds and for differences")


def wilson(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for `correct` successes out of `n`."""
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
              resamples: int = BOOTSTRAP, seed: int = 0) -> tuple[float, float]:
    """95 % interval of the mean accuracy over `runs` (one 0/1 list per seed, same tasks), or of
    mean(runs) - mean(minus) when `minus` is given (paired by seed index and task)."""
    n = _check(runs)
    if minus is not None:
        if len(minus) != len(runs) or _check(minus) != n:
            raise ValueError("paired arms need the same number of seeds and the same tasks")
        runs = [[a - b for a, b in zip(x, y)] for x, y in zip(runs, minus)]
    rng = random.Random(seed)
    k = len(runs)
    means = []
    for _ in range(resamples):
        picks = [runs[rng.randrange(k)] for _ in range(k)]
        idx = [rng.randrange(n) for _ in range(n)]
        means.append(sum(sum(r[i] for i in idx) for r in picks) / (k * n))
    return _percentile(means, 0.025), _percentile(means, 0.975)


def mean(runs: Sequence[Sequence[int]]) -> float:
    """Mean accuracy over seeds and tasks."""
    n = _check(runs)
    return sum(map(sum, runs)) / (len(runs) * n)
