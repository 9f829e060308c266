"""The arithmetic behind `python -m bench.server class-load`'s targets."""
import pytest

from bench.server.class_load import ideal_finish, watch_cost


def test_the_ideal_finish_shares_the_training_seconds_out_over_the_slots():
    assert ideal_finish([2.0] * 30, slots=1) == pytest.approx(60.0)
    assert ideal_finish([2.0] * 30, slots=2) == pytest.approx(30.0)
    assert ideal_finish([1.0, 3.0], slots=4) == pytest.approx(3.0)  # no faster than its longest training


def test_the_watchers_cost_is_the_share_of_speed_they_took():
    assert watch_cost(90_000.0, 100_000.0) == pytest.approx(0.10)
    assert watch_cost(100_000.0, 100_000.0) == 0.0
    assert watch_cost(110_000.0, 100_000.0) < 0  # noise can make the watched case the faster
