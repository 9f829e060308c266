"""Which model and which digit the Inside page opens: a shared link's, the learner's
choice (a test digit, one of the model's mistakes, or the drawing from Draw)."""
from __future__ import annotations

import streamlit as st
import torch

from core.analysis.compare import comparable_runs
from core.data.loading import as_input
from core.store.checkpoints import StoreError
from ui.keys import DRAWING_KEY, INSIDE_SOURCE_KEY
from ui.resources import evaluation_of_run

RUN_KEY, SOURCE_KEY, INDEX_KEY, MISTAKE_KEY = "inside.run", "inside.source", "inside.digit", "inside.mistake"
SOURCES = {"test": "A test digit", "mistake": "One it gets wrong", "drawing": "Your drawing"}
VIEW_KEY = "inside.view"
LINK_SEEN_KEY = "inside.link_seen"  # the address's parameters when the page last applied them
LINK_PARAMS = {RUN_KEY: "run", INDEX_KEY: "digit", VIEW_KEY: "view"}  # what a link may choose, by its key
KEEP = {"persist_state": "session"}  # choices survive a visit to Draw and back


def linked_run(store, run_id: str) -> list:
    try:
        return comparable_runs([store.get_run(run_id)])
    except StoreError:
        return []


LINKED_RUN_MISSING = "The link's model is not saved here, or has not finished training."


def seed_from_link(runs: dict, test_size: int, views: dict[str, str]) -> None:
    """?run=<id>&digit=<n>&view=<view> opens that model on that test digit; a wrong value says so
    in one sentence, without repeating it. A link followed within the session (a lesson's task)
    applies again; the same address on the page's own reruns does not undo the learner's choices."""
    params = st.query_params
    if params.to_dict() != st.session_state.get(LINK_SEEN_KEY, {}):
        for key, param in LINK_PARAMS.items():
            if params.get(param) is not None:
                st.session_state.pop(key, None)
        st.session_state[LINK_SEEN_KEY] = params.to_dict()
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
        if wanted in views:
            st.session_state[VIEW_KEY] = wanted
        else:
            st.warning(f"The link's view must be one of {', '.join(views)}: showing the first.")


def _random_number(key: str, count: int, also: dict) -> None:
    st.session_state[key] = int(torch.randint(count, ()))
    st.session_state.update(also)


def test_digit_number(count: int, key: str, also: dict | None = None, **keep) -> int:
    """A test digit's number, typed or drawn at random (Random also sets the session state in
    `also`); Inside and Draw choose test digits with it."""
    box, button = st.columns([3, 2], vertical_alignment="bottom")
    index = box.number_input("Test digit number", 0, count - 1, key=key, step=1, **keep,
                             help=f"Any of the {count:,} MNIST test digits.")
    button.button("Random", icon="🎲", on_click=_random_number, args=(key, count, also or {}), width="stretch")
    return int(index)


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
        index = test_digit_number(len(test), INDEX_KEY, also={SOURCE_KEY: "test"}, **KEEP)
    return as_input(test.images[index][None]), f"test digit {index:,}", int(test.labels[index])
