"""pass@k: the unbiased estimator, bit-identical to CRUXEval's numpy version, and the official mean."""

from __future__ import annotations

import math

import pytest

from codereasoner.evaluation.passk import mean_pass_at_k, pass_at_k


def _numpy_reference(n: int, c: int, k: int) -> float:
    np = pytest.importorskip("numpy")  # matplotlib (a core dependency) brings numpy
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))


def test_bit_identical_to_cruxeval_numpy_estimator():
    for n in range(0, 41):
        for c in range(0, n + 1):
            for k in (1, 2, 5, 10):
                assert pass_at_k(n, c, k) == _numpy_reference(n, c, k), (n, c, k)


def test_known_values():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 6, 5) == 1.0  # n - c < k: every 5-subset holds a correct answer
    assert pass_at_k(5, 1, 5) == 1.0
    # closed form 1 - C(n-c, k) / C(n, k)
    assert pass_at_k(20, 4, 5) == pytest.approx(1 - math.comb(16, 5) / math.comb(20, 5))


def test_invalid_arguments_raise():
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 0)


def test_mean_is_percent_over_problems():
    assert mean_pass_at_k([[True, False], [False, False]], 1) == pytest.approx(25.0)
    assert mean_pass_at_k([], 1) == 0.0
