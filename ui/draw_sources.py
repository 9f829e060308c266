"""Where the Draw page's digit comes from: the canvas (a mouse, a finger or a pen), an uploaded
picture, or an MNIST test digit. The last two need no pointer: with them a keyboard or a
screen reader gives the models a digit, through the same preprocessing and answers."""
from __future__ import annotations

import streamlit as st

from core.models.drawing import PICTURE_MAX_BYTES, Preprocessed, picture_ink, preprocess
from ui.display import label_canvases
from ui.inside_choice import test_digit_number
from ui.keys import DRAWING_KEY
from ui.resources import dataset_or_stop
from ui.text import told

SOURCES = {"draw": "Draw it", "upload": "Upload a picture", "test": "A test digit"}
SOURCE_KEY, TEST_INDEX_KEY = "draw.source", "draw.test_index"
CANVAS_SIDE = 280   # px; fits a phone's column (about 330 px wide) as well as a desktop's
PEN_KEY = "draw_pen_width"
CANVAS_BOX = "draw.canvas"  # the keyed container the canvas is drawn in
CANVAS_NAME = ("Drawing area: draw one digit with a mouse, a finger or a pen. Without them, choose Upload a "
               "picture or A test digit above.")
CLEARS_KEY = "draw_clears"  # bumping it gives the canvas a new key: a truly empty canvas
STROKES_KEY = "draw_strokes"  # the canvas's last drawing (fabric.js objects), for Undo
REDRAW_KEY = "draw_redraw"    # what a new canvas starts from after Undo


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


def choose_source() -> str:
    st.session_state.setdefault(SOURCE_KEY, "draw")
    return st.segmented_control("Your digit", list(SOURCES), format_func=SOURCES.get, key=SOURCE_KEY,
                                required=True, help="Without a mouse or a touch screen: upload a picture of a "
                                "digit, or take one of the 10,000 MNIST test digits.")


def drawn_digit() -> Preprocessed | None:
    """The canvas, and what is drawn on it; the canvas keeps its strokes across a visit to Inside."""
    from streamlit_drawable_canvas import st_canvas  # here, not at import: tests stand a module in for it
    st.markdown("**Drawing area**: one digit, with a mouse, a finger or a pen.")  # one line, on a laptop
    st.space(40)  # room for the toolbar the canvas shows above itself on mouse hover
    with st.container(key=CANVAS_BOX):
        result = st_canvas(stroke_width=st.session_state.get(PEN_KEY, 18), stroke_color="#FFFFFF",
                           background_color="#000000", height=CANVAS_SIDE, width=CANVAS_SIDE,
                           drawing_mode="freedraw", return_image_data=True,
                           initial_drawing=st.session_state.get(REDRAW_KEY),
                           key=f"canvas.{st.session_state.get(CLEARS_KEY, 0)}")
    label_canvases(CANVAS_BOX, CANVAS_NAME, drawn=f"canvas {st.session_state.get(CLEARS_KEY, 0)}")
    if result is not None and result.json_data:
        st.session_state[STROKES_KEY] = result.json_data
    image = result.image_data if result is not None else None
    if image is None and shows_kept_strokes(result):
        return st.session_state.get(DRAWING_KEY)
    return preprocess(image) if image is not None else None


def canvas_tools() -> None:
    """Undo, Clear and the pen, below the canvas: its own toolbar appears above it on hover."""
    undo, clear = st.columns(2)
    undo.button("Undo stroke", icon="↩️", on_click=undo_stroke, width="stretch",
                disabled=len((st.session_state.get(STROKES_KEY) or {}).get("objects", [])) == 0)
    clear.button("Clear", icon="🧹", on_click=clear_canvas, width="stretch")
    st.slider("Pen width", 6, 40, 18, key=PEN_KEY, help="MNIST strokes are about a tenth of the digit's height.")


def uploaded_digit() -> Preprocessed | None:
    """A picture of one digit, dark on light paper or light on dark, cropped and centred like MNIST."""
    sent = st.file_uploader(f"A picture of one digit (PNG or JPEG, up to {PICTURE_MAX_BYTES / 1e6:.0f} MB)",
                            type=["png", "jpg", "jpeg"], key="draw.upload",
                            max_upload_size=round(PICTURE_MAX_BYTES / 1e6))  # the box says the page's own limit
    if sent is None:
        return None
    try:
        drawing = preprocess(picture_ink(sent.getvalue()))
    except ValueError as exc:
        st.warning(told(exc))
        return None
    if drawing is None:
        st.warning("That picture has no ink the models could read: send one digit, dark on light or light on dark.")
    return drawing


def test_digit() -> tuple[Preprocessed | None, int]:
    """One of the MNIST test digits, through the same steps as a drawing; and its true digit."""
    test = dataset_or_stop().test
    index = test_digit_number(len(test), TEST_INDEX_KEY)
    return preprocess(test.images[index].numpy()), int(test.labels[index])
