"""Journey: a newcomer opens /compare, trains all three models in one click and compares them."""

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data


def test_train_all_three_and_compare(app_server, page):
    page.goto(f"{app_server}/compare")
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_text("Quick comparison").click(timeout=30_000)  # the CI-sized budget
    train_all = main.get_by_role("button", name="Train all three")
    expect(train_all).to_have_count(1, timeout=30_000)  # the rerun the toggle asked for has replaced the page
    train_all.click()
    expect(main.get_by_text("CNN: finished")).to_be_visible(timeout=300_000)

    # the chart titled exactly "Test accuracy" (the curves are titled "Test accuracy against …")
    bars = main.get_by_test_id("stPlotlyChart").filter(has=page.get_by_text("Test accuracy", exact=True))
    expect(bars).to_be_visible(timeout=60_000)
    expect(bars.locator("g.trace.bars path")).to_have_count(6)  # each model on MNIST's and on the bent digits

    # a click on a confusion-matrix cell shows the digits behind it
    main.get_by_role("tab", name="Where each fails").click()
    chart = main.get_by_test_id("stPlotlyChart").filter(has=page.get_by_text("Confusion: Logistic regression"))
    expect(chart).to_be_visible(timeout=30_000)
    expect(chart.locator("g.hm, image").first).to_be_attached()
    expect(main.get_by_text("True 4, predicted 9").first).to_be_visible()
    chart.scroll_into_view_if_needed()
    x, y = cell_centre(chart, predicted=2, true=7)
    page.mouse.click(x, y)
    expect(main.get_by_text("True 7, predicted 2")).to_be_visible(timeout=30_000)
    expect(main.get_by_role("combobox", name="True digit").first).to_have_value("7")  # the boxes follow the click
    expect(main.get_by_text("True 4, predicted 9")).to_have_count(2)  # the other models' tabs keep theirs


def cell_centre(chart, predicted: int, true: int) -> tuple[float, float]:
    """Where plotly draws the cell (predicted, true) of the heatmap, in page pixels."""
    return chart.locator(".js-plotly-plot").evaluate(
        """(plot, [x, y]) => {
             const box = plot.getBoundingClientRect(), xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
             return [box.left + xa._offset + xa.l2p(x), box.top + ya._offset + ya.l2p(y)];
           }""", [predicted, true])
