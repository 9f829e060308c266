"""Inside: open a trained model, follow one digit through its layers, and bend the digit."""
import streamlit as st
import torch

from core.analysis.compare import best_per_arch, comparable_runs, run_label
from core.analysis.visibility import visible_runs
from core.data.loading import as_input
from core.models.architectures import label
from core.models.drawing import predict
from core.store.runs import StoreError
from core.viz.pictures import digit_picture
from ui.identity import learner
from ui.inside_views import (
    bend_lab,
    layer_by_layer,
    network_view,
    test_set_map,
    what_it_looks_for,
)
from ui.keys import DRAWING_KEY, INSIDE_SOURCE_KEY
from ui.navigation import require_app_navigation
from ui.resources import dataset_or_stop, evaluation_of_run, model_of_run, my_class, run_store
from ui.text import plain

RUN_KEY, SOURCE_KEY, INDEX_KEY, MISTAKE_KEY = "inside.run", "inside.source", "inside.digit", "inside.mistake"
SOURCES = {"test": "A test digit", "mistake": "One it gets wrong", "drawing": "Your drawing"}
VIEW_KEY = "inside.view"
VIEWS = {"looks": "What it looks for", "layers": "Layer by layer", "network": "The network",
         "map": "Map of the test set", "bend": "Bend the digit"}
KEEP = {"persist_state": "session"}  # choices survive a visit to Draw and back


def linked_run(store, run_id: str) -> list:
    try:
        return comparable_runs([store.get_run(run_id)])
    except StoreError:
        return []


LINKED_RUN_MISSING = "The link's model is not saved here, or has not finished training."


def seed_from_link(runs: dict, test_size: int) -> None:
    """?run=<id>&digit=<n>&view=<view> opens that model on that test digit; a wrong value says so
    in one sentence, without repeating it."""
    params = st.query_params
    if params.get("run") is not None and RUN_KEY not in st.session_state:
        if params["run"] in runs:
            st.session_state[RUN_KEY] = params["run"]
        else:
            st.warning(LINKED_RUN_MISSING + " Showing your best one instead.")
    text = params.get("digit")
    if text is not None and INDEX_KEY not in st.session_state:
        if text.isascii() and text.isdigit() and int(text) < test_size:
            st.session_state[INDEX_KEY], st.session_state[SOURCE_KEY] = int(text), "test"
        else:
            st.warning(f"The link's digit must be a test digit from 0 to {test_size - 1:,}: showing digit 0.")
    if (wanted := params.get("view")) is not None and VIEW_KEY not in st.session_state:
        if wanted in VIEWS:
            st.session_state[VIEW_KEY] = wanted
        else:
            st.warning(f"The link's view must be one of {', '.join(VIEWS)}: showing the first.")


def random_digit(test_size: int) -> None:
    st.session_state[INDEX_KEY] = int(torch.randint(test_size, ()))
    st.session_state[SOURCE_KEY] = "test"


def choose_digit(run_id: str, mnist) -> tuple[torch.Tensor, str, int | None]:
    """The digit to look at, (1, 1, 28, 28) in 0..1, with a caption and its true label when known."""
    if (request := st.session_state.pop(INSIDE_SOURCE_KEY, None)) is not None:
        st.session_state[SOURCE_KEY] = request
    st.session_state.setdefault(SOURCE_KEY, "test")
    source = st.segmented_control("Digit", list(SOURCES), format_func=SOURCES.get, key=SOURCE_KEY, required=True,
                                  **KEEP)
    test = mnist.test
    if source == "drawing":
        drawing = st.session_state.get(DRAWING_KEY)
        if drawing is None:
            st.info("Nothing drawn yet in this browser tab. Draw a digit first, then come back.")
            st.page_link("pages/draw.py", label="Draw a digit", icon="✏️")
            st.stop()
        st.page_link("pages/draw.py", label="Back to Draw", icon="✏️")
        return drawing.tensor, "your drawing", None
    if source == "mistake":
        mistakes = evaluation_of_run(run_id).mistakes(50)
        if not mistakes:
            st.success("This model reads every test digit right.")
            st.stop()
        picked = st.selectbox("Its most confident mistakes", range(len(mistakes)), key=MISTAKE_KEY, **KEEP,
                              format_func=lambda i: f"test digit {mistakes[i].index:,}: a {mistakes[i].true}, "
                              f"read as {mistakes[i].predicted} ({mistakes[i].confidence:.0%} sure)")
        index = mistakes[picked or 0].index
    else:
        box, button = st.columns([3, 2], vertical_alignment="bottom")
        index = box.number_input("Test digit number", 0, len(test) - 1, key=INDEX_KEY, step=1, **KEEP,
                                 help=f"Any of the {len(test):,} MNIST test digits.")
        button.button("Random", icon="🎲", on_click=random_digit, args=(len(test),), width="stretch")
    return as_input(test.images[index][None]), f"test digit {index:,}", int(test.labels[index])


require_app_navigation()
st.title("🔬 Inside")
st.caption("Open a model you trained: what its weights look for, what each layer makes of one digit, "
           "and how its answer changes when the digit is bent.")
mnist = dataset_or_stop()
store = run_store()
everyone = st.session_state.get("inside.everyone", False)  # its toggle sits under the model box
mine = comparable_runs(visible_runs(store, learner(), my_class(), everyone, with_history=False))
runs = {run.run_id: run for run in mine}
if (linked := st.query_params.get("run")) and linked not in runs:  # a shared link: someone else's model
    runs.update({r.run_id: r for r in linked_run(store, linked)})
EVERYONE = dict(label="Everyone's runs on this server", key="inside.everyone", **KEEP,
                help="Off: only the runs you trained in this browser.")
if not runs:
    if linked:
        st.warning(LINKED_RUN_MISSING)
    st.info("No trained model of yours yet. Train one first: logistic regression takes about ten seconds.")
    st.page_link("pages/train.py", label="Train a model", icon="📈")
    st.toggle(**EVERYONE)
    st.stop()
seed_from_link(runs, len(mnist.test))
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
    st.error(f"This model's file could not be loaded ({plain(exc)}). Choose another.")
    st.stop()
run = runs[run_id]
with digit_col:
    image, caption, truth = choose_digit(run_id, mnist)
answer = predict(model, image)
answer_col.image(digit_picture(image, 3), caption=caption, width=84)
answer_col.markdown(f"**{label(run.arch)} reads {answer.digit}** ({answer.confidence:.0%} sure)"
                    + ("" if truth is None else " ✅" if answer.digit == truth else f" ❌ it is a {truth}"))

# One view at a time, so only what is looked at is computed (the map and the lab's curves
# take seconds the first time), and on a phone all five choices wrap onto the screen.
view = st.segmented_control("Look at", list(VIEWS), format_func=VIEWS.get, key=VIEW_KEY, required=True, **KEEP)
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
