"""The teacher's pace on the Class page: which lessons are open to the class, a one-line
message on every learner's page, and every learner's progress along the path; the projector's
chart of it."""
from __future__ import annotations

import streamlit as st

from core.classroom.pace import MESSAGE_MAX
from core.config.fields import ConfigError
from core.lessons.progress import class_progress, learners_done
from core.viz.curves import lesson_bars
from ui.class_views import names_of
from ui.display import chart_config, show_chart, show_table
from ui.projector import CHART_HEIGHT, wall_sized
from ui.resources import class_pace, lesson_catalogue, lesson_progress
from ui.text import plain

PROGRESS_SECONDS = 2.0  # a tick on a learner's page reaches the teacher's table within this


def _lesson_name(lesson_id: str) -> str:
    catalogue = lesson_catalogue()
    return f"{catalogue.number(lesson_id)}. {catalogue.lesson(lesson_id).title}"


def _open_up_to(code: str, key: str) -> None:
    every = [lesson.lesson_id for lesson in lesson_catalogue().lessons]
    last = st.session_state[key]
    class_pace().open_lessons(code, None if last >= len(every) else every[:last])


def _up_to_words(last: int, lessons: list) -> str:
    if last == 0:
        return "None yet: the path is closed"
    if last >= len(lessons):
        return f"All {len(lessons)} lessons"
    return f"1 to {last}: up to “{lessons[last - 1].title}”"


def _post(code: str, key: str, message: str | None = None) -> None:
    try:
        class_pace().post(code, st.session_state[key] if message is None else message)
    except ConfigError as exc:
        st.session_state[f"{key}.error"] = str(exc)
        return
    st.session_state.pop(f"{key}.error", None)
    if message == "":
        st.session_state[key] = ""


def pace_control(code: str) -> None:
    """The lessons open to the class, and the teacher's message to it."""
    catalogue = lesson_catalogue()
    every = [lesson.lesson_id for lesson in catalogue.lessons]
    if not every:
        st.info("This server has no lessons.")
        return
    pace = class_pace().of(code)
    key = f"pace.open.{code}"
    if key not in st.session_state:  # the lessons open now, counted from the first
        opened = every if pace.open_lessons is None else pace.open_lessons
        st.session_state[key] = next((i for i, lesson_id in enumerate(every) if lesson_id not in opened), len(every))
    opened_col, message_col = st.columns(2, gap="large")
    opened_col.selectbox("Lessons open to the class", range(len(every) + 1), key=key, on_change=_open_up_to,
                         args=(code, key), format_func=lambda last: _up_to_words(last, catalogue.lessons),
                         help="Learners see the later lessons locked. Open the next one when the class is ready.")
    message_key = f"pace.message.{code}"
    st.session_state.setdefault(message_key, pace.message)
    with message_col:
        _message_control(code, message_key, pace.message)


def _message_control(code: str, message_key: str, showing: str) -> None:
    st.text_input("Message on every learner's page", key=message_key, max_chars=MESSAGE_MAX,
                  placeholder="Stop here and look at the projector",
                  help="One line, shown at the top of every page of this class's learners until you take it down.")
    post, down = st.columns(2)
    post.button("Show it", icon="📣", on_click=_post, args=(code, message_key), width="stretch")
    # never disabled: a button that turns disabled once pressed drops the keyboard's focus
    down.button("Take it down", icon="🧹", on_click=_post, args=(code, message_key, ""), width="stretch")
    if f"{message_key}.error" in st.session_state:
        st.warning(plain(st.session_state[f"{message_key}.error"]))
    else:
        st.caption(f"Showing now: “{plain(showing)}”" if showing else "No message is showing.")


def progress_table(code: str) -> None:
    """Every learner's tasks done per lesson, and where each is; redrawn every PROGRESS_SECONDS."""
    catalogue, names = lesson_catalogue(), names_of(code)
    if not names or not catalogue.lessons:
        st.caption("Each learner's ticks appear here once they join.")
        return
    ticks = lesson_progress().ticks(names)
    rows = class_progress(catalogue, ticks, names, class_pace().of(code).open_lessons)
    rows.sort(key=lambda row: row["tasks done"])  # who is furthest behind first
    show_table(rows)


def lesson_wall(code: str) -> None:
    """The projector's chart: learners done with each lesson."""
    catalogue, names = lesson_catalogue(), names_of(code)
    done = learners_done(catalogue, lesson_progress().ticks(names))
    opened = class_pace().of(code).open_lessons
    figure = lesson_bars([_lesson_name(lesson.lesson_id) for lesson in catalogue.lessons], done, len(names),
                         [opened is None or lesson.lesson_id in opened for lesson in catalogue.lessons])
    show_chart(wall_sized(figure, CHART_HEIGHT), key="projector.lesson_chart", config=chart_config(static=True))
