"""The Compare page's tabs: accuracy, where each model fails, disagreements, own drawings.
Each draws one `Shown`: the chosen runs, their test-set evaluations and their names."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.analysis.compare import (
    THRESHOLDS,
    cell_indices,
    disagreements,
    examples_to_accuracy,
    run_tag,
    time_to_accuracy,
)
from core.analysis.run_table import run_rows
from core.models.architectures import ARCHITECTURES, label
from core.models.evaluation import Evaluation, evaluate
from core.store.drawings import as_split
from core.store.runs import RunRecord
from core.viz.curves import Curve, accuracy_bars, accuracy_figure, confusion_heatmap, per_class_error_bars
from core.viz.pictures import evaluation_tiles
from ui.display import PERCENT, chart_config, show_chart, show_table
from ui.resources import bent_accuracy_of_run, model_of_run

GALLERY_SIZE = 24


@dataclass(frozen=True)
class Shown:
    evaluations: dict[str, Evaluation]   # run id -> its test-set evaluation, in the order shown
    records: dict[str, RunRecord]        # run id -> its saved run
    names: dict[str, str]                # run id -> how it is named side by side
    test_images: object                  # the test set's images, for the galleries


def model_pickers(records: dict[str, RunRecord], preselected: list[str]) -> list[str]:
    """A picker per architecture (`records`: run id -> run, newest first), folded under a
    summary of what is shown; the chosen run ids."""
    runs = list(records.values())
    labels = {r.run_id: f"{r.test_accuracy:.2%} · {run_tag(r.run_id)}" for r in runs}
    defaults = {arch: [i for i in preselected if records[i].arch == arch] for arch in ARCHITECTURES}
    # Keyed by what is preselected: a new race gives new pickers, showing its models.
    pick_keys = {arch: f"compare.models.{arch}.{'-'.join(preselected)}" for arch in ARCHITECTURES}
    shown_now = [i for arch in ARCHITECTURES for i in st.session_state.get(pick_keys[arch], defaults[arch])]
    summary = ", ".join(f"{label(records[i].arch)} {records[i].test_accuracy:.1%}" for i in shown_now if i in records)
    chosen = []
    with st.expander(f"Models: {summary or 'none chosen'}"):
        for arch, column in zip(ARCHITECTURES, st.columns(len(ARCHITECTURES))):
            options = [r.run_id for r in runs if r.arch == arch]
            chosen += column.multiselect(label(arch), options, default=defaults[arch], format_func=labels.get,
                                         key=pick_keys[arch],
                                         help="Preselected: the runs of your last race, else the most accurate.")
    return chosen


def gallery(images, indices: list[int], evaluation, captions: list[str] | None = None) -> None:
    if not indices:
        st.caption("No such digits.")
        return
    tiles, default_captions = evaluation_tiles(images, evaluation, indices[:GALLERY_SIZE])
    shown = (captions or default_captions)[:GALLERY_SIZE]
    st.image(tiles, caption=shown, width=90, alt=[f"A test digit the model {text}" for text in shown])


BENT = "bent-digit accuracy"
SECONDS_TO_99 = "seconds to 99%"
BENT_NOTE = ("\"bent\": the 10,000 test digits again, each rotated up to ±25°, resized to 0.7-1.2×, moved up to "
             "2.5 px and drawn thinner or thicker, the same way for every model. Augmentation (Train → "
             "Augmentation, or the CNN's *robust* preset) trains on such digits.")


def accuracy_tab(shown: Shown) -> None:
    evaluations, names, records = shown.evaluations, shown.names, shown.records
    bent = {run_id: bent_accuracy_of_run(records[run_id]) for run_id in evaluations}
    show_chart(accuracy_bars([names[i] for i in evaluations], [e.accuracy for e in evaluations.values()],
               list(bent.values())), config=chart_config())
    accuracy, speed = [], []
    columns = ("test accuracy", "budget", "epochs trained", "parameters", "training s", "trainings at once")
    for (run_id, evaluation), row in zip(evaluations.items(), run_rows([records[i] for i in evaluations], columns)):
        reached, seconds = examples_to_accuracy(records[run_id].history), time_to_accuracy(records[run_id].history)
        accuracy.append({"model": names[run_id], "test accuracy": row["test accuracy"], BENT: bent[run_id],
                         "test loss": evaluation.loss, "budget": row["budget"], "epochs trained": row["epochs trained"],
                         "parameters": row["parameters"]})
        speed.append({"model": names[run_id], **{f"examples to {t:.0%}": reached[t] for t in THRESHOLDS},
                      SECONDS_TO_99: seconds[0.99], "training s": row["training s"],
                      "trainings at once": row["trainings at once"]})
    # two narrow tables rather than one wide one: every column is in view on a laptop
    st.markdown("**How accurate**")
    show_table(accuracy, **{BENT: PERCENT})
    st.markdown("**How fast they learned**")
    show_table(speed, **{SECONDS_TO_99: st.column_config.NumberColumn(format="%.1f")},
               **{f"examples to {t:.0%}": st.column_config.NumberColumn(format="localized") for t in THRESHOLDS})
    st.caption(BENT_NOTE)
    st.caption("\"examples to 99%\": training images seen until the test accuracy first reached 99% "
               "(— where it never did); it does not depend on how busy the server was. \"training s\" does: "
               "\"trainings at once\" says how many trainings shared the CPU meanwhile. \"seconds to 99%\": "
               "training time until the whole test set first scored 99%, checked at each epoch's end, or every "
               "10,000 examples or so for runs that ask for it (More settings → test-set check; the *fast* "
               "presets do).")
    left, right = st.columns(2)
    curves = [Curve(names[i], records[i].history) for i in evaluations]
    show_chart(accuracy_figure(curves, train=False, title="Test accuracy against examples seen"), left,
               key="curves_examples", config=chart_config())
    show_chart(accuracy_figure(curves, x="train_seconds", train=False,
               title="Test accuracy against training time"), right,
               key="curves_seconds", config=chart_config())


def choose_clicked_cell(run_id: str) -> None:
    """A clicked confusion-matrix cell sets the two digit boxes (before they are drawn)."""
    event = st.session_state.get(f"confusion.{run_id}")
    points = [p for p in (event.selection.points if event and event.selection else []) if "x" in p and "y" in p]
    if points:
        st.session_state[f"true.{run_id}"], st.session_state[f"guess.{run_id}"] = int(points[0]["y"]), int(points[0]["x"])


def confusion_tab(shown: Shown, run_id: str) -> None:
    evaluation, names = shown.evaluations[run_id], shown.names
    matrix, chooser = st.columns([3, 2])
    show_chart(confusion_heatmap(evaluation.confusion.tolist(), f"Confusion: {names[run_id]}"), matrix,
               key=f"confusion.{run_id}", on_select=lambda: choose_clicked_cell(run_id),
               selection_mode="points", config=chart_config())
    with chooser:
        true = st.selectbox("True digit", range(10), index=4, key=f"true.{run_id}")
        guess = st.selectbox("Predicted digit", range(10), index=9, key=f"guess.{run_id}")
        st.markdown(f"**True {true}, predicted {guess}**")
        st.markdown("Click a cell of the matrix, or choose the digits above.")
        gallery(shown.test_images, cell_indices(evaluation, true, guess), evaluation)
    st.markdown("**Most confident mistakes**")
    mistakes = evaluation.mistakes(limit=GALLERY_SIZE)
    gallery(shown.test_images, [m.index for m in mistakes], evaluation,
            [f"says {m.predicted} ({m.confidence:.0%}), is {m.true}" for m in mistakes])


def failures_tab(shown: Shown) -> None:
    evaluations, names = shown.evaluations, shown.names
    show_chart(per_class_error_bars([names[i] for i in evaluations],
               [e.per_class_accuracy for e in evaluations.values()]), config=chart_config())
    for run_id, tab in zip(evaluations, st.tabs([names[i] for i in evaluations])):
        with tab:
            confusion_tab(shown, run_id)


def disagreements_tab(shown: Shown) -> None:
    evaluations, names = shown.evaluations, shown.names
    if len(evaluations) < 2:
        st.markdown("Choose two models or more above to see the digits one gets right and another gets wrong.")
        return
    left, right = st.columns(2)
    ids = list(evaluations)
    good = left.selectbox("Right according to", ids, format_func=names.get, index=len(ids) - 1)
    bad = right.selectbox("Wrong according to", ids, format_func=names.get, index=0)
    found = disagreements(evaluations[good], evaluations[bad])
    st.caption(f"{len(found):,} test digits that {names[good]} gets right and {names[bad]} gets wrong "
               f"(frames and captions show {names[bad]}'s answer).")
    gallery(shown.test_images, found, evaluations[bad])


def drawings_tab(shown: Shown, drawn: list) -> None:
    evaluations, names = shown.evaluations, shown.names
    if not drawn:
        st.markdown("None yet. Draw digits on the **Draw** page and save each with its true digit: "
                   "this tab then tests every model on your own handwriting.")
        return
    split = as_split(drawn)
    on_drawings = {run_id: evaluate(model_of_run(run_id), split) for run_id in evaluations}
    mine = f"accuracy on your {len(split):,} drawing{'s' if len(split) != 1 else ''}"
    show_table([{"model": names[i], "MNIST test accuracy": evaluations[i].accuracy,
                 BENT: bent_accuracy_of_run(shown.records[i]), mine: on_drawings[i].accuracy} for i in evaluations],
               **{"MNIST test accuracy": PERCENT, BENT: PERCENT, mine: PERCENT})
    st.caption("Models trained on MNIST meet new handwriting here: a gap to the MNIST figure shows how "
               "much the 10,000 test digits flatter them.")
    for run_id, tab in zip(on_drawings, st.tabs([names[i] for i in on_drawings])):
        tiles, captions = evaluation_tiles(split.images, on_drawings[run_id], list(range(len(split)))[-GALLERY_SIZE:])
        tab.image(tiles, caption=captions, width=90, alt=[f"A drawing the model {text}" for text in captions])
