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
    config = {**{name: f for name, f in _FORMATS.items() if rows and name in rows[0]}, **column_config}
    st.dataframe(shown_values(rows, config), hide_index=True, placeholder=MISSING, column_order=columns,
                 column_config=config)


def _decimals(column: Any) -> int | None:
    """How many decimals a column's format shows (a percentage: 4 of its fraction); None: as is."""
    found = (column.get("type_config") or {}).get("format") if isinstance(column, dict) else None
    if found == "percent":
        return 4
    if found == "localized":
        return 0
    return int(found[2]) if isinstance(found, str) and found.startswith("%.") and found[2].isdigit() else None


def shown_values(rows: list[dict[str, Any]], config: dict[str, Any]) -> list[dict[str, Any]]:
    """Numbers rounded to what their format shows: the grid draws formatted text, but the table it
    gives screen readers reads the values ("1.20859452199511" where "1.2" is seen)."""
    decimals = {name: d for name, column in config.items() if (d := _decimals(column)) is not None}
    return [{key: round(value, decimals[key]) if key in decimals and isinstance(value, float) else value
             for key, value in row.items()} for row in rows]


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


def label_canvases(container_key: str, label: str, drawn: str = "") -> None:
    """Give the canvases drawn inside the keyed container `container_key` an accessible name.
    streamlit-drawable-canvas 0.13 takes no label for its canvas; the canvas sits in its
    component's open shadow root, so the name is set from outside, after each redraw (Clear
    draws a new canvas: `drawn` names which one, so the script runs again for it).
    tests/browser/test_draw.py fails if a new version moves it."""
    selector = json.dumps(f".st-key-{container_key.replace('.', '-')}")
    st.html(f"""<script>/* {html.escape(drawn)} */ (() => {{
      let tries = 0;
      const name = () => {{
        const box = window.parent.document.querySelector({selector});
        const hosts = box ? [box, ...box.querySelectorAll("*")].filter(e => e.shadowRoot) : [];
        const canvases = hosts.flatMap(h => [...h.shadowRoot.querySelectorAll("canvas")]);
        canvases.forEach((canvas, i) => {{
          if (i === canvases.length - 1) {{ canvas.setAttribute("role", "img"); canvas.setAttribute("aria-label", {json.dumps(label)}); }}
          else {{ canvas.setAttribute("aria-hidden", "true"); }}
        }});
        if (++tries < 50) {{ setTimeout(name, 100); }}  // for 5 s: a new canvas mounts after the old one goes
      }};
      setTimeout(name, 100);
    }})();</script>""", unsafe_allow_javascript=True)


def touch_screen() -> bool:
    """Whether the browser says it is a phone or tablet (its User-Agent), where plotly's mode
    bar, shown on touch, covers legends and titles."""
    agent = st.context.headers.get("User-Agent", "") if st.context.headers else ""
    return any(word in agent for word in ("Mobi", "Android", "iPhone", "iPad"))


def chart_config(static: bool = False) -> dict[str, Any]:
    """plotly's config for st.plotly_chart: `static` draws no hover layer (cheaper redraws)."""
    return {"staticPlot": static, "displayModeBar": False if touch_screen() else "hover", "displaylogo": False}
