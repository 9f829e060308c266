"""Class: the teacher's page. Every learner of a workshop at a glance, the queue with a
cancel for each job, the controls a workshop needs, and a projector view for the wall.
Listed only on a server with $DIGITS_TEACHER_KEY, opened only with that key."""
from ui.frame import through_app

through_app()  # before the imports below: see ui/frame.py

import streamlit as st

from core.classroom.classes import RateLimited, is_code, normal_code
from ui.class_lessons import PROGRESS_SECONDS, lesson_wall, pace_control, progress_table
from ui.class_views import (
    CAP_SECONDS,
    LIVE_SECONDS,
    cap_control,
    class_live,
    export_and_archive,
    hold_control,
    setup_control,
    wall_name_control,
)
from ui.identity import client_address, learner
from ui.navigation import TEACHER_KEY, require_app_navigation
from ui.projector import PROJECTOR_SECONDS, projector, projector_header
from ui.resources import classes, fragment, server_settings
from ui.text import plain, told

TRIES_KEY = "teacher.tries"  # wrong keys typed in this session
MAX_TRIES = 5
NEW_CLASS_KEY, NEW_TITLE_KEY = "class.new", "class.new.title"  # the popover (its open state) and its name box


def signed_in_or_stop(key: str) -> None:
    """Go on for a browser that typed the server's key (now or before); else ask for it."""
    if classes().is_teacher(learner(), key):
        st.session_state[TEACHER_KEY] = True
        return
    st.title("🧑‍🏫 Class")
    st.markdown("The teacher's view of a workshop. It needs the teacher key set on this server.")
    tries = st.session_state.get(TRIES_KEY, 0)
    if tries >= MAX_TRIES:
        st.error("Too many wrong keys: reload the page to try again.", icon="🔒")
        st.stop()
    with st.form("teacher.sign_in"):
        typed = st.text_input("Teacher key", type="password", max_chars=200)
        if st.form_submit_button("Open the teacher's view", type="primary"):
            try:
                signed_in = classes().sign_in(learner(), typed, key, client_address())
            except RateLimited as exc:  # too many wrong keys from this browser this minute
                st.warning(told(exc), icon="🔒")
                st.stop()
            if signed_in:
                st.session_state[TEACHER_KEY] = True
                st.rerun()
            st.session_state[TRIES_KEY] = tries + 1
            st.warning("That is not this server's teacher key.", icon="🔑")
    st.stop()


def sign_out() -> None:
    classes().sign_out(learner())
    st.session_state[TEACHER_KEY] = False


def chosen_class():
    """The class in the address bar (?code=...), else the newest; None before the first class."""
    found = classes().all_classes()
    asked = normal_code(st.query_params.get("code", ""))
    by_code = {info.code: info for info in found}
    if asked and not (is_code(asked) and asked in by_code):
        st.warning("The class in this link does not exist on this server; the newest class is shown.")
    info = by_code.get(asked) or (found[0] if found else None)
    return info, found


def class_picker(info, found) -> None:
    pick, new = st.columns([3, 2], vertical_alignment="bottom")
    if found:
        codes, by_title = [c.code for c in found], {c.code: c.title for c in found}
        chosen = pick.selectbox("Class", codes, index=codes.index(info.code),
                                format_func=lambda code: f"{code} · {by_title[code]}" if by_title[code] else code)
        if chosen != info.code:
            st.query_params["code"] = chosen
            st.rerun()
    with new.popover("Start a new class", icon="➕", width="stretch", key=NEW_CLASS_KEY, on_change="rerun"):
        st.text_input("Its name (shown to learners)", max_chars=60, placeholder="e.g. Tuesday workshop",
                      key=NEW_TITLE_KEY)
        st.button("Start it", type="primary", on_click=start_new_class)


def start_new_class() -> None:
    st.query_params["code"] = classes().start_class(st.session_state.get(NEW_TITLE_KEY, ""))
    st.session_state[NEW_CLASS_KEY] = False  # closed, so the new class's name and code are in view
    st.session_state[NEW_TITLE_KEY] = ""


require_app_navigation()
teacher_key = server_settings().teacher_key
if not teacher_key:  # opened by its file path on a server without teachers: nothing to show
    st.error("This server has no teacher's page.")
    st.stop()
signed_in_or_stop(teacher_key)
info, found = chosen_class()
if info is not None and st.query_params.get("view") == "projector":
    st.set_page_config(initial_sidebar_state="collapsed")  # the wall needs the width; a click opens it
    projector_header(info)
    if st.toggle("Show the lessons' progress", key="projector.lessons"):
        fragment(lesson_wall, run_every=PROJECTOR_SECONDS)(info.code)
    else:
        fragment(projector, run_every=PROJECTOR_SECONDS)(info)
    if st.button("Back to the teacher's view", icon="↩️"):
        del st.query_params["view"]
        st.rerun()
    st.stop()

st.title("🧑‍🏫 Class")
class_picker(info, found)
if info is None:
    st.info("Start a class: learners join it with its code, and this page shows them all.")
    st.stop()
st.markdown(f"## Class code: `{info.code}`" + (f" · {plain(info.title)}" if info.title else ""))
st.markdown(f"Learners type this code in the sidebar's *Class code* box, or open the join link the projector "
            f"shows as a QR code. Round {info.round}: the class's leaderboard shows this round's runs.")
st.button("Sign out of the teacher's view", on_click=sign_out, icon="🚪",
          help="On a shared computer: the next person here is a learner again.")
if st.toggle("Projector mode", help="Large, live, for the wall: the top ten's curves and the best model's mistakes."):
    st.query_params["view"] = "projector"
    st.rerun()
fragment(class_live, run_every=LIVE_SECONDS)(info.code)
hold_control(info.code)

st.header("Lessons")
pace_control(info.code)
with st.container(key="lesson-progress"):  # the whole width: every lesson's column and the total in view
    fragment(progress_table, run_every=PROGRESS_SECONDS)(info.code)

st.header("Controls")
setup_col, other_col = st.columns(2, gap="large")
with setup_col:
    st.subheader("One setup for everyone")
    setup_control(info)
with other_col:
    st.subheader("Cap a learner")
    fragment(cap_control, run_every=CAP_SECONDS)(info.code)  # learners who join appear in its list
    st.subheader("Names on the projector")
    fragment(wall_name_control, run_every=CAP_SECONDS)(info.code)
    st.subheader("Export and archive")
    export_and_archive(info)
