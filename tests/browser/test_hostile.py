"""A hostile visitor's links in a real browser: plain sentences, no markdown, no traceback."""
import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data


@pytest.mark.parametrize("query", ["arch=![x](http://evil.example/pixel.png)",
                                   "arch=mlp&lock=[click](http://evil.example)",
                                   "arch=cnn&preset=<img src=http://evil.example/p.png>",
                                   "arch=ada@evil.example"])
def test_a_link_with_markdown_shows_it_as_text(app_server, page, query):
    page.goto(f"{app_server}/train?{query}")
    main = page.get_by_test_id("stMainBlockContainer")
    warning = main.get_by_test_id("stAlert").filter(has_text="could not be used")
    expect(warning).to_be_visible(timeout=60_000)
    expect(warning).to_contain_text("evil.example")             # shown, as typed...
    expect(warning.locator("a, img")).to_have_count(0)          # ...never a link or an image
    expect(page.locator("img[src*='evil.example'], a[href*='evil.example']")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


@pytest.mark.parametrize("query", ["epochs=inf", "batch_size=1e400", "m.fc_hidden=-inf&arch=cnn"])
def test_overflowing_numbers_are_one_sentence(app_server, page, query):
    page.goto(f"{app_server}/train?{query}")
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_text("could not be used")).to_be_visible(timeout=60_000)
    expect(main.get_by_role("button", name="Start")).to_be_enabled()   # the defaults, ready to train
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("OverflowError")).to_have_count(0)


def test_a_training_beyond_the_servers_limits_is_refused_before_start(app_server, page):
    page.goto(f"{app_server}/train?arch=cnn&m.channels=128,128&m.kernel_size=3&m.fc_hidden=1024"
              "&batch_size=2048&epochs=50")
    main = page.get_by_test_id("stMainBlockContainer")
    refusal = main.get_by_text(re.compile(r"This training (could take up to|would need about)"))
    expect(refusal).to_be_visible(timeout=60_000)
    expect(main.get_by_role("button", name="Start")).to_be_disabled()
    expect(main.get_by_text("This server allows")).to_be_visible()
