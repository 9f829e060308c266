"""The live view's own cost: /train open in a browser that has a CPU to itself (as a learner's
browser on another machine) must cost the training little, against the CLI on the same CPU
and config."""
import os

import pytest

from core.config.settings import LIVE_REFRESH_ENV

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.real_data,
    pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs: one for the browser, one to train"),
]


def test_page_open_costs_the_training_little(monkeypatch, playwright_api):
    from bench.server.live_view import measure_live_view

    monkeypatch.delenv(LIVE_REFRESH_ENV, raising=False)  # the page's default redraw rate
    result = measure_live_view("mlp", epochs=2, repeat=2, browser_cpu=max(os.sched_getaffinity(0)))
    seen = f"page {result.page_rates} vs CLI {result.cli_rates} examples/s, server shares {result.server_shares}"
    # What the live view takes from the training's CPU, read from /proc: 1.8-2.7% per run in
    # docs/benchmarks.md. A server's first run included: it took 4-7% for MLP while the first
    # "Your runs" table imported pandas mid-training. gc.collect() per redraw and the file
    # watcher, both switched off in .streamlit/config.toml, took 28-39%.
    assert max(result.server_shares) <= 0.05, seen
    # Examples/s page / CLI: 0.88-0.98 over 5 repeats (docs/benchmarks.md), but 0.72-1.13 for
    # single pairs on this shared machine, so 2 repeats (all CI's time allows) guard only against
    # gross costs.
    assert result.ratio >= 0.8, seen
