"""Home: what the app does, the data it uses, and the models trained so far."""
from ui.frame import through_app

through_app()  # before the imports below: see ui/frame.py

import streamlit as st

from core.analysis.run_table import run_rows
from core.data.loading import DATA_DIR_ENV, data_roots
from core.models.architectures import ARCHITECTURES
from core.viz.pictures import sample_grid
from ui.display import show_table
from ui.frame import HOME_HEADING
from ui.keys import DATA_DIR_KEY
from ui.lessons import did
from ui.navigation import TEACHER_KEY, heading, require_app_navigation
from ui.resources import dataset_files_or_stop, learners, my_class, run_store, server_settings
from ui.sidebar import nickname, nickname_input
from ui.text import plain


def _listed(names: list[str]) -> str:
    """'logistic regression, MLP and CNN'"""
    names = [n if n.isupper() else n.lower() for n in names]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


require_app_navigation()
heading(HOME_HEADING)
st.markdown(
    "Learn how neural networks read handwritten digits by training them yourself on "
    "**MNIST**: 70,000 grey 28×28 images of the digits 0–9 written by census staff and students.")
st.page_link("pages/lessons.py", label="**New here? Start with the Lessons**", icon="🎓",
             help="Seven steps from the data to your own handwriting, each ticked as you go.")
col_train, col_compare, col_draw = st.columns(3)
col_train.page_link("pages/train.py", label="**Train** a model and watch it learn", icon="📈")
col_compare.page_link("pages/compare.py", label=f"**Compare** {_listed([a.label for a in ARCHITECTURES.values()])}",
                      icon="⚖️")
col_draw.page_link("pages/draw.py", label="**Draw** a digit and see what each model says", icon="✏️")
if not nickname():  # asked once; afterwards it sits in the sidebar of every page
    nickname_input("home", label="Choose a nickname for the Leaderboard")

st.header("The data")
roots = [str(root) for root in data_roots()]
# where the data lies is the server's business: its teacher's, or the one user's of a server without classes
shows_paths = not server_settings().hosted and (not server_settings().teacher_key
                                                or st.session_state.get(TEACHER_KEY, False))
if len(roots) > 1 and shows_paths:  # copies of MNIST side by side under the data root
    with st.expander("Where MNIST is read from"):
        st.selectbox("Data folder", roots, key=DATA_DIR_KEY,
                     help=f"The folders under ${DATA_DIR_ENV} that hold MNIST/raw/. Another folder is "
                          "added by the server's host, not from the browser.")
mnist = dataset_files_or_stop()  # its arrays, read without torch: a fresh server draws this page first
st.caption(f"{len(mnist.train_labels):,} training and {len(mnist.test_labels):,} test images"
           + (f", read from {plain(mnist.root)} ({mnist.source})." if shows_paths else "."))
seed = st.number_input("Sample", min_value=0, max_value=10_000, value=0, step=1, key="home.sample",
                       help="Change to draw another random sample of training digits.")
if seed:
    did("home.sample")
images, labels = sample_grid(mnist.train_images, mnist.train_labels, count=24, seed=int(seed))
st.image(images, caption=[f"label {label}" for label in labels], width=84,
         alt=[f"A handwritten {label} from the training set" for label in labels])

st.header("Trained models")
runs = run_store().list_runs(with_model=True, with_history=False, class_code=my_class())  # the class's, or no class's
if not runs:
    st.info("No trained model yet. Train one on the **Train** page, or from a terminal: "
            "`python -m core.cli --arch cnn`.")
else:
    names = learners().display_names({r.learner for r in runs})
    show_table(run_rows(runs, ("model", "test accuracy", "by", "status", "training s", "run"), names),
               **{"test accuracy": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})
