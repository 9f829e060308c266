import types

import pytest
import streamlit as st

from ui.display import chart_config, touch_screen

PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.mark.parametrize("agent, touch", [(PHONE, True), (LAPTOP, False), ("", False)])
def test_phones_get_charts_without_plotlys_mode_bar(monkeypatch, agent, touch):
    monkeypatch.setattr(st, "context", types.SimpleNamespace(headers={"User-Agent": agent}))
    assert touch_screen() is touch
    assert chart_config()["displayModeBar"] == (False if touch else "hover")
    assert chart_config(static=True)["staticPlot"] is True


def test_a_tables_numbers_are_rounded_to_what_their_format_shows():
    from ui.display import _FORMATS, PERCENT, shown_values
    rows = [{"training s": 1.20859452199511, "test accuracy": 0.957612, "bent": 0.43579, "lr": 0.003,
             "runs": 3, "nickname": "ada"}]
    shown = shown_values(rows, {**_FORMATS, "bent": PERCENT})
    assert shown == [{"training s": 1.2, "test accuracy": 0.9576, "bent": 0.4358, "lr": 0.003, "runs": 3,
                      "nickname": "ada"}]  # "%g" and whole numbers and text stay as they are
