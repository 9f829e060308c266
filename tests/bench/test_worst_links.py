"""The worst links from 16 fresh cookies on one network (`python -m bench.server worst-links`)
in CI's benchmark step, under a 10-second time limit so that it takes half a minute."""

import pytest
from helpers import hosted_defaults

pytestmark = [pytest.mark.benchmark, pytest.mark.real_data]


def test_worst_links_end_within_the_time_limit_and_a_learner_elsewhere_waits_one_training(monkeypatch):
    from bench.server.worst_links import run_worst_links
    hosted_defaults(monkeypatch, DIGITS_MAX_TRAINING_SECONDS="10")  # the benchmark sets it too: undone after the test
    result = run_worst_links(visitors=16, seconds=20, limit_seconds=10, end_margin=5.0)
    assert result["problems"] == []
    assert result["most_held"] == 4                  # the hosted share of one network, reached and kept
    assert result["refused"] > 0 and len(result["trainings"]) >= 2
    assert result["learner_wait_s"] is not None      # the learner elsewhere trained
