"""The frame app.py draws before it imports anything heavy: the page list, the navigation, the
app's style and the chosen page's heading.

Only streamlit and the settings are imported here. A fresh server's first page run imports
the store and the data after this, and every page but Home torch (over a second on a small
CPU), so the heading shows while they load; the page then draws its heading (heading) in the
same place.

With a folder named pages/ beside app.py, Streamlit 1.67 runs a requested page such as /train
directly, in its old folder mode (every file of pages/ in the sidebar), until some session of
the process has called st.navigation: a fresh server's first visitor who follows a link to a
page lands in that page's file without app.py. Every page therefore begins with
through_app(), before its own imports: it calls st.navigation, which resolves the same page
(URL paths are the file names) and ends the folder mode for the whole process, and reruns
through app.py, whose frame draws the heading before torch loads.
tests/pages/test_navigation.py and tests/browser/test_identity.py fail if a Streamlit upgrade
changes this.
"""
from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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
STARTING_UP = "⏳ The server has just started: it is loading PyTorch and the digits, a few seconds, once."


@dataclass
class _Heading:
    slot: Any                # the st.empty() the heading is drawn in
    title: str | None        # what it shows; None: nothing yet
    error: str | None = None  # said under the title, in every redraw of it (say_under_heading)

    def draw(self) -> None:
        if self.error is None:
            if self.title is not None:
                self.slot.title(self.title)
            return
        box = self.slot.container()
        if self.title is not None:
            box.title(self.title)
        box.error(self.error, icon="⚙️")


_heading: contextvars.ContextVar[_Heading | None] = contextvars.ContextVar("heading", default=None)
_routed = contextvars.ContextVar("routed_by_app", default=False)  # this run came through app.py
ROUTED_KEY = "routed_by_app"  # session_state: some run of this session came through app.py


def app_loaded() -> bool:
    """Whether this process has imported torch: every page's run but Home's imports it after the
    frame, and Home's after the page (ui.resources.warm_up)."""
    return "torch" in sys.modules


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


def through_app() -> None:
    """A page's first statement, before its imports: a session's first run that did not come
    through app.py (the folder mode, see above) is sent through it."""
    if _routed.get() or st.session_state.get(ROUTED_KEY):
        return
    st.navigation(app_pages())  # resolves this URL's page, so the rerun lands on it
    st.rerun()


@contextlib.contextmanager
def routed() -> Iterator[None]:
    """Marks the page run inside the block as one that came through app.py."""
    st.session_state[ROUTED_KEY] = True
    token = _routed.set(True)
    try:
        yield
    finally:
        _routed.reset(token)


def came_through_app() -> bool:
    return _routed.get()


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
        if app_loaded():
            slot.title(title)
        else:  # said where the page will be: what comes next takes seconds, once per server start
            with slot.container():
                st.title(title)
                st.caption(STARTING_UP)
    token = _heading.set(_Heading(slot, title))
    try:
        yield page
    finally:
        _heading.reset(token)


def heading(title: str) -> None:
    """A page's title, in the place the frame keeps for it (and may have drawn it in already)."""
    place = _heading.get()
    if place is None:
        st.title(title)
    else:
        place.title = title
        place.draw()


def say_under_heading(error: str) -> None:
    """An error about the whole server (ui.resources.limits_said), kept under the heading when
    the page draws it; where the frame was not drawn (AppTest's folder mode), where it is."""
    place = _heading.get()
    if place is None:
        st.error(error, icon="⚙️")
    else:
        place.error = error
        place.draw()
