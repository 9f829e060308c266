"""A fresh server's first views: its first page's heading soon after it starts (opened at / or
straight at /train), and its first Compare with the bent-digit bars of three trained runs
without bending the test set."""
import pytest

pytestmark = [pytest.mark.benchmark, pytest.mark.real_data]  # trains the three fast presets on MNIST first


def test_a_fresh_server_shows_its_first_page_and_first_compare_within_loose_limits(playwright_api):
    from bench.server.first_views import measure_first_views

    views = measure_first_views(repeat=1, lazy=False, quick=True)["stored"]
    seen = (f"heading {views.heading} s from spawn, Home whole {views.home} s, Compare {views.compare} s, "
            f"/train's heading {views.linked} s from spawn")
    # Quiet, the 2-core machine drew the heading 2.0 s after the spawn and Compare's bars 5.9 s after
    # navigating (docs/benchmarks.md, Fast first views); the limits leave room for a loaded CI machine.
    assert views.heading[0] <= 8.0, seen
    assert views.home[0] <= 10.0, seen  # Home whole: 2.8 s quiet, without torch; 4.6 s when Home imported it
    assert views.linked[0] <= 8.0, seen  # a link to /train: 1.8 s quiet; 3.3 s when its page imported torch first
    assert views.compare[0] <= 25.0, seen
