"""The pages as a phone, a laptop and assistive technology meet them: nothing reaches past
a 390 px screen; on a 1366×768 laptop Train's Start, then its live charts, are on the first
screen; axe-core (WCAG 2.1 AA rules) finds no critical violation and at most two serious ones
on any page, tab or view, light and dark. What axe still finds is Streamlit's own widget styling
(docs/accessibility.md); a regression of ours fails here."""

import re

import pytest

from core.store.learners import COOKIE_NAME
from docs.screenshots import SECRET, SIZES, TEACHER_KEY, pretrained_store, settled
from tests.support.browser import overflowing, serve_app

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install -r requirements-dev.txt")
pytestmark = pytest.mark.real_data

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
MOST_SERIOUS = 2
COMPARE_TABS = ("Test accuracy", "Where each fails", "Disagreements", "My drawings")
INSIDE_VIEWS = ("looks", "layers", "network", "map", "bend")

PAGES = ("home", "lessons", "lessons?lesson=03-learning-rate", "train", "compare", "draw", "leaderboard")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app on a store holding the learner's three quick models (as after a quick race) and
    a class of six, with a teacher key (the learner is the class's teacher)."""
    root = tmp_path_factory.mktemp("layout-runs")
    pretrained_store(root)
    with serve_app(root, env={"DIGITS_TEACHER_KEY": TEACHER_KEY}) as url:
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
            assert touching_legends(page) == [], path
        page.goto(f"{served}/draw")  # the three chosen models' chips wrap inside the picker, each whole
        settled(page)
        inside = page.get_by_test_id("stMultiSelect").first.evaluate("""picker => {
            const box = picker.querySelector('[role="group"]').getBoundingClientRect();
            return [...picker.querySelectorAll('[data-testid="stMultiSelectTagsContainer"] > span > span')].map(
                chip => { const r = chip.getBoundingClientRect();
                          return r.left >= box.left && r.right <= box.right && r.bottom <= box.bottom; }); }""")
        assert len(inside) == 3 and all(inside), inside
        page.goto(f"{served}/compare")
        settled(page)
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)  # the first tab's bars
        assert page.locator(".modebar").count() == 0  # plotly's bar would cover titles and legends
        tabs = page.get_by_role("tablist").first
        assert tabs.evaluate("e => e.scrollWidth <= e.clientWidth"), "the tab bar scrolls sideways"
        for tab in ("Mistakes", "Disagree"):  # a phone's shorter names (pages/compare.py)
            page.get_by_role("tab", name=tab).click()
            settled(page)
            assert overflowing(page) == [], tab
            assert touching_legends(page) == [], tab
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


_TOUCHING_LEGENDS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(plot => {
    const title = plot.querySelector('.gtitle'), legend = plot.querySelector('.legend');
    if (!title || !legend) return [];
    const a = title.getBoundingClientRect(), b = legend.getBoundingClientRect();
    const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
    return apart ? [] : [title.textContent];
})"""


def touching_legends(page) -> list[str]:
    """The titles of the charts whose legend overlaps their title."""
    return page.evaluate(_TOUCHING_LEGENDS)


def problems(page, where: str) -> list[str]:
    """axe's critical violations, and its serious ones when there are more than MOST_SERIOUS;
    anything that sticks out past the laptop's screen, and legends over chart titles."""
    settled(page, quiet=0.4)
    sticking_out = [f"{where}: sticks out: {found}" for found in overflowing(page)]
    touching = [f"{where}: legend over the title {title!r}" for title in touching_legends(page)]
    found = axe_module.Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}}).response["violations"]
    described = [f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
                 for v in found]
    critical = [d for d, v in zip(described, found) if v["impact"] == "critical"]
    serious = [d for d, v in zip(described, found) if v["impact"] == "serious"]
    return critical + (serious if len(serious) > MOST_SERIOUS else []) + sticking_out + touching


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_and_view_passes_axe(served, browser, theme):
    context = browser.new_context(color_scheme=theme, viewport={"width": 1366, "height": 768})
    context.add_cookies([{"name": COOKIE_NAME, "value": SECRET, "url": served}])
    # every tab and view in the light theme; the dark one, which changes colours and not content, once per page
    views, tabs = (INSIDE_VIEWS, COMPARE_TABS) if theme == "light" else (INSIDE_VIEWS[:1], COMPARE_TABS[:1])
    page, found = context.new_page(), []
    for path in ("home", "lessons?lesson=03-learning-rate", "train", "draw", "leaderboard", "class",
                 "class?view=projector",
                 *(f"inside?view={view}" for view in views)):
        page.goto(f"{served}/{path}")
        found += problems(page, path)
    page.goto(f"{served}/compare")
    for tab in tabs:
        page.get_by_role("tab", name=tab).click()
        found += problems(page, f"compare, {tab}")
    if theme == "light":  # and while a training runs: its content, once
        page.goto(f"{served}/train?arch=mlp&epochs=3")
        start = page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Start")
        expect(start).to_be_enabled(timeout=60_000)
        start.click()
        expect(page.get_by_text(re.compile("examples/s")).first).to_be_visible(timeout=60_000)
        found += problems(page, "train, running")
        page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop").click()
        # the module's next tests are the same learner's: Start is back once this run has ended (stopped,
        # or finished while axe looked)
        expect(start).to_be_enabled(timeout=60_000)
    context.close()
    assert found == []


def test_the_legend_check_finds_a_legend_over_a_title_and_not_one_beside_it(browser):
    page = browser.new_page()
    box = 'position:absolute;top:0;width:100px;height:20px'
    page.set_content(
        '<div class="js-plotly-plot" style="position:relative;height:50px">'
        f'<div class="gtitle" style="{box};left:0">Over</div><div class="legend" style="{box};left:50px"></div></div>'
        '<div class="js-plotly-plot" style="position:relative;height:50px">'
        f'<div class="gtitle" style="{box};left:0">Beside</div><div class="legend" style="{box};left:150px"></div>'
        '</div>')
    found = touching_legends(page)
    page.close()
    assert found == ["Over"]
