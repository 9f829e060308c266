"""Journey: the server dies during a workshop training and is started again."""
import signal

import pytest
from helpers import set_nickname

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data


def go_to(page, name):
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()


def test_a_killed_server_loses_only_the_unfinished_run(browser, tmp_path):
    from core.cli import main as train_cli
    from tests.support.browser import start_server, stop_server

    store = tmp_path / "runs"
    assert train_cli(["--arch", "logistic", "--epochs", "1", "--store-dir", str(store), "--nickname", "ada"]) == 0
    proc, url = start_server(store)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{url}/train?arch=mlp&epochs=30")
        expect(page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Start")).to_be_visible(
            timeout=60_000)
        set_nickname(page, "ada")
        main = page.get_by_test_id("stMainBlockContainer")
        main.get_by_role("button", name="Start").click(timeout=30_000)
        expect(main.get_by_text("examples/s")).to_be_visible(timeout=60_000)   # it is training
        proc.send_signal(signal.SIGKILL)                                          # the server dies
        proc.wait(timeout=20)
    finally:
        stop_server(proc)

    proc, url = start_server(store)
    try:
        page.goto(f"{url}/train")   # the same browser: its learner and runs are found again
        main = page.get_by_test_id("stMainBlockContainer")
        table = main.get_by_test_id("stDataFrame")
        expect(table).to_be_visible(timeout=60_000)
        expect(table).to_contain_text("interrupted", timeout=30_000)
        go_to(page, "Home")
        expect(main.get_by_test_id("stDataFrame")).to_contain_text("finished", timeout=60_000)  # the CLI's run...
        go_to(page, "Draw")
        expect(page.get_by_test_id("stMainBlockContainer").get_by_text("Logistic regression").first
               ).to_be_visible(timeout=60_000)                      # ...and still answers on /draw
    finally:
        context.close()
        stop_server(proc)
