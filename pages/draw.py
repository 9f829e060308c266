"""Draw: draw a digit and see what every trained model answers."""
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from core.compare import best_per_arch, comparable_runs
from core.drawing import predict, preprocess
from core.models import MODEL_LABELS
from core.plots import probability_bars
from core.samples import enlarge
from core.store import StoreError
from pages.common import model_of_run, run_store

CANVAS_SIDE = 280
CLEARS_KEY = "draw_clears"  # bumping it gives the canvas a new key: a truly empty canvas

st.title("✏️ Draw")
st.caption("Draw a digit with the mouse or a finger. Every trained model says what it sees.")
store = run_store()
found = best_per_arch(comparable_runs(store.list_runs()))
best = {arch: found[arch] for arch in MODEL_LABELS if arch in found}  # logistic, MLP, CNN
if not best:
    st.info("No trained model yet. Train one on the **Train** page (logistic regression takes "
            "seconds) or press **Train all three** on the **Compare** page, then come back.")

canvas_col, answer_col = st.columns([1, 1], gap="large")
with canvas_col:
    width = st.slider("Pen width", 6, 40, 18, help="MNIST strokes are about a tenth of the digit's height.")
    result = st_canvas(stroke_width=width, stroke_color="#FFFFFF", background_color="#000000",
                       height=CANVAS_SIDE, width=CANVAS_SIDE, drawing_mode="freedraw", return_image_data=True,
                       key=f"canvas.{st.session_state.get(CLEARS_KEY, 0)}")
    if st.button("Clear", icon="🧹"):
        st.session_state[CLEARS_KEY] = st.session_state.get(CLEARS_KEY, 0) + 1
        st.rerun()

image = result.image_data if result is not None else None
drawing = preprocess(image) if image is not None else None
with answer_col:
    if drawing is None:
        st.info("Draw a digit on the black square: nothing is drawn yet.")
    else:
        st.image(enlarge(drawing.centred, 6),
                 caption="What the models see: 28×28, centred like MNIST", width=168)
        for arch, run_id in best.items():
            try:
                answer = predict(model_of_run(run_id), drawing.tensor)
            except StoreError as exc:
                st.warning(f"{MODEL_LABELS[arch]} (run `{run_id}`) could not be loaded: {exc}")
                continue
            st.metric(label=MODEL_LABELS[arch], value=str(answer.digit),
                      delta=f"{answer.confidence:.0%} sure" if answer.sure else f"not sure ({answer.confidence:.0%})",
                      delta_color="normal" if answer.sure else "off")
            st.plotly_chart(probability_bars(answer.probabilities), key=f"probabilities.{arch}")
