"""Draw: draw a digit and see what every trained model answers."""
from ui.frame import through_app

through_app()  # before the imports below: see ui/frame.py

import streamlit as st

from core.analysis.compare import best_per_arch, comparable_runs, train_all_configs
from core.analysis.visibility import visible_runs
from core.models.architectures import ARCHITECTURES
from core.training.config import preset
from core.viz.pictures import enlarge
from ui.draw_sources import (
    REDRAW_KEY,
    STROKES_KEY,
    canvas_tools,
    choose_source,
    drawn_digit,
    test_digit,
    uploaded_digit,
)
from ui.draw_views import keep_for_a_test, model_name, read_by_best, show_answers, show_preprocessing
from ui.identity import learner
from ui.keys import DRAWING_KEY, INSIDE_SOURCE_KEY
from ui.navigation import page_header
from ui.resources import my_class, run_store
from ui.text import STOP_SEQUENCE_HELP, train_all_label
from ui.trainings import sequence_progress, start_sequence, training_sequence

NOTHING_YET = {"draw": "Draw a digit on the black square: nothing is drawn yet.",
               "upload": "Upload a picture of one digit: nothing is uploaded yet.",
               "test": "This test digit has no ink."}


page_header("✏️ Draw",
            "Draw a digit with the mouse or a finger, upload a picture of one, or take a test digit. "
            "Every trained model says what it sees.")
store = run_store()
runs = {run.run_id: run for run in comparable_runs(visible_runs(store, learner(), my_class(), everyone=True,
                                                                  with_history=False))}
found = best_per_arch(list(runs.values()))
best = {arch: found[arch] for arch in ARCHITECTURES if arch in found}  # in the registry's order


# One container, always at this place: when the training in it ends and its content goes,
# the canvas below keeps its place on the page, and with it its drawing.
with st.container():
    sequence = training_sequence()
    if not best and (sequence is None or sequence.done):
        with st.container(border=True):
            st.markdown("**No trained model yet.** Train one right here, or on the **Train** and **Compare** pages.")
            fast, full = st.columns(2)
            if fast.button("Train logistic regression (about 10 s)", type="primary", icon="⚡"):
                start_sequence([preset("logistic")])
            if full.button(f"{train_all_label()} (a few minutes)", icon="▶️", key="draw.train_all"):
                start_sequence(train_all_configs())
    if sequence is not None and (not sequence.done or not best):
        sequence_progress()
        if not sequence.done:
            st.button("Stop", icon="⏹️", on_click=sequence.stop, key="draw.stop",
                      help=STOP_SEQUENCE_HELP)

source_col, models_col = st.columns([2, 3], gap="large")
with source_col:
    source = choose_source()
with models_col:  # as wide as it can be: each chosen model's name stays whole
    chosen = st.multiselect("Models that answer", list(runs), default=list(best.values()),
                            format_func=lambda i: f"{model_name(i, runs, best)} {runs[i].test_accuracy:.1%}",
                            help="The most accurate saved model of each architecture is chosen; add any other.")
canvas_col, answer_col = st.columns([1, 1], gap="large")
with canvas_col:
    truth = None
    if source == "upload":
        drawing = uploaded_digit()
    elif source == "test":
        drawing, truth = test_digit()
    else:
        drawing = drawn_digit()
    st.session_state[DRAWING_KEY] = drawing
    headline = read_by_best(drawing, runs, best)
    if headline:
        st.markdown(f"#### {headline}")
    if truth is not None:
        st.markdown(f"The true digit, as MNIST labels it: **{truth}**.")
    if source == "draw":
        canvas_tools()
    show_steps = st.toggle("Show each preprocessing step")
    show_saliency = st.toggle("Show which pixels mattered", help="Gradient × input: red pixels pushed the "
                              "model towards its answer, blue ones away from it.")

with answer_col:
    if drawing is not None and truth is None:  # saving beside the answer, on a laptop's first screen
        keep_for_a_test(drawing, store, {run_id: runs[run_id].arch for run_id in chosen  # the learner's own
                                         if runs[run_id].learner == learner()})
    if drawing is None:
        st.info(NOTHING_YET[source])
    elif st.button("Look inside a model reading it", icon="🔬", key="draw.inside",
                   help="The Inside page follows this drawing through a model's layers; it stays here."):
        # the canvas starts from these strokes when this page is opened again
        st.session_state[REDRAW_KEY], st.session_state[INSIDE_SOURCE_KEY] = st.session_state.get(STROKES_KEY), "drawing"
        st.switch_page("pages/inside.py")
    else:
        st.image(enlarge(drawing.centred, 6), caption="What the models see: 28×28, centred like MNIST", width=168,
                 alt="Your drawing as the models see it: 28 by 28 pixels, centred like MNIST")
        show_answers(chosen, runs, best, drawing, show_saliency)

if drawing is not None and show_steps:
    show_preprocessing(drawing)
