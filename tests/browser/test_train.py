"""Journey: a learner trains logistic regression on /train and watches it learn."""
import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data


def test_train_logistic_regression_and_watch_it_learn(app_server, page):
    page.goto(f"{app_server}/train")
    main = page.get_by_test_id("stMainBlockContainer")  # not Streamlit's own Stop in the header
    main.get_by_role("radio", name="Logistic regression").click(timeout=30_000)
    main.get_by_role("button", name="Start").focus()        # by keyboard: Enter starts, Tab reaches Stop
    page.keyboard.press("Enter")
    started, stop = main.get_by_role("button", name="Training…"), main.get_by_role("button", name="Stop")
    expect(started).to_be_focused(timeout=30_000)            # the button kept the focus: it was not disabled
    expect(stop).to_be_enabled()
    page.keyboard.press("Tab")
    expect(stop).to_be_focused()
    ring = stop.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]")
    assert ring == ["solid", "3px"], ring                    # where the keyboard is shows

    # live: the progress line and the loss chart appear while it trains
    expect(page.get_by_text(re.compile(r"examples/s"))).to_be_visible(timeout=30_000)
    # Plotly's script loads lazily on the first chart: a slow machine takes seconds
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=30_000)

    expect(page.get_by_text("Finished.", exact=False)).to_be_visible(timeout=180_000)
    metric = page.get_by_test_id("stMetric").filter(has_text="Test accuracy")
    value = metric.get_by_test_id("stMetricValue").inner_text()
    assert float(value.rstrip("%")) >= 90.0
    expect(main.get_by_role("button", name="Start")).to_be_enabled()
    assert "arch=logistic" in page.url
