"""The hostile soak (`python -m bench.server soak`) in CI's benchmark step: 8 visitors asking
a hosted server for the largest trainings it allows, for 30 s."""

import pytest
from helpers import hosted_defaults

pytestmark = [pytest.mark.benchmark, pytest.mark.real_data]


def test_largest_allowed_trainings_stay_within_memory_disk_and_queue_bounds(monkeypatch):
    from bench.server.soak import run_soak
    hosted_defaults(monkeypatch, DIGITS_STORE_MAX_MB="200")  # the benchmark sets it too: undone after the test
    result = run_soak(visitors=8, seconds=30, store_mb=200)
    assert result["problems"] == []
    assert result["submitted"] >= 8                       # every visitor got to train
    assert result["peak_store_mb"] > 50                   # the big model files really were written...
    assert result["peak_store_mb"] <= 200 + 60            # ...and pruned back under the cap
