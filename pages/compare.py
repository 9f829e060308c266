"""Compare: the architectures side by side, and where each one fails."""
import streamlit as st

from core.compare import (
    THRESHOLDS,
    best_per_arch,
    cell_indices,
    comparable_runs,
    disagreements,
    time_to_accuracy,
    train_all_configs,
)
from core.evaluation import evaluate
from core.models import ARCHITECTURES, label
from core.my_drawings import MyDrawings, as_split
from core.plots import (
    Curve,
    accuracy_bars,
    accuracy_figure,
    confusion_heatmap,
    per_class_bars,
)
from core.run_table import run_rows
from core.samples import evaluation_tiles
from core.store import StoreError
from pages.common import (
    dataset_or_stop,
    evaluation_of_run,
    model_of_run,
    plain,
    run_store,
    sequence_progress,
    start_sequence,
    train_all_label,
    training_sequence,
)
from pages.identity import learner
from pages.navigation import require_app_navigation

QUICK = {"epochs": 1, "train_examples": 5_000}  # the quick budget: seconds, not minutes
GALLERY_SIZE = 24

require_app_navigation()
st.title("⚖️ Compare")
st.caption("Which model is better, and why? Test accuracy, speed and the digits each one gets wrong.")
mnist = dataset_or_stop()
store = run_store()
sequence = training_sequence()
training = sequence is not None and not sequence.done

with st.container(border=True):
    st.markdown(f"**{train_all_label()}** with their `default` presets on the same data and seed, one after "
                "another. The full budget takes a few minutes on a laptop CPU.")
    quick = st.toggle("Quick comparison (1 epoch on 5,000 images)", disabled=training)
    left, right = st.columns(2)
    if left.button(train_all_label(), type="primary", disabled=training, icon="▶️", key="compare.train_all"):
        start_sequence(train_all_configs(**(QUICK if quick else {})))
    right.button("Stop", disabled=not training, on_click=sequence.stop if training else None, icon="⏹️",
                 help="Stops the model in training and cancels the ones still waiting.")
    sequence_progress()

runs = comparable_runs(store.list_runs())
if not runs:
    st.info(f"No trained model yet. Press **{train_all_label()}** above, or train one on the **Train** page.")
    st.stop()

st.header("Models")
best = best_per_arch(runs)
chosen = []
for arch, column in zip(ARCHITECTURES, st.columns(len(ARCHITECTURES))):
    options = [r.run_id for r in runs if r.arch == arch]
    labels = {r.run_id: f"{r.test_accuracy:.2%} · {r.run_id}" for r in runs}
    chosen += column.multiselect(label(arch), options, default=[best[arch]] if arch in best else [],
                                 format_func=labels.get, help="The most accurate run is preselected.")
records = {r.run_id: r for r in runs}
evaluations = {}
for run_id in chosen:
    try:
        evaluations[run_id] = evaluation_of_run(run_id)
    except StoreError as exc:
        st.warning(f"Skipped run `{run_id}`: its model file could not be loaded ({plain(exc)}).")
if not evaluations:
    st.info("Choose at least one model that loads.")
    st.stop()
names = {run_id: f"{label(records[run_id].arch)} ({run_id[-6:]})" for run_id in evaluations}

st.header("Test accuracy")
st.plotly_chart(accuracy_bars([names[i] for i in evaluations], [e.accuracy for e in evaluations.values()]))
table = []
for (run_id, evaluation), row in zip(evaluations.items(), run_rows([records[i] for i in evaluations],
                                                                   ("parameters", "training s", "epochs trained"))):
    reached = time_to_accuracy(records[run_id].history)
    table.append({"model": names[run_id], "test accuracy": evaluation.accuracy, "test loss": evaluation.loss,
                  **row, **{f"s to {t:.0%}": reached[t] for t in THRESHOLDS}})
st.dataframe(table, hide_index=True, column_config={
    "test accuracy": st.column_config.NumberColumn(format="percent"),
    "test loss": st.column_config.NumberColumn(format="%.4f"),
    **{c: st.column_config.NumberColumn(format="%.1f") for c in table[0] if c.endswith("%") or c == "training s"}})
st.caption("\"s to 99%\": training seconds until the end of the first epoch at or above that accuracy; "
           "None where never reached.")
left, right = st.columns(2)
curves = [Curve(names[i], records[i].history) for i in evaluations]
left.plotly_chart(accuracy_figure(curves, x="examples_seen"), key="curves_examples")
right.plotly_chart(accuracy_figure(curves, x="train_seconds"), key="curves_seconds")


def gallery(images, indices: list[int], evaluation, captions: list[str] | None = None) -> None:
    if not indices:
        st.caption("No such digits.")
        return
    tiles, default_captions = evaluation_tiles(images, evaluation, indices[:GALLERY_SIZE])
    st.image(tiles, caption=(captions or default_captions)[:GALLERY_SIZE], width=90)


st.header("Where each model fails")
st.plotly_chart(per_class_bars([names[i] for i in evaluations],
                               [e.per_class_accuracy for e in evaluations.values()]))
for run_id, tab in zip(evaluations, st.tabs([names[i] for i in evaluations])):
    evaluation = evaluations[run_id]
    with tab:
        matrix, chooser = st.columns([3, 2])
        event = matrix.plotly_chart(confusion_heatmap(evaluation.confusion.tolist(), f"Confusion: {names[run_id]}"),
                                    key=f"confusion.{run_id}", on_select="rerun", selection_mode="points")
        points = event.selection.points if event and event.selection else []
        with chooser:
            true = st.selectbox("True digit", range(10), index=4, key=f"true.{run_id}")
            guess = st.selectbox("Predicted digit", range(10), index=9, key=f"guess.{run_id}")
            if points:  # a clicked cell wins over the boxes
                true, guess = int(points[0]["y"]), int(points[0]["x"])
            st.markdown(f"**True {true}, predicted {guess}**")
            gallery(mnist.test.images, cell_indices(evaluation, true, guess), evaluation)
        st.subheader("Most confident mistakes")
        mistakes = evaluation.mistakes(limit=GALLERY_SIZE)
        gallery(mnist.test.images, [m.index for m in mistakes], evaluation,
                [f"says {m.predicted} ({m.confidence:.0%}), is {m.true}" for m in mistakes])

if len(evaluations) >= 2:
    st.header("Disagreements")
    left, right = st.columns(2)
    ids = list(evaluations)
    good = left.selectbox("Right according to", ids, format_func=names.get, index=len(ids) - 1)
    bad = right.selectbox("Wrong according to", ids, format_func=names.get, index=0)
    found = disagreements(evaluations[good], evaluations[bad])
    st.caption(f"{len(found)} test digits that {names[good]} gets right and {names[bad]} gets wrong "
               f"(frames and captions show {names[bad]}'s answer).")
    gallery(mnist.test.images, found, evaluations[bad])

st.header("My drawings")
drawn = MyDrawings(store).list(learner=learner())
if not drawn:
    st.caption("None yet. Draw digits on the **Draw** page and save each with its true digit: "
               "this section then tests every model on your own handwriting.")
else:
    split = as_split(drawn)
    on_drawings = {run_id: evaluate(model_of_run(run_id), split) for run_id in evaluations}
    st.dataframe([{"model": names[i], "MNIST test accuracy": evaluations[i].accuracy,
                   f"accuracy on {len(split)} drawings": on_drawings[i].accuracy} for i in evaluations],
                 hide_index=True, column_config={c: st.column_config.NumberColumn(format="percent")
                                                 for c in ("MNIST test accuracy", f"accuracy on {len(split)} drawings")})
    st.caption("Models trained on MNIST meet new handwriting here: a gap to the MNIST figure shows how "
               "much the 10,000 test digits flatter them.")
    for run_id, tab in zip(on_drawings, st.tabs([names[i] for i in on_drawings])):
        tiles, captions = evaluation_tiles(split.images, on_drawings[run_id], list(range(len(split)))[-GALLERY_SIZE:])
        tab.image(tiles, caption=captions, width=90)
