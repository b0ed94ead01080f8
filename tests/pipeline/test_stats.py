"""95 % intervals: the Wilson interval against published values, the two-level bootstrap's basic behaviour."""

from __future__ import annotations

import pytest

from codereasoner.pipeline.stats import bootstrap, mean, wilson


def test_wilson_matches_known_values():
    lo, hi = wilson(50, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.4038, 0.5962)
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and round(hi, 4) == 0.2775
    lo, hi = wilson(151, 500)  # 0.302: about +-4 points
    assert 0.26 < lo < 0.302 < hi < 0.345
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_bootstrap_covers_the_mean_and_is_seeded():
    runs = [[1, 0, 1, 1, 0, 0, 1, 0] * 20, [1, 1, 1, 0, 0, 0, 1, 0] * 20]
    lo, hi = bootstrap(runs)
    assert lo < mean(runs) < hi and hi - lo < 0.25
    assert bootstrap(runs) == bootstrap(runs)


def test_paired_difference_of_identical_arms_is_exactly_zero_and_of_better_arm_positive():
    a = [[1, 0, 1, 0] * 50]
    assert bootstrap(a, a) == (0.0, 0.0)
    better = [[1, 1, 1, 0] * 50]
    lo, hi = bootstrap(better, a)
    assert 0 < lo <= 0.25 <= hi
    with pytest.raises(ValueError, match="same number of seeds"):
        bootstrap(a, a + a)


def test_clustered_interval_is_wider_when_tasks_of_a_cluster_agree():
    # 50 clusters of 10 tasks each, all right or all wrong together: 50 independent draws, not 500
    runs = [[1 if c % 2 else 0 for c in range(50) for _ in range(10)]]
    clusters = [str(c) for c in range(50) for _ in range(10)]
    lo, hi = bootstrap(runs)
    clo, chi = bootstrap(runs, clusters=clusters)
    assert clo < lo < 0.5 < hi < chi and (chi - clo) > 2.5 * (hi - lo)
    assert bootstrap(runs, runs, clusters=clusters) == (0.0, 0.0)
    with pytest.raises(ValueError, match="cluster labels"):
        bootstrap(runs, clusters=clusters[:-1])
