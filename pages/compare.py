"""Compare: the architectures side by side, and where each one fails."""
from ui.frame import through_app

through_app()  # before the imports below: see ui/frame.py

import streamlit as st

from core.analysis.compare import comparable_runs, preselected_runs, short_names, train_all_configs
from core.analysis.visibility import visible_runs
from core.store.checkpoints import StoreError
from core.store.drawings import MyDrawings
from ui.compare_views import Shown, accuracy_tab, disagreements_tab, drawings_tab, failures_tab, model_pickers
from ui.display import touch_screen
from ui.identity import learner
from ui.lessons import did
from ui.navigation import page_header
from ui.resources import (
    dataset_or_stop,
    evaluation_of_run,
    my_class,
    run_store,
)
from ui.text import EVERYONE_HELP, EVERYONE_LABEL, STOP_SEQUENCE_HELP, told, train_all_label
from ui.trainings import sequence_progress, start_sequence, training_sequence

QUICK = {"epochs": 1, "train_examples": 5_000}  # the quick budget: seconds, not minutes

page_header("⚖️ Compare",
            "Which model is better, and why? Test accuracy, speed and the digits each one gets wrong.")
mnist = dataset_or_stop()
store = run_store()
sequence = training_sequence()
training = sequence is not None and not sequence.done

with st.container(border=True):
    st.markdown(f"**{train_all_label()}** with their *default* presets on the same data and seed, one after "
               "another: a few minutes on a laptop CPU, or seconds with the quick budget.")
    go, stop, quick_col = st.columns([2, 2, 3], vertical_alignment="center")
    quick = quick_col.toggle("Quick comparison (1 epoch on 5,000 images)", disabled=training)
    if go.button(train_all_label(), type="primary", disabled=training, icon="▶️", key="compare.train_all",
                 width="stretch"):
        start_sequence(train_all_configs(**(QUICK if quick else {})))
    stop.button("Stop", disabled=not training, on_click=sequence.stop if training else None, icon="⏹️",
                width="stretch", help=STOP_SEQUENCE_HELP)
    sequence_progress()

everyone = st.toggle(EVERYONE_LABEL, help=EVERYONE_HELP)
runs = comparable_runs(visible_runs(store, learner(), my_class(), everyone))
if not runs:
    st.info(f"No trained model of yours yet. Press **{train_all_label()}** above, or train one on the "
            "**Train** page." + ("" if everyone else " Or switch on everyone's runs."))
    st.stop()

raced = [snap.run_id for snap in sequence.snapshots()] if sequence is not None and sequence.done else []
preselected = preselected_runs(runs, raced)
records = {r.run_id: r for r in runs}
chosen = model_pickers(records, preselected)
evaluations = {}
for run_id in chosen:
    try:
        evaluations[run_id] = evaluation_of_run(run_id)
    except StoreError as exc:
        st.warning(f"Skipped run `{run_id}`: its model file could not be loaded ({told(exc)}).")
if not evaluations:
    st.info("Choose at least one model that loads.")
    st.stop()
did("compare.open")
shown = Shown(evaluations, records, short_names(list(evaluations), records), mnist.test.images)

# a phone's 390 px hold four tabs only with one word each
TABS = ("Test accuracy", "Where each fails", "Disagreements", "My drawings")
PHONE_TABS = ("Accuracy", "Mistakes", "Disagree", "Drawings")
accuracy, failures, disagreeing, drawings = st.tabs(list(PHONE_TABS if touch_screen() else TABS))
with accuracy:
    accuracy_tab(shown)
with failures:
    failures_tab(shown)
with disagreeing:
    disagreements_tab(shown)
with drawings:
    drawings_tab(shown, MyDrawings(store).list(learner=learner()))
