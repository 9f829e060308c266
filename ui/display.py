"""How every page shows tables and charts: one format per column name, one chart config."""
from __future__ import annotations

from typing import Any

import streamlit as st

MISSING = "—"  # a value a run does not have (still training, never measured)

# How a column of core.analysis.run_table (and the pages' own columns) is shown, by its header.
_FORMATS = {
    "rank": st.column_config.NumberColumn(format="%d", width="small"),
    "test accuracy": st.column_config.NumberColumn(format="percent"),
    "test loss": st.column_config.NumberColumn(format="%.4f"),
    "training s": st.column_config.NumberColumn(format="%.1f"),
    "epochs trained": st.column_config.NumberColumn(format="%.1f"),
    "trainings at once": st.column_config.NumberColumn(
        format="%.1f", help="Trainings this server ran side by side, on average, while this one trained: "
                            "1.0 means it had the CPU to itself, 2.0 that it shared it with one other."),
    "examples/s": st.column_config.NumberColumn(format="localized"),
    "images": st.column_config.NumberColumn(format="localized", help="Training images per epoch"),
    "parameters": st.column_config.NumberColumn(format="localized"),
    "lr": st.column_config.NumberColumn(format="%g"),
    "budget": st.column_config.TextColumn(help="full: every training image; quick: fewer, for a fast look"),
}
PERCENT = st.column_config.NumberColumn(format="percent")


def show_table(rows: list[dict[str, Any]], **column_config: Any) -> None:
    """A table of rows with the shared column formats; `column_config` adds or overrides."""
    st.space("small")  # the toolbar a touch screen shows above a table would cover what is there
    st.dataframe(rows, hide_index=True, placeholder=MISSING,
                 column_config={**{name: f for name, f in _FORMATS.items() if rows and name in rows[0]},
                                **column_config})


def touch_screen() -> bool:
    """Whether the browser says it is a phone or tablet (its User-Agent), where plotly's mode
    bar, shown on touch, covers legends and titles."""
    agent = st.context.headers.get("User-Agent", "") if st.context.headers else ""
    return any(word in agent for word in ("Mobi", "Android", "iPhone", "iPad"))


def chart_config(static: bool = False) -> dict[str, Any]:
    """plotly's config for st.plotly_chart: `static` draws no hover layer (cheaper redraws)."""
    return {"staticPlot": static, "displayModeBar": False if touch_screen() else "hover", "displaylogo": False}
