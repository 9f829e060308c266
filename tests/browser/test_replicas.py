"""Journey: two app replicas share one PostgreSQL store and one Ray cluster; the replica
a learner trains on dies mid-run, and the other one shows the run finishing."""
import signal

import pytest
from helpers import set_nickname

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data  # the cluster's workers read MNIST from $DIGITS_DATA_DIR


def test_a_run_started_on_one_replica_finishes_on_the_cluster_after_that_replica_dies(
        browser, tmp_path, postgres_url, ray_address, real_mnist):
    from tests.support.browser import start_server, stop_server
    shared = {"DIGITS_DATABASE_URL": postgres_url, "DIGITS_RAY_ADDRESS": ray_address,
              "DIGITS_TORCH_THREADS": "1", "DIGITS_DATA_DIR": str(real_mnist.root)}
    store = tmp_path / "shared-runs"  # the folder every replica and worker mounts
    a, url_a = start_server(store, env=shared)
    b, url_b = start_server(store, env=shared)
    learner = browser.new_context(viewport={"width": 1280, "height": 900})
    viewer = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = learner.new_page()
        page.goto(f"{url_a}/train?arch=cnn&epochs=1")
        main = page.get_by_test_id("stMainBlockContainer")
        expect(main.get_by_role("button", name="Start")).to_be_visible(timeout=60_000)
        set_nickname(page, "ada")
        main.get_by_role("button", name="Start").click(timeout=30_000)
        expect(main.get_by_text("examples/s")).to_be_visible(timeout=90_000)  # training on a cluster worker

        board = viewer.new_page()
        board.goto(f"{url_b}/leaderboard")
        board_main = board.get_by_test_id("stMainBlockContainer")
        expect(board_main.get_by_text("Training now (1)")).to_be_visible(timeout=60_000)  # B lists A's run live
        expect(board_main.get_by_test_id("stDataFrame").first).to_contain_text("ada", timeout=30_000)

        a.send_signal(signal.SIGKILL)  # replica A dies mid-run, cleaning nothing up
        a.wait(timeout=20)
        # the run trains on; when it ends, B's page redraws with it in the ranking
        expect(board_main.get_by_text("Training now")).to_have_count(0, timeout=180_000)
        expect(board_main.get_by_test_id("stDataFrame")).to_contain_text("ada", timeout=30_000)

        page.goto(f"{url_b}/train")  # the learner's browser, sent to B: its run is there, finished
        table = page.get_by_test_id("stMainBlockContainer").get_by_test_id("stDataFrame")
        expect(table).to_contain_text("finished", timeout=60_000)
    finally:
        learner.close()
        viewer.close()
        stop_server(a)
        stop_server(b)
