"""The learner's class in the sidebar: joined once with the teacher's code, kept with the
learner's identity (a reload, a new tab or another day finds it), left with one click.
Shown only on a server with a teacher key: without one there are no classes."""
from __future__ import annotations

import streamlit as st

from core.ranges import ConfigError
from pages.common import classes, my_class_info, plain, server_settings
from pages.identity import learner

CODE_KEY = "class.code"
ERROR_KEY = "class.error"


def _join() -> None:
    typed = st.session_state.get(CODE_KEY, "")
    st.session_state[CODE_KEY] = ""
    try:
        classes().join(learner(), typed)
        st.session_state.pop(ERROR_KEY, None)
    except ConfigError as exc:
        st.session_state[ERROR_KEY] = str(exc)


def _leave() -> None:
    classes().leave(learner())


def class_sidebar() -> None:
    """The class this learner is in, or a box for the code their teacher gives them."""
    if not server_settings().teacher_key:
        return
    with st.sidebar:
        info = my_class_info()
        if info is not None:
            title = f": {plain(info.title)}" if info.title else ""
            st.caption(f"🧑‍🏫 In class **{info.code}**{title}. Its leaderboard is the class's.")
            st.button("Leave the class", key="class.leave", on_click=_leave)
            return
        st.text_input("Class code", key=CODE_KEY, max_chars=12, on_change=_join, placeholder="from your teacher",
                      help="Typed once: this browser stays in the class until you leave it.")
        if ERROR_KEY in st.session_state:
            st.warning(plain(st.session_state[ERROR_KEY]), icon="🔑")


if __name__ == "__main__":  # opened as a page (/membership) by Streamlit's folder mode
    from pages.navigation import require_app_navigation
    require_app_navigation()
