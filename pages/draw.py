"""Draw: draw a digit and see what every trained model answers."""
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from core.analysis.compare import best_per_arch, comparable_runs, run_label, train_all_configs
from core.analysis.visibility import visible_runs
from core.models.architectures import ARCHITECTURES, label
from core.models.drawing import predict, preprocess, saliency, saliency_overlay
from core.store.drawings import MyDrawings
from core.store.runs import StoreError
from core.training.config import preset
from core.viz.curves import probability_bars
from core.viz.pictures import enlarge
from ui.display import chart_config
from ui.identity import learner
from ui.keys import DRAWING_KEY, INSIDE_SOURCE_KEY
from ui.navigation import require_app_navigation
from ui.resources import model_of_run, my_class, run_store
from ui.sidebar import nickname
from ui.text import plain, train_all_label
from ui.trainings import sequence_progress, start_sequence, training_sequence

CANVAS_SIDE = 280   # px; fits a phone's column (about 330 px wide) as well as a desktop's
CLEARS_KEY = "draw_clears"  # bumping it gives the canvas a new key: a truly empty canvas
STROKES_KEY = "draw_strokes"  # the canvas's last drawing (fabric.js objects), for Undo
REDRAW_KEY = "draw_redraw"    # what a new canvas starts from after Undo
LABEL_KEY = "draw_label"
PEN_KEY = "draw_pen_width"


def clear_canvas() -> None:
    st.session_state[CLEARS_KEY] = st.session_state.get(CLEARS_KEY, 0) + 1
    st.session_state[REDRAW_KEY] = st.session_state[STROKES_KEY] = None


def undo_stroke() -> None:
    """Redraw the canvas with every stroke but the last. (The canvas's own undo sits in
    a toolbar that appears on mouse hover, which touch screens never get.)"""
    drawing = st.session_state.get(STROKES_KEY) or {}
    st.session_state[REDRAW_KEY] = {**drawing, "objects": drawing.get("objects", [])[:-1]}


def shows_kept_strokes(result) -> bool:
    """The canvas was opened again with the strokes kept when the learner left for Inside:
    it shows them, but reports no image until the next stroke."""
    return bool((st.session_state.get(REDRAW_KEY) or {}).get("objects")) and (result is None or result.image_data is None)


def save_drawing(image, store) -> None:
    label = st.session_state.get(LABEL_KEY)
    try:
        MyDrawings(store).add(image, label, nickname=nickname(), learner=learner())
    except (ValueError, StoreError) as exc:  # the drawing stays on the canvas: nothing is lost
        st.error(f"The drawing could not be saved ({plain(exc)}). Check that {plain(store.root)} is writable and try again.")
        return
    st.toast(f"Saved your {label} to “my drawings”. Draw the next one!", icon="💾")
    st.session_state[LABEL_KEY] = None
    clear_canvas()


require_app_navigation()
st.title("✏️ Draw")
st.caption("Draw a digit with the mouse or a finger. Every trained model says what it sees.")
store = run_store()
runs = {run.run_id: run for run in comparable_runs(visible_runs(store, learner(), my_class(), everyone=True,
                                                                  with_history=False))}
found = best_per_arch(list(runs.values()))
best = {arch: found[arch] for arch in ARCHITECTURES if arch in found}  # in the registry's order


def model_name(run_id: str, runs: dict, best: dict[str, str]) -> str:
    """The best run of an architecture is named by the architecture alone; others add their id."""
    arch = runs[run_id].arch
    return label(arch) if best.get(arch) == run_id else run_label(runs[run_id], accuracy=False)


def read_by_best(drawing) -> str | None:
    """One line under the canvas, so a phone shows the answer with the drawing: what the most
    accurate saved model reads."""
    if drawing is None or not best:
        return None
    top = max(best.values(), key=lambda run_id: runs[run_id].test_accuracy)
    try:
        answer = predict(model_of_run(top), drawing.tensor)
    except StoreError:
        return None  # the answer column says why
    sure = f"{answer.confidence:.0%} sure" if answer.sure else f"not sure, {answer.confidence:.0%}"
    return f"{model_name(top, runs, best)} reads **{answer.digit}** ({sure})"


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
                      help="Stops the model in training and cancels the ones still waiting.")

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
    headline = read_by_best(drawing)
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
        st.image(enlarge(drawing.centred, 6), caption="What the models see: 28×28, centred like MNIST", width=168)
        for run_id in chosen:
            try:
                model = model_of_run(run_id)
            except StoreError as exc:
                st.warning(f"{model_name(run_id, runs, best)} (run `{run_id}`) could not be loaded: {plain(exc)}")
                continue
            answer = predict(model, drawing.tensor)
            left, right = st.columns([1, 2])
            left.metric(label=model_name(run_id, runs, best), value=str(answer.digit),
                        delta=f"{answer.confidence:.0%} sure" if answer.sure else f"not sure ({answer.confidence:.0%})",
                        delta_color="normal" if answer.sure else "off", delta_arrow="off")
            if show_saliency:
                left.image(enlarge(saliency_overlay(drawing.centred, saliency(model, drawing.centred, answer.digit)),
                                   4), caption=f"why {answer.digit}", width=112)
            right.plotly_chart(probability_bars(answer.probabilities), key=f"probabilities.{run_id}",
                               config=chart_config())

if drawing is not None and show_steps:
    st.subheader("From your drawing to the model's input")
    steps = [(drawing.grey, "1. Your drawing as ink"), (drawing.cropped, "2. Cropped to the ink"),
             (enlarge(drawing.scaled, 6), "3. Longer side scaled to 20 px"),
             (enlarge(drawing.centred, 6), "4. Centre of mass put at the centre of 28×28")]
    for column, (picture, caption) in zip(st.columns(len(steps)), steps):
        column.image(picture.clip(0, 1) if picture.dtype.kind == "f" else picture, caption=caption, width=160)
    st.caption("MNIST was made this way, so a drawing looks like MNIST only after the same steps. "
               "Without centring, a digit drawn in a corner lands where the models never saw ink.")

if drawing is not None:
    with st.container(border=True):
        st.markdown("**Keep it for a test.** Tell the true digit to save this drawing to *my drawings*; "
                    "the Compare page tests every model on them.")
        st.segmented_control("It is a", list(range(10)), key=LABEL_KEY)
        st.button("Save drawing", icon="💾", disabled=st.session_state.get(LABEL_KEY) is None,
                  on_click=save_drawing, args=(drawing.centred, store))
