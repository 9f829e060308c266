"""Journeys: a learner is a browser. Reloads, links and new tabs keep who they are and
their running job; a second browser typing the same nickname gets none of it."""
import re

import pytest

from core.store.learners import COOKIE_NAME, Learners, learner_id
from core.store.runs import RunStore
from tests.support.browser import serve_app

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data

PAGES = {"/home": "Digits dashboard", "/lessons": "Lessons", "/train": "Train", "/compare": "Compare", "/draw": "Draw",
         "/inside": "Inside", "/leaderboard": "Leaderboard"}
NAV = [re.compile(f"{name}$") for name in ("Home", "Lessons", "Train", "Compare", "Draw", "Inside",
                                                       "Leaderboard")]  # after the icon
LONG_RUN = "/train?arch=mlp&epochs=30"   # trains for minutes: still running when the test acts
QUICK_RUN = "/train?arch=logistic&epochs=1&train_examples=5000"  # these tests ask who sees a run, not how good it is


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server of these journeys' own: eight learners start trainings at once here, and the
    session's shared server would queue every later journey's training behind theirs. Its live
    view redraws every 2 s: eight pages redrawing each second kept both cores busy drawing."""
    store = tmp_path_factory.mktemp("identity-runs")
    with serve_app(store, env={"DIGITS_LIVE_REFRESH_SECONDS": "2"}) as url:
        yield url, store


def main(page):
    return page.get_by_test_id("stMainBlockContainer")  # not Streamlit's own Stop in the header


def nickname_box(page):
    return page.get_by_test_id("stSidebar").get_by_role("textbox", name="Your nickname")


def set_nickname(page, url, name):
    page.goto(f"{url}/home")
    box = main(page).get_by_role("textbox", name="Choose a nickname")
    box.fill(name, timeout=60_000)
    box.press("Enter")
    expect(nickname_box(page)).to_have_value(name, timeout=30_000)


def test_a_reload_finds_the_running_job_and_its_stop_button(served, browser):
    url, _ = served
    ada, other = browser.new_context(), browser.new_context()
    try:
        page = ada.new_page()
        set_nickname(page, url, "ada")
        page.goto(url + LONG_RUN)
        main(page).get_by_role("button", name="Start").click(timeout=60_000)
        expect(main(page).get_by_text("examples/s")).to_be_visible(timeout=60_000)

        page.reload()                                            # F5 mid-run
        expect(main(page).get_by_text("examples/s")).to_be_visible(timeout=60_000)
        expect(nickname_box(page)).to_have_value("ada")
        expect(main(page).get_by_role("button", name="Training…")).to_be_visible()

        tab = ada.new_page()                                     # a new tab of the same browser
        tab.goto(f"{url}/train")
        expect(main(tab).get_by_text("examples/s")).to_be_visible(timeout=60_000)
        expect(main(tab).get_by_role("button", name="Stop")).to_be_enabled()

        impostor = other.new_page()                              # another browser, same nickname
        set_nickname(impostor, url, "ada")
        impostor.goto(f"{url}/train")
        expect(main(impostor).get_by_text("Press Start to train")).to_be_visible(timeout=60_000)
        expect(main(impostor).get_by_role("button", name="Stop")).to_be_disabled()
        expect(main(impostor).get_by_text("Runs you train are saved here")).to_be_visible()

        main(page).get_by_role("button", name="Stop").click()   # the owner still can
        expect(main(page).get_by_text("Stopped by request")).to_be_visible(timeout=60_000)
        expect(main(impostor).get_by_text("examples/s")).to_have_count(0)
    finally:
        ada.close(), other.close()


def test_a_nickname_survives_a_teacher_link_and_a_reload_and_names_the_run(served, browser):
    url, store = served
    context = browser.new_context()
    try:
        page = context.new_page()
        set_nickname(page, url, "grace")
        page.goto(url + QUICK_RUN)                               # a link opened in the same tab
        expect(nickname_box(page)).to_have_value("grace", timeout=60_000)
        page.reload()
        expect(nickname_box(page)).to_have_value("grace", timeout=60_000)
        main(page).get_by_role("button", name="Start").click(timeout=60_000)
        expect(main(page).get_by_text("Finished.")).to_be_visible(timeout=180_000)
        run_id = main(page).get_by_text(re.compile(r"run `?\d{8}-\d{6}-logistic")).first.inner_text()
    finally:
        context.close()
    run = next(r for r in RunStore(store).list_runs() if r.run_id in run_id)
    assert run.nickname == "grace" and run.learner
    assert Learners(RunStore(store)).nickname(run.learner) == "grace"


def test_eight_learners_pressing_start_at_once_each_finish_and_see_only_their_own(served, browser):
    url, store = served
    contexts = [browser.new_context() for _ in range(8)]
    try:
        for i, context in enumerate(contexts):  # eight browsers that chose nicknames earlier (typing one: above)
            secret = f"{i + 1:032x}"
            context.add_cookies([{"name": COOKIE_NAME, "value": secret, "url": url}])
            Learners(RunStore(store)).set_nickname(learner_id(secret), f"learner-{i}")
        pages = [context.new_page() for context in contexts]
        for page in pages:
            page.goto(url + QUICK_RUN)
            expect(main(page).get_by_role("button", name="Start")).to_be_enabled(timeout=60_000)
        for page in pages:                                       # as close to "at once" as one driver gets
            main(page).get_by_role("button", name="Start").click()
        for page in pages:
            expect(main(page).get_by_text("Finished.")).to_be_visible(timeout=300_000)
        runs = {r.nickname: r for r in RunStore(store).list_runs() if r.nickname.startswith("learner-")}
        assert sorted(runs) == [f"learner-{i}" for i in range(8)]
        assert len({r.learner for r in runs.values()}) == 8 and all(r.status == "finished" for r in runs.values())
        for i, page in enumerate(pages):
            page.reload()                                        # the list comes from the learner's identity
            table = main(page).get_by_test_id("stDataFrame")
            expect(table).to_contain_text(runs[f"learner-{i}"].run_id, timeout=60_000)
            for name, run in runs.items():
                if name != f"learner-{i}":
                    expect(table).not_to_contain_text(run.run_id)
    finally:
        for context in contexts:
            context.close()


def assert_page_opened(page, title):
    expect(main(page).get_by_role("heading", name=title).first).to_be_visible(timeout=60_000)
    expect(page.get_by_role("dialog")).to_have_count(0)          # no "Page not found"
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link")).to_have_text(NAV)


@pytest.fixture
def fresh_server(browser, tmp_path):
    """A server started for this test alone, and a browser that never saw it."""
    with serve_app(tmp_path / "runs") as url:
        context = browser.new_context()
        try:
            yield url, context
        finally:
            context.close()


def test_every_documented_url_opens_its_page_in_a_fresh_servers_second_session(fresh_server, browser):
    url, first = fresh_server
    page = first.new_page()
    page.goto(url)
    assert_page_opened(page, PAGES["/home"])
    second = browser.new_context()
    try:
        page = second.new_page()
        for path, title in PAGES.items():
            page.goto(url + path)
            assert_page_opened(page, title)
            assert page.url.startswith(url + path)
    finally:
        second.close()


def test_eight_tabs_opening_train_at_once_on_a_fresh_server_all_render(fresh_server):
    url, context = fresh_server
    pages = [context.new_page() for _ in range(8)]
    for page in pages:
        page.goto(f"{url}/train", wait_until="commit")   # all eight sessions start together
    for page in pages:
        assert_page_opened(page, "Train")
        # as long as the title may take: the server has sent the whole page by then (1.2 s of script
        # per tab with both cores busy), but a loaded chromium takes seconds more to draw the widgets
        expect(main(page).get_by_role("button", name="Start")).to_be_enabled(timeout=60_000)


def test_a_helper_module_as_the_first_url_of_a_fresh_server_lands_in_the_app(fresh_server):
    url, context = fresh_server
    page = context.new_page()
    page.goto(f"{url}/identity")   # a file of pages/ that is not a page
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link")).to_have_text(NAV, timeout=60_000)
    expect(page.get_by_test_id("stSidebarNav")).not_to_contain_text("identity")
    expect(page.get_by_test_id("stException")).to_have_count(0)
