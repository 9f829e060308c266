"""The sidebar every page shares: the learner's nickname, and their class, joined once with
the teacher's code and kept with the learner's identity (a reload, a new tab or another
day finds it), left with one click. The class box shows only on a server with a teacher
key: without one there are no classes."""
from __future__ import annotations

import streamlit as st

from core.classroom.classes import JOIN_PARAM, RateLimited, normal_code
from core.config.fields import ConfigError
from ui.identity import client_address, learner
from ui.resources import classes, learners, my_class_info, server_settings
from ui.text import plain

NICKNAME_KEYS = ("nickname.sidebar", "nickname.home")  # the nickname boxes' widget keys
CODE_KEY = "class.code"
ERROR_KEY = "class.error"


def _join(typed: str) -> bool:
    try:
        classes().join(learner(), typed, client_address())
        st.session_state.pop(ERROR_KEY, None)
        return True
    except (ConfigError, RateLimited) as exc:  # a wrong code, or too many of them
        st.session_state[ERROR_KEY] = str(exc)
        return False


def _join_typed() -> None:
    _join(st.session_state.get(CODE_KEY, ""))
    st.session_state[CODE_KEY] = ""


def _join_from_link() -> None:
    """A join link (?join=CODE, the projector's QR code) joins its class once; the address
    then loses it, so a reload or a bookmark does not join again after leaving."""
    typed = st.query_params.get(JOIN_PARAM)
    if typed is None:
        return
    del st.query_params[JOIN_PARAM]
    if classes().class_of(learner()) != normal_code(typed) and _join(typed):
        st.toast(f"You joined class {normal_code(typed)}.", icon="🧑‍🏫")


def _leave() -> None:
    classes().leave(learner())


def class_sidebar() -> None:
    """The class this learner is in, or a box for the code their teacher gives them."""
    if not server_settings().teacher_key:
        return
    _join_from_link()
    with st.sidebar:
        info = my_class_info()
        if info is not None:
            title = f": {plain(info.title)}" if info.title else ""
            st.caption(f"🧑‍🏫 In class **{info.code}**{title}. Its leaderboard is the class's.")
            st.button("Leave the class", key="class.leave", on_click=_leave)
            return
        st.text_input("Class code", key=CODE_KEY, max_chars=12, on_change=_join_typed, placeholder="from your teacher",
                      help="Typed once: this browser stays in the class until you leave it.")
        if ERROR_KEY in st.session_state:
            st.warning(plain(st.session_state[ERROR_KEY]), icon="🔑")


def nickname() -> str:
    """This learner's nickname, '' until they choose one."""
    return learners().nickname(learner())


def _keep_nickname(key: str) -> None:
    kept = learners().set_nickname(learner(), st.session_state[key])
    for other in NICKNAME_KEYS:  # every box shows what was kept
        st.session_state[other] = kept


def nickname_input(where: str, label: str = "Your nickname") -> None:
    """A box for the learner's nickname, kept in the store under their identity."""
    key = f"nickname.{where}"
    if key not in st.session_state:
        st.session_state[key] = nickname()
    st.text_input(label, key=key, max_chars=30, on_change=_keep_nickname, args=(key,), placeholder="anonymous",
                  help="Shown on the Leaderboard and beside your runs. Your runs and drawings belong to this "
                       "browser, not to the name: someone else typing the same name sees none of them.")


def learner_sidebar() -> None:
    """The nickname on every page, in the sidebar, where it can be changed."""
    with st.sidebar:
        nickname_input("sidebar")
