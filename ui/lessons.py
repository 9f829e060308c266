"""Lessons on every page: the learner's lesson in the sidebar with its ticks, a toast the moment
a task is done (on the page where it was done), the teacher's message to the class, and what
the pages record for the tasks to be checked from (core.store.actions)."""
from __future__ import annotations

import contextvars

import streamlit as st

from core.classroom.pace import Pace
from core.lessons.content import Lesson
from core.lessons.progress import LessonState, next_lesson, path_of
from ui.identity import learner
from ui.resources import class_pace, fragment, lesson_catalogue, lesson_progress, my_class, my_pace
from ui.text import plain

LESSONS_PAGE = "pages/lessons.py"
MESSAGE_SECONDS = 5.0  # how soon the teacher's message reaches a page nobody touches
RECORDED_KEY = "lessons.recorded"  # (action, detail) pairs this session has recorded already
_sidebar_slot = contextvars.ContextVar("lesson_sidebar_slot", default=None)  # set for one run of a page
PACE_KEY = "lessons.pace"  # the class's pace as this session's last page run read it (once a run)


def _pace() -> Pace:
    if PACE_KEY not in st.session_state:
        st.session_state[PACE_KEY] = my_pace()
    return st.session_state[PACE_KEY]


def open_lessons() -> list[Lesson]:
    """The lessons this learner may work on now: all of them, or those their teacher opened."""
    opened = _pace().open_lessons
    return [lesson for lesson in lesson_catalogue().lessons if opened is None or lesson.lesson_id in opened]


def learner_path() -> list[LessonState]:
    """Every lesson with this learner's ticks, open or closed to them."""
    done = lesson_progress().ticks([learner()])[learner()]
    return path_of(lesson_catalogue(), done, _pace().open_lessons)


def tick_new_tasks() -> int:
    """Tick the tasks the learner's runs and actions now meet, each with a toast; how many."""
    ticked = lesson_progress().update(learner(), open_lessons())
    for lesson, task in ticked:
        # lesson files are the server's content, not a visitor's: their Markdown is shown as written
        st.toast(f"Lesson {lesson_catalogue().number(lesson.lesson_id)}, task done: {task.text}", icon="✅")
    return len(ticked)


def _draw_sidebar(slot) -> None:
    path = learner_path()
    at = next_lesson(path)
    with slot.container():  # the same two elements either way: a redraw leaves nothing of the last one
        if at is None:
            closed = any(not state.is_open for state in path)
            st.page_link(LESSONS_PAGE, label="Lessons: every open one done", icon="🎓")
            st.progress(1.0, text="Your teacher opens the next one." if closed else "You walked the whole path.")
            return
        st.page_link(LESSONS_PAGE, label=f"Your lesson: {at.number} of {len(path)}", icon="🎓",
                     query_params={"lesson": at.lesson.lesson_id})
        st.progress(len(at.done) / len(at.lesson.tasks),
                    text=f"{at.lesson.title}: {len(at.done)} of {len(at.lesson.tasks)} tasks done")


def lesson_sidebar() -> None:
    """Every page run: tick what is newly done, then the learner's lesson in the sidebar."""
    st.session_state[PACE_KEY] = my_pace()
    if not lesson_catalogue().lessons:
        return
    tick_new_tasks()
    with st.sidebar:
        slot = st.empty()
    _sidebar_slot.set(slot)
    _draw_sidebar(slot)


def forget_sidebar_slot() -> None:
    """After a page's run: a fragment's later reruns have no sidebar to redraw."""
    _sidebar_slot.set(None)


def did(action: str, detail: str = "") -> None:
    """A page records what the learner just did; a task it completes is ticked now, with a toast
    and the sidebar redrawn."""
    recorded = st.session_state.setdefault(RECORDED_KEY, set())  # the store is asked once per session and action
    if (action, detail) in recorded:
        return
    recorded.add((action, detail))
    if lesson_progress().actions.record(learner(), action, detail) and tick_new_tasks():
        if (slot := _sidebar_slot.get()) is not None:
            _draw_sidebar(slot)


def _message_banner(code: str) -> None:
    message = class_pace().of(code).message
    if message:
        st.info(f"**Your teacher:** {plain(message)}", icon="📣")


def class_message() -> None:
    """The teacher's one line to the class, on top of every page of its learners: redrawn every
    MESSAGE_SECONDS, so a learner reading a card sees it come and go without touching anything."""
    code = my_class()
    if code:
        fragment(_message_banner, run_every=MESSAGE_SECONDS)(code)
