"""Home: what the app does, the data it uses, and the models trained so far."""
import streamlit as st

from core.data import DATA_DIR_ENV
from core.models import MODEL_LABELS
from core.samples import sample_grid
from pages.common import (DATA_DIR_KEY, current_data_dir, learners, mnist_or_stop, nickname, nickname_input,
                          run_store)
from pages.navigation import require_app_navigation

require_app_navigation()
st.title("✍️ Digits dashboard")
st.markdown(
    "Learn how neural networks read handwritten digits by training them yourself on "
    "**MNIST**: 70,000 grey 28×28 images of the digits 0–9 written by census staff and students.")
col_train, col_compare, col_draw = st.columns(3)
col_train.page_link("pages/train.py", label="**Train** a model and watch it learn", icon="📈")
col_compare.page_link("pages/compare.py", label="**Compare** logistic regression, MLP and CNN", icon="⚖️")
col_draw.page_link("pages/draw.py", label="**Draw** a digit and see what each model says", icon="✏️")
if not nickname():  # asked once; afterwards it sits in the sidebar of every page
    nickname_input("home", label="Choose a nickname for the Leaderboard")

st.header("The data")
with st.expander("Where MNIST is read from"):
    st.text_input(
        "Data folder (holds MNIST/raw/)", key=DATA_DIR_KEY, placeholder=current_data_dir(),
        help=f"Defaults to ${DATA_DIR_ENV}, else ./data. Without internet, copy the four MNIST "
             "files into <folder>/MNIST/raw/ and enter the folder here.")
mnist = mnist_or_stop()
st.caption(f"{len(mnist.train):,} training and {len(mnist.test):,} test images, "
           f"read from `{mnist.root}` ({mnist.source}).")
seed = st.number_input("Sample", min_value=0, max_value=10_000, value=0, step=1,
                       help="Change to draw another random sample of training digits.")
images, labels = sample_grid(mnist.train, count=24, seed=int(seed))
st.image(images, caption=[f"label {label}" for label in labels], width=84)

st.header("Trained models")
runs = run_store().list_runs(with_model=True)
if not runs:
    st.info("No trained model yet. Train one on the **Train** page, or from a terminal: "
            "`python -m core.train --arch cnn`.")
else:
    names = learners().display_names({r.learner for r in runs})
    st.dataframe(
        [{"run": r.run_id, "model": MODEL_LABELS[r.arch], "status": r.status,
          "test accuracy": r.test_accuracy, "training s": r.train_seconds,
          "by": names.get(r.learner) or r.nickname or "anonymous"}
         for r in runs],
        column_config={"test accuracy": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
                       "training s": st.column_config.NumberColumn(format="%.1f")},
        hide_index=True)
