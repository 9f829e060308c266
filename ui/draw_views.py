"""The Draw page's parts: the canvas's Undo and Clear, the models' answers to a drawing,
the preprocessing steps, and saving a drawing with its true digit."""
from __future__ import annotations

import streamlit as st

from core.analysis.compare import run_label
from core.models.architectures import label
from core.models.drawing import Preprocessed, predict, saliency, saliency_overlay
from core.store.checkpoints import StoreError
from core.store.drawings import MyDrawings
from core.store.runs import RunStore
from core.viz.curves import probability_bars
from core.viz.pictures import enlarge
from ui.display import chart_config, show_chart
from ui.draw_sources import clear_canvas
from ui.identity import learner
from ui.lessons import did
from ui.resources import model_of_run
from ui.sidebar import nickname
from ui.text import told

LABEL_KEY = "draw_label"


def save_drawing(drawing: Preprocessed, store: RunStore, readers: dict[str, str]) -> None:
    """Save the drawing as the digit the learner says it is; each of `readers` (run id → its
    architecture, the models that answered) that reads it otherwise has misread a drawing."""
    label = st.session_state.get(LABEL_KEY)
    try:
        MyDrawings(store).add(drawing.centred, label, nickname=nickname(), learner=learner())
    except (ValueError, StoreError) as exc:  # the drawing stays on the canvas: nothing is lost
        st.error(f"The drawing could not be saved ({told(exc)}). Check that {told(store.root)} is writable and "
                 "try again.")
        return
    st.toast(f"Saved your {label} to “my drawings”. Draw the next one!", icon="💾")
    for run_id, arch in readers.items():
        try:
            if predict(model_of_run(run_id), drawing.tensor).digit != label:
                did("misread.drawing", arch)
        except StoreError:  # a model file gone since it answered: it read nothing
            continue
    st.session_state[LABEL_KEY] = None
    clear_canvas()


def model_name(run_id: str, runs: dict, best: dict[str, str]) -> str:
    """The best run of an architecture is named by the architecture alone; others add their id."""
    arch = runs[run_id].arch
    return label(arch) if best.get(arch) == run_id else run_label(runs[run_id], accuracy=False)


def read_by_best(drawing, runs: dict, best: dict[str, str]) -> str | None:
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


def show_answers(chosen: list[str], runs: dict, best: dict[str, str], drawing: Preprocessed,
                 show_saliency: bool) -> None:
    """Each chosen model's digit, how sure it is, its ten probabilities and, when asked, why."""
    for run_id in chosen:
        try:
            model = model_of_run(run_id)
        except StoreError as exc:
            st.warning(f"{model_name(run_id, runs, best)} (run `{run_id}`) could not be loaded: {told(exc)}")
            continue
        answer = predict(model, drawing.tensor)
        did("draw.read", runs[run_id].arch)
        left, right = st.columns([1, 2])
        left.metric(label=model_name(run_id, runs, best), value=str(answer.digit),
                    delta=f"{answer.confidence:.0%} sure" if answer.sure else f"not sure ({answer.confidence:.0%})",
                    delta_color="normal" if answer.sure else "off", delta_arrow="off")
        if show_saliency:
            left.image(enlarge(saliency_overlay(drawing.centred, saliency(model, drawing.centred, answer.digit)),
                               4), caption=f"why {answer.digit}", width=112,
                       alt=f"Your drawing, coloured where its ink pushed the model towards {answer.digit}")
        show_chart(probability_bars(answer.probabilities), right, what="The probability it gives each digit",
                   key=f"probabilities.{run_id}", config=chart_config())


def show_preprocessing(drawing: Preprocessed) -> None:
    """The four steps from the canvas to a 28×28 MNIST-style input."""
    st.subheader("From your drawing to the model's input")
    steps = [(drawing.grey, "1. Your drawing as ink"), (drawing.cropped, "2. Cropped to the ink"),
             (enlarge(drawing.scaled, 6), "3. Longer side scaled to 20 px"),
             (enlarge(drawing.centred, 6), "4. Centre of mass put at the centre of 28×28")]
    for column, (picture, caption) in zip(st.columns(len(steps)), steps):
        column.image(picture.clip(0, 1) if picture.dtype.kind == "f" else picture, caption=caption, width=160,
                     alt=caption.split(". ", 1)[1])
    st.caption("MNIST was made this way, so a drawing looks like MNIST only after the same steps. "
               "Without centring, a digit drawn in a corner lands where the models never saw ink.")


def keep_for_a_test(drawing: Preprocessed, store: RunStore, readers: dict[str, str]) -> None:
    """Save the drawing with the digit the learner says it is, for Compare's "My drawings"."""
    st.markdown("**Keep it for a test**: say which digit it really is and save it to *my drawings*, "
                "which the Compare page tests every model on.")
    st.segmented_control("It is a", list(range(10)), key=LABEL_KEY)
    st.button("Save drawing", icon="💾", disabled=st.session_state.get(LABEL_KEY) is None,
              on_click=save_drawing, args=(drawing, store, readers))
