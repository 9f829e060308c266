"""What every page run does after the frame (ui/frame.py): the learner, the sidebar; and the guard.

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

from core.store.checkpoints import StoreError
from ui.frame import TEACHER_KEY, app_pages, has_teachers, heading
from ui.identity import learner, learner_or_stop
from ui.lessons import class_message, forget_sidebar_slot, lesson_sidebar
from ui.resources import classes, server_settings, settings_or_stop, store_failed, warm_up
from ui.sidebar import class_sidebar, learner_sidebar

_routed = contextvars.ContextVar("routed_by_app", default=False)  # this run came through app.py
ROUTED_KEY = "routed_by_app"  # session_state: some run of this session came through app.py


def open_app() -> None:
    """What every page run does after the frame (ui.frame.framed): the settings check, the
    learner and the sidebar."""
    settings_or_stop()
    learner_or_stop()
    if has_teachers() and TEACHER_KEY not in st.session_state:  # list the Class page for its teachers
        st.session_state[TEACHER_KEY] = classes().is_teacher(learner(), server_settings().teacher_key)
        if st.session_state[TEACHER_KEY]:
            st.rerun()
    learner_sidebar()
    class_sidebar()
    lesson_sidebar()
    class_message()


def run_routed(page) -> None:
    """Run the page open_app() chose, marking this run as one that came through app.py."""
    st.session_state[ROUTED_KEY] = True
    token = _routed.set(True)
    try:
        page.run()
    finally:
        _routed.reset(token)
        forget_sidebar_slot()


def run_app(page) -> None:
    """app.py, inside the frame: open the app and run the page the frame chose. A run store that
    fails meanwhile (a disk that filled, a database that went away) ends the page with one
    sentence, wherever it failed; what was saved before stays saved."""
    try:
        open_app()
        run_routed(page)
    except StoreError as exc:
        store_failed(exc)
    warm_up()  # after the page: a fresh server's first page is not kept waiting for it


def page_header(title: str, caption: str) -> None:
    """How a page begins: routed through the app, its title, one line on what it is for."""
    require_app_navigation()
    heading(title)
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
