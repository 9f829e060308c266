"""Journeys on /draw: drawing with a mouse on a desktop, and with a finger on a phone."""
import math
import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt")
expect, PlaywrightTimeout = sync_api.expect, sync_api.TimeoutError
pytestmark = pytest.mark.real_data


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
    expect(main.get_by_role("img", name=re.compile("^Drawing area: draw one digit"))).to_have_count(1, timeout=10_000)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    stroke(page, [(cx, cy - 100 + 10 * i) for i in range(21)])  # a vertical bar
    metric = main.get_by_test_id("stMetric").filter(has_text="Logistic regression")
    expect(metric.get_by_test_id("stMetricValue")).to_have_text("1", timeout=30_000)

    stroke(page, [(cx - 90 + 9 * i, cy - 40) for i in range(21)])  # a slip of the hand...
    expect(metric.get_by_test_id("stMetricValue")).not_to_have_text("1", timeout=30_000)
    main.get_by_role("button", name="Undo stroke").click()         # ...taken back
    expect(metric.get_by_test_id("stMetricValue")).to_have_text("1", timeout=30_000)

    main.get_by_role("button", name="Clear", exact=True).click()
    expect(main.get_by_test_id("stMetric")).to_have_count(0, timeout=30_000)
    expect(main.get_by_role("img", name=re.compile("^Drawing area"))).to_have_count(1, timeout=10_000)  # the new one
    expect(main.get_by_text("nothing is drawn yet")).to_be_visible()

    for attempt in range(3):  # Clear draws a fresh canvas; on a busy machine it may still be mounting
        box = drawing_area(page)
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        stroke(page, [(cx + 55 * math.sin(a / 20 * 2 * math.pi), cy - 85 * math.cos(a / 20 * 2 * math.pi))
                      for a in range(22)])  # an oval
        try:
            expect(main.get_by_test_id("stMetric").first).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    expect(metric.get_by_test_id("stMetricValue")).to_have_text("0", timeout=30_000)


def test_on_a_phone_the_canvas_fits_and_a_finger_draws(app_server, browser):
    """Runs after the desktop journey, whose model is in the server's store."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_server}/draw")
    main = page.get_by_test_id("stMainBlockContainer")
    box = drawing_area(page)
    expect(main.get_by_role("img", name=re.compile("^Drawing area: draw one digit"))).to_have_count(1, timeout=10_000)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # the whole canvas is on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    touch = context.new_cdp_session(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    points = [{"x": cx, "y": cy - 100 + 10 * i} for i in range(21)]
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
    for point in points[1:]:
        touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    metric = main.get_by_test_id("stMetric").filter(has_text="Logistic regression")
    expect(metric.get_by_test_id("stMetricValue")).to_have_text("1", timeout=30_000)
    main.get_by_role("button", name="Undo stroke").tap()  # the canvas's own toolbar needs a hover
    expect(main.get_by_test_id("stMetric")).to_have_count(0, timeout=30_000)
    context.close()


def test_on_a_laptop_the_answer_and_saving_are_on_the_first_screen_and_a_keyboard_can_upload(app_server,
                                                                                           browser, tmp_path):
    """Runs after the desktop journey, whose model is in the server's store."""
    from PIL import Image

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{app_server}/draw")
    main = page.get_by_test_id("stMainBlockContainer")
    box = drawing_area(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    stroke(page, [(cx, cy - 100 + 10 * i) for i in range(21)])  # a vertical bar
    expect(main.get_by_text(re.compile(r"reads 1 \("))).to_be_in_viewport(ratio=1, timeout=30_000)
    expect(main.get_by_role("button", name="Save drawing")).to_be_in_viewport(ratio=1)  # beside the answer

    # no mouse from here on: a picture of a one, dark on paper, chosen with the keyboard
    picture = tmp_path / "one.png"
    paper = Image.new("L", (120, 160), 235)
    paper.paste(20, (52, 20, 68, 140))
    paper.save(picture)
    main.get_by_role("radio", name="Upload a picture").focus()
    page.keyboard.press("Enter")
    uploader = main.get_by_test_id("stFileUploader")
    expect(uploader).to_contain_text("2MB per file", timeout=30_000)  # the limit, said before a file is sent
    browse = uploader.get_by_role("button", name="Upload", exact=True)
    expect(main.get_by_text("nothing is uploaded yet")).to_be_visible(timeout=30_000)  # the page has settled
    for attempt in range(3):  # a busy machine may still be redrawing the button the focus went to
        browse.focus()
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Enter")
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    chooser.value.set_files(str(picture))
    metric = main.get_by_test_id("stMetric").filter(has_text="Logistic regression")
    expect(metric.get_by_test_id("stMetricValue")).to_have_text("1", timeout=30_000)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_canvas_toolbar_is_readable_in_both_themes(app_server, browser, scheme):
    from io import BytesIO

    from PIL import Image

    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{app_server}/draw")
    main = page.get_by_test_id("stMainBlockContainer")
    drawing_area(page)
    main.locator("canvas").last.hover()
    toolbar = main.locator(".dc-toolbar")
    expect(toolbar).to_have_css("opacity", "1", timeout=5_000)
    grey = Image.open(BytesIO(toolbar.locator(".dc-toolbar-card").screenshot())).convert("L")
    darkest, lightest = grey.getextrema()
    assert lightest - darkest > 120, f"toolbar icons hardly stand out in the {scheme} theme"
    context.close()
