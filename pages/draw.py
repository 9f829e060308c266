"""Draw: draw a digit and see what every trained model answers."""
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from core.analysis.compare import best_per_arch, comparable_runs, train_all_configs
from core.analysis.visibility import visible_runs
from core.models.architectures import ARCHITECTURES
from core.models.drawing import preprocess
from core.training.config import preset
from core.viz.pictures import enlarge
from ui.draw_views import (
    CLEARS_KEY,
    REDRAW_KEY,
    STROKES_KEY,
    clear_canvas,
    keep_for_a_test,
    model_name,
    read_by_best,
    show_answers,
    show_preprocessing,
    shows_kept_strokes,
    undo_stroke,
)
from ui.identity import learner
from ui.keys import DRAWING_KEY, INSIDE_SOURCE_KEY
from ui.navigation import page_header
from ui.resources import my_class, run_store
from ui.text import STOP_SEQUENCE_HELP, train_all_label
from ui.trainings import sequence_progress, start_sequence, training_sequence

CANVAS_SIDE = 280   # px; fits a phone's column (about 330 px wide) as well as a desktop's
PEN_KEY = "draw_pen_width"


page_header("✏️ Draw",
            "Draw a digit with the mouse or a finger. Every trained model says what it sees.")
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

canvas_col, answer_col = st.columns([1, 1], gap="large")
with canvas_col:
    st.space(40)  # room for the toolbar the canvas shows above itself on mouse hover
    width = st.session_state.get(PEN_KEY, 18)
    result = st_canvas(stroke_width=width, stroke_color="#FFFFFF", background_color="#000000",
                       height=CANVAS_SIDE, width=CANVAS_SIDE, drawing_mode="freedraw", return_image_data=True,
                       initial_drawing=st.session_state.get(REDRAW_KEY),
                       key=f"canvas.{st.session_state.get(CLEARS_KEY, 0)}")
    if result is not None and result.json_data:
        st.session_state[STROKES_KEY] = result.json_data
    image = result.image_data if result is not None else None
    drawing = preprocess(image) if image is not None else None
    if image is None and shows_kept_strokes(result):
        drawing = st.session_state.get(DRAWING_KEY)
    st.session_state[DRAWING_KEY] = drawing
    headline = read_by_best(drawing, runs, best)
    if headline:
        st.markdown(f"#### {headline}")
    undo, clear = st.columns(2)
    undo.button("Undo stroke", icon="↩️", on_click=undo_stroke, width="stretch",
                disabled=len((st.session_state.get(STROKES_KEY) or {}).get("objects", [])) == 0)
    clear.button("Clear", icon="🧹", on_click=clear_canvas, width="stretch")
    # below the canvas: the canvas's own toolbar appears above it on hover, over whatever is there
    st.slider("Pen width", 6, 40, 18, key=PEN_KEY, help="MNIST strokes are about a tenth of the digit's height.")
    show_steps = st.toggle("Show each preprocessing step")
    show_saliency = st.toggle("Show which pixels mattered", help="Gradient × input: red pixels pushed the "
                              "model towards its answer, blue ones away from it.")

with answer_col:
    chosen = st.multiselect("Models that answer", list(runs), default=list(best.values()),
                            format_func=lambda i: f"{model_name(i, runs, best)} {runs[i].test_accuracy:.1%}",
                            help="The most accurate saved model of each architecture is chosen; add any other.")
    if drawing is None:
        st.info("Draw a digit on the black square: nothing is drawn yet.")
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

if drawing is not None:
    keep_for_a_test(drawing, store)
