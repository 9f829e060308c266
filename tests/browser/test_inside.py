"""The journey from Draw to Inside: a drawing followed through a CNN, then bent."""
import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data


def test_a_drawing_opens_inside_the_cnn_and_bending_it_changes_the_answer(app_server, page):
    page.goto(f"{app_server}/train?arch=cnn&epochs=1&train_examples=3000")  # a CNN in seconds
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_role("button", name="Start").click(timeout=30_000)
    expect(page.get_by_text("Finished.")).to_be_visible(timeout=180_000)

    page.goto(f"{app_server}/draw")
    canvas = main.locator("canvas").last
    expect(canvas).to_be_visible(timeout=30_000)
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy - 100)
    page.mouse.down()
    for i in range(1, 21):  # a vertical bar: a one
        page.mouse.move(cx, cy - 100 + 10 * i)
    page.mouse.up()
    expect(main.get_by_test_id("stMetric").filter(has_text="CNN")).to_be_visible(timeout=30_000)
    main.get_by_role("button", name="Look inside a model reading it").click()

    expect(page).to_have_url(f"{app_server}/inside", timeout=30_000)
    expect(main.get_by_test_id("stImageCaption").get_by_text("your drawing")).to_be_visible(timeout=30_000)
    main.get_by_role("radio", name="Layer by layer").click()
    expect(main.get_by_text("conv 1: 32 maps of 24×24")).to_be_visible(timeout=30_000)
    expect(main.get_by_text("max-pool + batch norm + ReLU 2: 64 maps of 4×4")).to_be_visible()

    main.get_by_role("radio", name="Bend the digit").click()
    answer = main.get_by_test_id("stMarkdown").filter(has_text=re.compile(r"^CNN reads")).last  # the lab's, below the page's
    expect(answer).to_be_visible(timeout=30_000)
    # the view left goes at once, not greyed out while the lab bends a thousand digits for its curves
    expect(main.get_by_text("conv 1: 32 maps of 24×24")).to_have_count(0, timeout=1_000)
    upright = answer.inner_text()
    thumb = main.get_by_test_id("stSlider").filter(has_text="Rotate").get_by_role("slider")
    thumb.focus()
    page.keyboard.press("End")  # 45°: a one lying on its side
    expect(main.get_by_test_id("stSlider").filter(has_text="Rotate")).to_contain_text("45", timeout=10_000)
    expect(answer).not_to_have_text(upright, timeout=30_000)

    main.get_by_role("link", name="Back to Draw").click()  # the drawing is still on the canvas
    expect(page).to_have_url(f"{app_server}/draw", timeout=30_000)
    expect(main.get_by_test_id("stMetric").filter(has_text="CNN")).to_be_visible(timeout=30_000)
