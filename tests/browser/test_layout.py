"""The pages as a phone and a laptop show them: nothing reaches past a 390 px screen, and
on a 1366×768 laptop Train's Start, then its live charts, are on the first screen."""

import pytest

from core.store.learners import COOKIE_NAME
from docs.screenshots import SECRET, SIZES, pretrained_store, settled
from tests.support.browser import overflowing, serve_app

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data

PAGES = ("home", "train", "compare", "draw", "leaderboard")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app on a store holding the learner's three quick models (as after a quick race)."""
    root = tmp_path_factory.mktemp("layout-runs")
    pretrained_store(root)
    with serve_app(root) as url:
        yield url


def context_for(browser, url, size):
    context = browser.new_context(**SIZES[size])
    context.add_cookies([{"name": COOKIE_NAME, "value": SECRET, "url": url}])
    return context


def test_nothing_overflows_a_phone_screen(served, browser):
    context = context_for(browser, served, "phone")
    page = context.new_page()
    try:
        for path in PAGES:
            page.goto(f"{served}/{path}")
            settled(page)
            assert overflowing(page) == [], path
        page.goto(f"{served}/compare")
        settled(page)
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)  # the first tab's bars
        assert page.locator(".modebar").count() == 0  # plotly's bar would cover titles and legends
        for tab in ("Where each fails", "Disagreements"):
            page.get_by_role("tab", name=tab).click()
            settled(page)
            assert overflowing(page) == [], tab
    finally:
        context.close()


def test_on_a_laptop_start_and_then_the_live_charts_are_on_the_first_screen(served, browser):
    context = context_for(browser, served, "desktop")
    page = context.new_page()
    try:
        page.goto(f"{served}/train?arch=mlp&epochs=3")
        main = page.get_by_test_id("stMainBlockContainer")
        start = main.get_by_role("button", name="Start")
        expect(start).to_be_enabled(timeout=60_000)
        expect(start).to_be_in_viewport(ratio=1)
        start.click()
        charts = main.get_by_test_id("stPlotlyChart")
        expect(charts).to_have_count(2, timeout=60_000)
        for chart in (charts.nth(0), charts.nth(1)):  # most of each chart, not just its top edge
            expect(chart).to_be_in_viewport(ratio=0.6)
        stop = main.get_by_role("button", name="Stop")
        expect(stop).to_be_in_viewport(ratio=1)
        stop.click()
        expect(page.get_by_text("Stopped by request")).to_be_visible(timeout=60_000)
        expect(page.locator(".modebar").first).to_be_attached()  # a mouse gets plotly's tools on hover
    finally:
        context.close()


def test_the_overflow_check_finds_what_sticks_out_and_not_what_scrolls_in_its_box(browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_content('<div data-testid="stMain"><p style="width: 300px">fits</p>'
                     '<div style="width: 380px; overflow-x: auto"><table style="width: 900px"><tr><td>scrolls'
                     '</td></tr></table></div><img data-testid="stWide" style="width: 500px; height: 10px"></div>')
    found = overflowing(page)
    page.close()
    assert len(found) == 2 and "stWide" in found[0] and "the page is" in found[1]
