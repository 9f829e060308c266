"""What every page run does after the frame (ui/frame.py): the learner, the sidebar; and the
guard for a run in Streamlit's folder mode (ui.frame.through_app sends a session's first one
through app.py)."""
from __future__ import annotations

import streamlit as st

from core.store.checkpoints import StoreError
from ui.frame import TEACHER_KEY, app_loaded, came_through_app, has_teachers, heading, routed, through_app
from ui.identity import learner, learner_or_stop
from ui.lessons import class_message, forget_sidebar_slot, lesson_sidebar
from ui.resources import classes, limits_said, server_settings, settings_or_stop, store_failed, warm_up
from ui.sidebar import class_sidebar, learner_sidebar


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
    try:
        with routed():
            page.run()
    finally:
        forget_sidebar_slot()


def run_app(page) -> None:
    """app.py, inside the frame: open the app and run the page the frame chose. A run store that
    fails meanwhile (a disk that filled, a database that went away) ends the page with one
    sentence, wherever it failed; what was saved before stays saved."""
    checked = app_loaded()  # the limits check imports torch: a fresh server's first page is not kept waiting
    try:
        open_app()
        if checked:
            limits_said()
        run_routed(page)
    except StoreError as exc:
        store_failed(exc)
    warm_up()
    if not checked:
        limits_said()


def page_header(title: str, caption: str) -> None:
    """How a page begins: routed through the app, its title, one line on what it is for."""
    require_app_navigation()
    heading(title)
    st.markdown(caption)


def require_app_navigation() -> None:
    """Every page's first call after its imports: a run that bypassed app.py is sent through
    it, or drawn in its frame."""
    if came_through_app():
        return
    through_app()  # a session's first run, in the folder mode, goes no further
    # A session that came through app.py before lands here only if the folder mode came
    # back, which AppTest does before each of its runs: draw the app's frame and go on, so
    # a click that came with this run is not lost.
    learner_or_stop()
    learner_sidebar()
    class_sidebar()
    lesson_sidebar()
    class_message()
