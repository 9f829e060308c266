"""The frame app.py draws before it imports anything heavy: the page list, the navigation, the
app's style and the chosen page's heading.

Only streamlit and the settings are imported here. A fresh server's first page run imports
torch, the store and the data after this (seconds on a small CPU), so the heading shows while
they load; the page then draws its heading (ui.navigation.heading) in the same place.
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator

import streamlit as st

from core.config.fields import ConfigError
from core.config.settings import settings

TEACHER_KEY = "teacher"  # session_state: this browser signed in as a teacher (pages/class.py)
HOME_HEADING = "✍️ Digits dashboard"
# The heading each page begins with, by URL path. The Class page is left out: its projector
# view has none. tests/pages/test_navigation.py holds each page to its entry.
HEADINGS = {"home": HOME_HEADING, "lessons": "🎓 Lessons", "train": "📈 Train", "compare": "⚖️ Compare",
            "draw": "✏️ Draw", "inside": "🔬 Inside", "leaderboard": "🏆 Leaderboard"}
# Where the keyboard is, in both themes: a blue ring with a white one outside it, which no
# highlight of the current page or selected option looks like (Streamlit's own is faint); and
# chips that wrap rather than leave the screen.
APP_STYLE = """<style>
:is(a, button, input, textarea, summary, [role="tab"], [role="radio"], [role="checkbox"], [role="switch"],
    [role="option"], [role="slider"], [role="combobox"], [tabindex]):focus-visible {
  outline: 3px solid #1a5fd0 !important; outline-offset: 2px !important; box-shadow: 0 0 0 5px #ffffff !important;
}
/* A multiselect's chosen options wrap onto a second line instead of scrolling out of sight on a
   phone (Draw's models); tests/browser/test_draw.py checks every chip is whole at 390 px. */
[data-testid="stMultiSelectTagsContainer"] { flex-wrap: wrap !important; overflow: visible !important;
  max-height: none !important; }
:has(> [data-testid="stMultiSelectTagsContainer"]) { height: auto !important; max-height: none !important; }
</style>"""
_heading_slot: contextvars.ContextVar = contextvars.ContextVar("heading_slot", default=None)


def has_teachers() -> bool:
    try:
        return bool(settings().teacher_key)
    except ConfigError:  # ui.resources.settings_or_stop says what is wrong, on every page
        return False


def app_pages() -> list:
    home = st.Page("pages/home.py", title="Home", icon="🏠", url_path="home")
    return [
        # "/" opens Home at /home: the default page has no path of its own to link to
        st.Page(lambda: st.switch_page(home), title="Digits dashboard", default=True, visibility="hidden"),
        home,
        st.Page("pages/lessons.py", title="Lessons", icon="🎓", url_path="lessons"),
        st.Page("pages/train.py", title="Train", icon="📈", url_path="train"),
        st.Page("pages/compare.py", title="Compare", icon="⚖️", url_path="compare"),
        st.Page("pages/draw.py", title="Draw", icon="✏️", url_path="draw"),
        st.Page("pages/inside.py", title="Inside", icon="🔬", url_path="inside"),
        st.Page("pages/leaderboard.py", title="Leaderboard", icon="🏆", url_path="leaderboard"),
        # a server without a teacher key has no teacher page at all; learners do not see it listed
        *([st.Page("pages/class.py", title="Class", icon="🧑‍🏫", url_path="class",
                   visibility="visible" if st.session_state.get(TEACHER_KEY) else "hidden")]
          if has_teachers() else []),
    ]


def heading_of(page) -> str | None:
    """The heading `page` (an st.Page of app_pages) begins with; None where it has no fixed one."""
    return HEADINGS.get(page.url_path or "home")  # "" is the hidden default page, which opens Home


@contextlib.contextmanager
def framed() -> Iterator:
    """app.py's frame, drawn at once: page settings, the navigation, the style and the chosen
    page's heading; yields the chosen page, to be run inside the block."""
    st.set_page_config(page_title="Digits dashboard", page_icon="✍️", layout="wide")
    page = st.navigation(app_pages())
    st.html(APP_STYLE)
    slot = st.empty()
    if (title := heading_of(page)) is not None:
        slot.title(title)
    token = _heading_slot.set(slot)
    try:
        yield page
    finally:
        _heading_slot.reset(token)


def heading(title: str) -> None:
    """A page's title, in the place the frame keeps for it (and may have drawn it in already)."""
    slot = _heading_slot.get()
    (st if slot is None else slot).title(title)
