"""axe-core (WCAG 2.1 AA rules) on every page and view, light and dark: no critical violation
and at most two serious ones anywhere. What remains is Streamlit's own widget styling
(docs/accessibility.md); a regression of ours fails here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install -r requirements-dev.txt")
expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
MOST_SERIOUS = 2
COMPARE_TABS = ("Test accuracy", "Where each fails", "Disagreements", "My drawings")
INSIDE_VIEWS = ("looks", "layers", "network", "map", "bend")


@pytest.fixture(scope="module")
def trained_server(tmp_path_factory):
    """A server whose store holds a learner's three quick models and a class of six (the
    screenshots' store), with a teacher key; its URL."""
    from docs.screenshots import TEACHER_KEY, pretrained_store
    from tests.support.browser import serve_app
    root = tmp_path_factory.mktemp("accessibility-runs")
    pretrained_store(Path(root))
    with serve_app(root, env={"DIGITS_TEACHER_KEY": TEACHER_KEY}) as url:
        yield url


def problems(page, where: str) -> list[str]:
    """axe's critical violations, and its serious ones when there are more than MOST_SERIOUS."""
    from docs.screenshots import settled
    settled(page, quiet=0.4)
    found = axe_module.Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}}).response["violations"]
    described = [f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
                 for v in found]
    critical = [d for d, v in zip(described, found) if v["impact"] == "critical"]
    serious = [d for d, v in zip(described, found) if v["impact"] == "serious"]
    return critical + (serious if len(serious) > MOST_SERIOUS else [])


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_and_view_passes_axe(trained_server, browser, theme):
    from core.store.learners import COOKIE_NAME
    from docs.screenshots import SECRET
    context = browser.new_context(color_scheme=theme, viewport={"width": 1366, "height": 768})
    context.add_cookies([{"name": COOKIE_NAME, "value": SECRET, "url": trained_server}])
    page, found = context.new_page(), []
    for path in ("home", "train", "draw", "leaderboard", "class", "class?view=projector",
                 *(f"inside?view={view}" for view in INSIDE_VIEWS)):
        page.goto(f"{trained_server}/{path}")
        found += problems(page, path)
    page.goto(f"{trained_server}/compare")
    for tab in COMPARE_TABS:
        page.get_by_role("tab", name=tab).click()
        found += problems(page, f"compare, {tab}")
    page.goto(f"{trained_server}/train?arch=mlp&epochs=3")  # and while a training runs
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Start").click()
    expect(page.get_by_text(re.compile("examples/s")).first).to_be_visible(timeout=60_000)
    found += problems(page, "train, running")
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop").click()
    context.close()
    assert found == []
