"""The app's pages, and what every page run starts with: navigation, learner, sidebar.

With a folder named pages/ beside app.py, Streamlit 1.67 runs a requested page such as
/train directly, in its old folder mode (every file of pages/ in the sidebar), until
some session of the process has called st.navigation. The first run of a session that
did not come through app.py calls st.navigation itself, which resolves the same page
(URL paths are the file names) and ends the folder mode for the whole process, then
reruns through app.py. tests/pages/test_navigation.py and tests/browser/test_identity.py fail
if a Streamlit upgrade changes this.
"""
from __future__ import annotations

import contextvars

import streamlit as st

from core.config.fields import ConfigError
from core.store.checkpoints import StoreError
from ui.identity import learner, learner_or_stop
from ui.lessons import class_message, forget_sidebar_slot, lesson_sidebar
from ui.resources import classes, server_settings, settings_or_stop, store_failed
from ui.sidebar import class_sidebar, learner_sidebar

_routed = contextvars.ContextVar("routed_by_app", default=False)  # this run came through app.py
ROUTED_KEY = "routed_by_app"  # session_state: some run of this session came through app.py
TEACHER_KEY = "teacher"  # session_state: this browser signed in as a teacher (pages/class.py)
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


def _has_teachers() -> bool:
    try:
        return bool(server_settings().teacher_key)
    except ConfigError:  # settings_or_stop says what is wrong, on every page
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
          if _has_teachers() else []),
    ]


def open_app():
    """Page settings, the navigation (returns the page it chose), the learner and the sidebar."""
    st.set_page_config(page_title="Digits dashboard", page_icon="✍️", layout="wide")
    page = st.navigation(app_pages())
    st.html(APP_STYLE)
    settings_or_stop()
    learner_or_stop()
    if _has_teachers() and TEACHER_KEY not in st.session_state:  # list the Class page for its teachers
        st.session_state[TEACHER_KEY] = classes().is_teacher(learner(), server_settings().teacher_key)
        if st.session_state[TEACHER_KEY]:
            st.rerun()
    learner_sidebar()
    class_sidebar()
    lesson_sidebar()
    class_message()
    return page


def run_routed(page) -> None:
    """Run the page open_app() chose, marking this run as one that came through app.py."""
    st.session_state[ROUTED_KEY] = True
    token = _routed.set(True)
    try:
        page.run()
    finally:
        _routed.reset(token)
        forget_sidebar_slot()


def run_app() -> None:
    """app.py: open the app and run the page it chose. A run store that fails meanwhile (a
    disk that filled, a database that went away) ends the page with one sentence, wherever
    it failed; what was saved before stays saved."""
    try:
        run_routed(open_app())
    except StoreError as exc:
        store_failed(exc)


def page_header(title: str, caption: str) -> None:
    """How a page begins: routed through the app, its title, one line on what it is for."""
    require_app_navigation()
    st.title(title)
    st.markdown(caption)


def require_app_navigation() -> None:
    """First call of every page: a run that bypassed app.py is sent through it."""
    if _routed.get():
        return
    if not st.session_state.get(ROUTED_KEY):  # a session's first run, in the folder mode
        st.navigation(app_pages())  # resolves this URL's page, so the rerun lands on it
        st.rerun()
    # A session that came through app.py before lands here only if the folder mode came
    # back, which AppTest does before each of its runs: draw the app's frame and go on, so
    # a click that came with this run is not lost.
    learner_or_stop()
    learner_sidebar()
    class_sidebar()
    lesson_sidebar()
    class_message()
