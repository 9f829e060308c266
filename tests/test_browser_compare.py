"""Journey: a newcomer opens /compare, trains all three models in one click and compares them."""
import os

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.skipif(not os.environ.get("DIGITS_DATA_DIR"),
                                reason="needs the real MNIST: set DIGITS_DATA_DIR")


def test_train_all_three_and_compare(app_server, page):
    page.goto(f"{app_server}/compare")
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_text("Quick comparison").click(timeout=30_000)  # the CI-sized budget
    main.get_by_role("button", name="Train all three").click()
    expect(main.get_by_text("CNN: finished")).to_be_visible(timeout=300_000)

    # the chart titled exactly "Test accuracy" (the curves' legends say "…: test accuracy")
    bars = main.get_by_test_id("stPlotlyChart").filter(has=page.get_by_text("Test accuracy", exact=True))
    expect(bars).to_be_visible(timeout=60_000)
    expect(bars.locator("g.trace.bars path")).to_have_count(3)
    expect(main.get_by_text("Confusion:").first).to_be_visible()
    expect(main.locator("g.hm, image").first).to_be_attached()
