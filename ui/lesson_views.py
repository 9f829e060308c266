"""One lesson on the Lessons page: its concept card with a picture from the app's own data or
the learner's runs, the words it explains, its tasks ticked or to do with a link each, and its
question with the answer on request."""
from __future__ import annotations

import streamlit as st

from core.analysis.compare import best_per_arch, comparable_runs, run_label
from core.data.loading import Dataset
from core.lessons.content import Lesson, Task
from core.lessons.progress import LessonState
from core.models.architectures import label
from core.store.runs import RunRecord
from core.viz.curves import Curve, accuracy_bars, accuracy_figure
from core.viz.pictures import average_digits, edge_map, enlarge, sample_grid
from ui.display import show_chart
from ui.glossary import explain

PAGE_FILES = {"home": "pages/home.py", "lessons": "pages/lessons.py", "train": "pages/train.py",
              "compare": "pages/compare.py", "draw": "pages/draw.py", "inside": "pages/inside.py",
              "leaderboard": "pages/leaderboard.py"}  # core.lessons.content.LINK_PAGES, as files
PAGE_TITLES = {"home": "Home", "lessons": "Lessons", "train": "Train", "compare": "Compare", "draw": "Draw",
               "inside": "Inside", "leaderboard": "Leaderboard"}
CURVES_SHOWN = 6  # the learner's latest runs on the `my_curves` chart


def _pixels(mnist: Dataset) -> None:
    digit = mnist.train.images[0]
    st.image(enlarge(digit.numpy(), 6), width=168, caption=f"Training digit 0, a {int(mnist.train.labels[0])}",
             alt="A handwritten 5, 28 by 28 pixels, enlarged")
    rows = digit[6:22:2, 6:22:2].tolist()  # every other pixel of the middle: the numbers that make the digit
    st.markdown("Its middle pixels, every other one, as the numbers the model reads (0 = paper, 255 = ink):")
    st.code("\n".join(" ".join(f"{v:3d}" for v in row) for row in rows), language=None)


def _samples(mnist: Dataset) -> None:
    images, labels = sample_grid(mnist.train.images, mnist.train.labels, count=12, seed=7)
    st.image(images, caption=[f"a {n}" for n in labels], width=60,
             alt=[f"A handwritten {n} from the training set" for n in labels])


def _average_digits(mnist: Dataset) -> None:
    st.image(average_digits(mnist.train), caption=[f"average {d}" for d in range(10)], width=60,
             alt=[f"The average of every training {d}: a blurred {d}" for d in range(10)])


def _edges(mnist: Dataset) -> None:
    digit = mnist.train.images[0]
    left, right = st.columns(2)
    left.image(enlarge(digit.numpy(), 4), caption="a training digit", width=112,
               alt="A handwritten 5")
    right.image(edge_map(digit, 4), caption="after a 3×3 edge filter", width=112,
                alt="The same 5 filtered: red where ink begins on the right, blue where it ends")
    st.caption("Filter: −1 0 1 / −2 0 2 / −1 0 1. A CNN learns dozens of filters like it.")


def _my_curves(runs: list[RunRecord]) -> None:
    latest = [run for run in runs if run.history.epochs][:CURVES_SHOWN]
    if not latest:
        st.info("Your runs' accuracy curves appear here once you have trained.")
        return
    curves = [Curve(f"{run_label(run)}, lr {run.config.get('lr', 0):g}", run.history) for run in latest]
    figure = accuracy_figure(curves, train=False, named=True, title="Your runs' test accuracy")
    # under the chart: in a card's narrow column a legend beside or over it covers the title
    figure.update_layout(legend=dict(orientation="h", x=0, y=-0.3, yanchor="top"), height=420 + 22 * len(curves))
    show_chart(figure, what="Your runs' test accuracy", key="lesson.curves")


def _my_best(runs: list[RunRecord]) -> None:
    best = best_per_arch(comparable_runs(runs))
    if not best:
        st.info("Your best model of each kind appears here once you have trained.")
        return
    chosen = {run.run_id: run for run in runs if run.run_id in best.values()}
    names = [label(chosen[best[arch]].arch) for arch in best]
    show_chart(accuracy_bars(names, [chosen[best[arch]].test_accuracy for arch in best]),
               what="Your best test accuracy per architecture", key="lesson.best")


def show_picture(name: str, mnist: Dataset, runs: list[RunRecord]) -> None:
    """The lesson's picture (core.lessons.content.PICTURES)."""
    if name in ("my_curves", "my_best"):
        (_my_curves if name == "my_curves" else _my_best)(runs)
    elif name:
        {"pixels": _pixels, "samples": _samples, "average_digits": _average_digits, "edges": _edges}[name](mnist)


def task_line(task: Task, done: bool) -> None:
    """One task: ticked or to do, in words as well as a sign, and the link that does it."""
    st.markdown(f"✅ **Done:** {task.text}" if done else f"⬜ **To do:** {task.text}")
    if task.page:
        st.page_link(PAGE_FILES[task.page], label=f"Task {task.number}: open {PAGE_TITLES[task.page]}", icon="➡️",
                       query_params=task.query or None, help=f"Opens {PAGE_TITLES[task.page]}"
                       + (" with this task's settings" if task.query else ""))


def show_lesson(state: LessonState, mnist: Dataset, runs: list[RunRecord], glossary: dict[str, str]) -> None:
    lesson: Lesson = state.lesson
    st.header(f"{state.number}. {lesson.title}")
    if not state.is_open:
        st.info("Your teacher has not opened this lesson yet. The ones you can do now have no lock in the list.",
                icon="🔒")
        return
    # the tasks beside the card, on a laptop's first screen; a phone reads the card first
    card, side = st.columns([3, 2], gap="large")
    with card:
        st.markdown(lesson.card)
        for term in lesson.terms:
            explain(term, glossary)
        if lesson.question:
            st.subheader("Think about it")
            st.markdown(lesson.question)
            with st.expander("Show the answer"):
                st.markdown(lesson.answer)
    with side:
        with st.container(border=True):
            st.markdown(f"**Your tasks: {len(state.done)} of {len(lesson.tasks)} done**")
            for task in lesson.tasks:
                task_line(task, task.number in state.done)
        show_picture(lesson.picture, mnist, runs)


def lesson_choice_label(state: LessonState) -> str:
    sign = "🔒" if not state.is_open else "✅" if state.complete else f"{len(state.done)}/{len(state.lesson.tasks)}"
    return f"{state.number}. {state.lesson.title} · {sign}"
