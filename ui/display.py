"""How every page shows tables and charts: one format per column name, one chart config."""
from __future__ import annotations

import html
import json
from typing import Any

import streamlit as st

from core.viz.summary import figure_in_words
from ui.text import plain

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


def show_table(rows: list[dict[str, Any]], columns: tuple[str, ...] | None = None, **column_config: Any) -> None:
    """A table of rows with the shared column formats; `column_config` adds or overrides, and
    `columns` shows only those (in that order)."""
    st.space("small")  # the toolbar a touch screen shows above a table would cover what is there
    st.dataframe(rows, hide_index=True, placeholder=MISSING, column_order=columns,
                 column_config={**{name: f for name, f in _FORMATS.items() if rows and name in rows[0]},
                                **column_config})


def show_chart(figure, where=None, what: str = "", **plotly_kwargs: Any):
    """A plotly chart, and under it, folded, the same chart in words (core.viz.summary): its
    text alternative. Returns what st.plotly_chart returns (a selection, where asked for)."""
    where = where or st
    shown = where.plotly_chart(figure, **plotly_kwargs)
    lines = figure_in_words(figure, what)
    # names come HTML-escaped for plotly; as text they are escaped for markdown instead
    where.expander("The chart in words").markdown("\n".join(f"- {plain(html.unescape(line))}" for line in lines))
    return shown


def keep_focus_on(widget_key: str) -> None:
    """Put the keyboard's focus on the keyed button `widget_key` once it is drawn. Streamlit
    draws a page's elements afresh when its layout changes (Train's form gives way to the run's
    settings), and the focus then falls back to the page's start: a keyboard user would have to
    Tab through the sidebar again to reach the button beside the one they pressed."""
    selector = json.dumps(f".st-key-{widget_key.replace('.', '-')} button")
    st.html(f"""<script>(() => {{
      let tries = 0;
      const focus = () => {{
        const button = window.parent.document.querySelector({selector});
        if (button && button.isConnected) {{ button.focus({{focusVisible: true}}); }}
        else if (++tries < 40) {{ setTimeout(focus, 50); }}
      }};
      setTimeout(focus, 50);
    }})();</script>""", unsafe_allow_javascript=True)


def touch_screen() -> bool:
    """Whether the browser says it is a phone or tablet (its User-Agent), where plotly's mode
    bar, shown on touch, covers legends and titles."""
    agent = st.context.headers.get("User-Agent", "") if st.context.headers else ""
    return any(word in agent for word in ("Mobi", "Android", "iPhone", "iPad"))


def chart_config(static: bool = False) -> dict[str, Any]:
    """plotly's config for st.plotly_chart: `static` draws no hover layer (cheaper redraws)."""
    return {"staticPlot": static, "displayModeBar": False if touch_screen() else "hover", "displaylogo": False}
