"""Lessons: a numbered path from the data to the three architectures side by side. Each lesson
is a card to read, tasks the app ticks from what the learner does, and a question to think about."""
from ui.frame import through_app

through_app()  # before the imports below: see ui/frame.py

import streamlit as st

from core.lessons.progress import next_lesson
from ui.identity import learner
from ui.lesson_views import lesson_choice_label, show_lesson
from ui.lessons import LESSONS_PAGE, learner_path
from ui.navigation import page_header
from ui.resources import dataset_or_stop, lesson_catalogue, run_store

LESSON_PARAM = "lesson"  # ?lesson=<file name>: the link to one lesson
CHOICE_KEY, SEEN_KEY = "lessons.choice", "lessons.link_seen"


page_header("🎓 Lessons",
            "One lesson at a time: read the card, do its tasks (they tick themselves as you do them), "
            "then think about its question.")
catalogue = lesson_catalogue()
for problem in catalogue.problems:  # a teacher's typo in one file; the other lessons go on
    st.warning(problem, icon="📄")
if not catalogue.lessons:
    st.info("There are no lessons on this server yet.")
    st.stop()
mnist = dataset_or_stop()
path = learner_path()
states = {state.lesson.lesson_id: state for state in path}
asked = st.query_params.get(LESSON_PARAM)
if asked in states and asked != st.session_state.get(SEEN_KEY):  # a link to a lesson, followed just now
    st.session_state[CHOICE_KEY] = asked
at = next_lesson(path)
opened = [state for state in path if state.is_open]
if st.session_state.get(CHOICE_KEY) not in states:  # the lesson the learner is at, or the last one open
    st.session_state[CHOICE_KEY] = (at or (opened or path)[-1]).lesson.lesson_id
if at is None and opened:
    st.success("You have done every task of the lessons open to you." + (
        " Your teacher opens the next one when the class is ready." if len(opened) < len(path) else
        " That is the whole path: try your own settings on Train, or draw for your models."), icon="🎉")

tasks_done, tasks_all = sum(len(s.done) for s in path), sum(len(s.lesson.tasks) for s in path)
choice, overall = st.columns([2, 1], vertical_alignment="bottom")
overall.progress(tasks_done / tasks_all, text=f"{tasks_done} of {tasks_all} tasks done on the whole path")
chosen = choice.selectbox("Lesson", list(states), key=CHOICE_KEY,
                          format_func=lambda lesson_id: lesson_choice_label(states[lesson_id]),
                          help="🔒: not open yet. A number such as 1/2: tasks done of that lesson's.")
st.query_params[LESSON_PARAM] = st.session_state[SEEN_KEY] = chosen  # the address is this lesson's link
runs = run_store().list_runs(learner=learner())
show_lesson(states[chosen], mnist, runs, catalogue.glossary)

st.divider()
ids = list(states)
position = ids.index(chosen)
back, forward = st.columns(2)
if position > 0:
    back.page_link(LESSONS_PAGE, label=f"Lesson {position}: {states[ids[position - 1]].lesson.title}", icon="⬅️",
                   query_params={LESSON_PARAM: ids[position - 1]})
if position + 1 < len(ids) and states[ids[position + 1]].is_open:  # a locked lesson is not a next step
    forward.page_link(LESSONS_PAGE, label=f"Lesson {position + 2}: {states[ids[position + 1]].lesson.title}",
                      icon="➡️", query_params={LESSON_PARAM: ids[position + 1]})
