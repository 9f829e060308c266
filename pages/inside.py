"""Inside: open a trained model, follow one digit through its layers, and bend the digit."""
from ui.frame import through_app

through_app()  # before the imports below: see ui/frame.py

import streamlit as st

from core.analysis.compare import best_per_arch, comparable_runs, run_label
from core.analysis.visibility import visible_runs
from core.models.architectures import label
from core.models.drawing import predict
from core.store.checkpoints import StoreError
from core.viz.pictures import digit_picture
from ui.identity import learner
from ui.inside_choice import (
    INDEX_KEY,
    KEEP,
    LINKED_RUN_MISSING,
    RUN_KEY,
    SOURCE_KEY,
    VIEW_KEY,
    choose_digit,
    linked_run,
    seed_from_link,
)
from ui.inside_views import (
    bend_lab,
    layer_by_layer,
    network_view,
    test_set_map,
    what_it_looks_for,
)
from ui.keys import INSIDE_SOURCE_KEY
from ui.lessons import did
from ui.navigation import page_header
from ui.resources import dataset_or_stop, model_of_run, my_class, run_store
from ui.text import EVERYONE_HELP, EVERYONE_LABEL, told

VIEWS = {"looks": "What it looks for", "layers": "Layer by layer", "network": "The network",
         "map": "Map of the test set", "bend": "Bend the digit"}


page_header("🔬 Inside",
            "Open a model you trained: what its weights look for, what each layer makes of one digit, "
           "and how its answer changes when the digit is bent.")
mnist = dataset_or_stop()
store = run_store()
everyone = st.session_state.get("inside.everyone", False)  # its toggle sits under the model box
mine = comparable_runs(visible_runs(store, learner(), my_class(), everyone, with_history=False))
runs = {run.run_id: run for run in mine}
if (linked := st.query_params.get("run")) and linked not in runs:  # a shared link: someone else's model
    runs.update({r.run_id: r for r in linked_run(store, linked)})
EVERYONE = dict(label=EVERYONE_LABEL, key="inside.everyone", **KEEP,
                help=EVERYONE_HELP)
if not runs:
    if linked:
        st.warning(LINKED_RUN_MISSING)
    st.info("No trained model of yours yet. Train one first: logistic regression takes about ten seconds.")
    st.page_link("pages/train.py", label="Train a model", icon="📈")
    st.toggle(**EVERYONE)
    st.stop()
seed_from_link(runs, len(mnist.test), VIEWS)
st.session_state.setdefault(VIEW_KEY, "looks")
best = best_per_arch(list(runs.values()))
if st.session_state.get(RUN_KEY) not in runs:
    st.session_state[RUN_KEY] = best.get("cnn") or max(runs, key=lambda i: runs[i].test_accuracy)

model_col, digit_col, answer_col = st.columns([5, 5, 3])
run_id = model_col.selectbox("Model", list(runs), key=RUN_KEY, **KEEP, format_func=lambda i: run_label(runs[i]))
model_col.toggle(**EVERYONE)
try:
    model = model_of_run(run_id)
except StoreError as exc:
    st.error(f"This model's file could not be loaded ({told(exc)}). Choose another.")
    st.stop()
run = runs[run_id]
with digit_col:
    image, caption, truth = choose_digit(run_id, mnist)
answer = predict(model, image)
answer_col.image(digit_picture(image, 3), caption=caption, width=84, alt=f"The digit being read: {caption}")
mine = run.learner == learner()  # what the learner does with their own models counts for their lessons
if mine and truth is not None and answer.digit != truth:
    did("misread.test", run.arch)
answer_col.markdown(f"**{label(run.arch)} reads {answer.digit}** ({answer.confidence:.0%} sure)"
                    + ("" if truth is None else " ✅" if answer.digit == truth else f" ❌ it is a {truth}"))

# One view at a time, so only what is looked at is computed (the map and the lab's curves
# take seconds the first time), and on a phone all five choices wrap onto the screen.
view = st.segmented_control("Look at", list(VIEWS), format_func=VIEWS.get, key=VIEW_KEY, required=True, **KEEP)
# Each view in a slot of its own, one empty slot per view: Streamlit keeps the view left, greyed
# out, until something else is drawn in its place or the run ends. Its slot is emptied at once,
# while the new view still computes (the map and the lab's curves take seconds).
slots = [st.empty() for _ in VIEWS]
if mine and view != "bend":  # the bend lab's counts once a slider moved the digit
    did(f"inside.{view}", run.arch)
with slots[list(VIEWS).index(view)].container():
    if view == "looks":
        what_it_looks_for(model, run.arch)
    elif view == "layers":
        layer_by_layer(model, run.arch, image)
    elif view == "network":
        network_view(model, mnist.spec.image_size)
    elif view == "map":
        drawn = st.session_state[SOURCE_KEY] == "drawing"
        test_set_map(run_id, model, mnist, INDEX_KEY, INSIDE_SOURCE_KEY, image if drawn else None)
    else:
        bend_lab(image, runs, best, mnist)
