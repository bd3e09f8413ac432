"""The replay's figures on arrays small enough to check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from screener.backtest.measure import (
    average_ranks,
    gap_closed,
    group_means,
    group_medians,
    nan_stat,
    row_spearman,
    spearman,
)


def test_ties_share_their_mean_rank() -> None:
    assert average_ranks(np.array([0.0, 1.0, 0.0, 1.0, 1.0])).tolist() == [1.5, 4, 1.5, 4, 4]


def test_spearman_by_hand() -> None:
    assert spearman(np.array([1, 2, 3.0]), np.array([10, 20, 30.0])) == pytest.approx(1.0)
    assert spearman(np.array([1, 2, 3.0]), np.array([3, 2, 1.0])) == pytest.approx(-1.0)
    # a flag against returns: fired names 0.10 and 0.30 among 0.00, 0.20
    x, y = np.array([1, 0, 1, 0.0]), np.array([0.10, 0.00, 0.30, 0.20])
    # ranks x: 3.5 1.5 3.5 1.5; y: 2 1 4 3 -> r = 2 / sqrt(4 * 5)
    assert spearman(x, y) == pytest.approx(2 / math.sqrt(20))
    assert math.isnan(spearman(np.ones(4), y)) and math.isnan(spearman(x[:1], y[:1]))


def test_row_spearman_equals_spearman_on_each_masked_row() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (30, 12)).astype(float)
    y = rng.normal(size=(30, 12))
    mask = rng.random((30, 12)) < 0.7
    got = row_spearman(x, y, mask)
    for j in range(30):
        want = spearman(x[j, mask[j]], y[j, mask[j]])
        assert (math.isnan(want) and math.isnan(got[j])) or got[j] == pytest.approx(want)


def test_gap_closed_by_hand() -> None:
    m0, s0 = np.array([14.0, 14, 19.5, 30, -5]), np.array([20.0, 20, 20, 20, 20])
    m1, s1 = np.array([20.0, 17, 20, 25, 20]), np.array([20.0, 20, 20, 20, 20])
    out = gap_closed(m0, s0, m1, s1)
    assert out[0] == pytest.approx(1.0)  # from -30% to 0
    assert out[1] == pytest.approx(0.5)  # from -30% to -15%
    assert math.isnan(out[2])  # within 5% of the median: no gap
    assert out[3] == pytest.approx(0.5)  # a premium halved also closes
    assert math.isnan(out[4])  # a negative multiple is no multiple


def test_group_statistics_per_day() -> None:
    values = np.array([[1.0, 3.0, np.nan, 10.0], [2.0, -1.0, 4.0, np.nan]])
    codes = np.array([0, 0, 0, 1])
    med = group_medians(values, codes, 2)
    assert med[0].tolist()[0] == 2.0 and med[0, 1] == 10.0
    assert med[1, 0] == 3.0 and np.isnan(med[1, 1])  # only positives; nothing in group 1
    means = group_means(values, codes, 2, min_count=2)
    assert means[0, 0] == 2.0 and np.isnan(means[0, 1])  # one value is under the minimum
    assert means[1, 0] == pytest.approx(5 / 3)
    assert nan_stat([np.nan], "mean") is None and nan_stat([1.0, 3.0, np.nan], "median") == 2.0
