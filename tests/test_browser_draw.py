"""Journey: a learner draws a 1 and a 0 with the mouse on /draw and reads each model's answer."""
import math
import os

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.skipif(not os.environ.get("DIGITS_DATA_DIR"),
                                reason="needs the real MNIST: set DIGITS_DATA_DIR")


def stroke(page, points):
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point)
    page.mouse.up()


def drawing_area(page):
    canvas = page.get_by_test_id("stMainBlockContainer").locator("canvas").last
    expect(canvas).to_be_visible(timeout=30_000)
    return canvas.bounding_box()


def test_draw_a_one_and_a_zero_then_clear(app_server, page):
    # a model must exist first: the quick logistic regression from /train's link
    page.goto(f"{app_server}/train?arch=logistic&epochs=2")
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_role("button", name="Start").click(timeout=30_000)
    expect(page.get_by_text("Finished.")).to_be_visible(timeout=180_000)

    page.goto(f"{app_server}/draw")
    main = page.get_by_test_id("stMainBlockContainer")
    box = drawing_area(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    stroke(page, [(cx, cy - 100 + 10 * i) for i in range(21)])  # a vertical bar
    metric = main.get_by_test_id("stMetric").filter(has_text="Logistic regression")
    expect(metric.get_by_test_id("stMetricValue")).to_have_text("1", timeout=30_000)

    main.get_by_role("button", name="Clear").click()
    expect(main.get_by_test_id("stMetric")).to_have_count(0, timeout=30_000)
    expect(main.get_by_text("nothing is drawn yet")).to_be_visible()

    box = drawing_area(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    stroke(page, [(cx + 55 * math.sin(a / 20 * 2 * math.pi), cy - 85 * math.cos(a / 20 * 2 * math.pi))
                  for a in range(22)])  # an oval
    expect(metric.get_by_test_id("stMetricValue")).to_have_text("0", timeout=30_000)
