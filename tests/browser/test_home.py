"""Journey: a visitor lands on any URL and finds the app's own navigation and the home page."""
import os

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect


def test_first_visit_to_a_deep_link_uses_the_app_navigation(app_server, page):
    page.goto(f"{app_server}/train")  # the first request this server process sees
    nav = page.get_by_test_id("stSidebarNav")
    for title in ("Home", "Train", "Compare", "Draw"):
        expect(nav.get_by_text(title, exact=True)).to_be_visible(timeout=30_000)
    expect(nav.get_by_text("common", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Train")).to_be_visible()


def test_home_shows_digits_or_says_where_to_put_them(app_server, page):
    page.goto(f"{app_server}/home")
    expect(page.get_by_role("heading", name="Digits dashboard")).to_be_visible(timeout=30_000)
    if os.environ.get("DIGITS_DATA_DIR"):
        expect(page.get_by_text("60,000 training and 10,000 test images")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("label ", exact=False).first).to_be_visible()
    else:
        expect(page.get_by_text("MNIST is not available")).to_be_visible(timeout=30_000)


def test_learners_see_no_deploy_button_and_no_developer_menu(app_server, page):
    page.goto(f"{app_server}/home")
    expect(page.get_by_role("heading", name="Digits dashboard")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stToolbar")).to_be_attached()     # the header has drawn its toolbar...
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)  # ...without Streamlit's Deploy
    page.get_by_test_id("stMainMenu").click()
    expect(page.get_by_text("Clear cache")).to_have_count(0)        # and its menu without developer items
