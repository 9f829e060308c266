"""Resources the pages share: one MNIST and one run store per process.

Not a page: app.py lists the pages explicitly, so this module is never shown.
"""
from __future__ import annotations

import uuid

# st.dataframe imports pandas on its first call: 0.4 s holding the GIL, which on the Train
# page fell inside a process's first training ("Your runs" lists the new run). Imported
# with the first page instead (docs/benchmarks.md, Train page open vs the CLI).
import pandas  # noqa: F401
import streamlit as st

from core.config import TrainConfig
from core.data import DataError, Mnist, data_dir, load_mnist
from core.evaluation import Evaluation, evaluate
from core.jobs import JobSequence
from core.models import MODEL_LABELS
from core.queue import TrainingQueue
from core.ranges import ConfigError
from core.store import RunStore, store_dir

DATA_DIR_KEY = "data_dir"  # session_state key of the data root typed on the home page
# the session's JobSequence: Compare's "Train all three" and Draw's in-place training
SEQUENCE_KEY = "training_sequence"
OWNER_KEY = "session_owner"  # this session's id in the training queue
NICKNAME_KEY = "nickname"    # what this session's runs are attributed to


def _use_app_navigation() -> None:
    """Make Streamlit run app.py's st.navigation, not its old pages/ folder mode.

    With a folder named pages/ beside app.py, Streamlit runs the requested
    pages/*.py directly (listing every file, this one too, in the sidebar) until
    some run has called st.navigation. Every page imports this module, so the
    first run of the process flips that switch and reruns through app.py.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the old mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


_use_app_navigation()


@st.cache_resource(show_spinner="Loading MNIST into memory…")
def _mnist(root: str) -> Mnist:
    return load_mnist(root)


@st.cache_resource
def _store(root: str) -> RunStore:
    return RunStore(root)


def current_data_dir() -> str:
    return str(data_dir(st.session_state.get(DATA_DIR_KEY) or None))


def mnist_or_stop() -> Mnist:
    """The dataset; a missing one shows core's instructions and ends this page's run."""
    try:
        return _mnist(current_data_dir())
    except DataError as exc:
        st.error(f"**MNIST is not available.** {exc}", icon="📂")
        st.stop()


def run_store() -> RunStore:
    return _store(str(store_dir()))


@st.cache_resource(max_entries=32, show_spinner="Evaluating the model on the test set…")
def _evaluation(store_root: str, run_id: str, data_root: str) -> Evaluation:
    return evaluate(_model(store_root, run_id), _mnist(data_root).test)


def evaluation_of_run(run_id: str) -> Evaluation:
    """Test-set evaluation of a saved model, computed once per process (raises StoreError)."""
    return _evaluation(str(store_dir()), run_id, current_data_dir())


@st.cache_resource(max_entries=32)
def _model(store_root: str, run_id: str):
    return _store(store_root).load_model(run_id)[0]


def model_of_run(run_id: str):
    """A saved model, loaded once per process (raises StoreError)."""
    return _model(str(store_dir()), run_id)


@st.cache_resource
def _queue() -> TrainingQueue:
    return TrainingQueue()


def training_queue() -> TrainingQueue:
    """The process's one training queue; bad limits in the environment end the page with their message."""
    try:
        return _queue()
    except ConfigError as exc:
        st.error(f"**The server's training limits are misconfigured.** {exc}", icon="⚙️")
        st.stop()


def session_owner() -> str:
    """This browser session's id: its jobs in the queue are its own."""
    if OWNER_KEY not in st.session_state:
        st.session_state[OWNER_KEY] = uuid.uuid4().hex
    return st.session_state[OWNER_KEY]


def nickname() -> str:
    return st.session_state.get(NICKNAME_KEY, "") or "anonymous"


def _keep_nickname() -> None:
    st.session_state[NICKNAME_KEY] = st.session_state["nickname_input"].strip()[:30]


def nickname_input() -> None:
    """A box for the learner's nickname; kept outside the widget so it survives page changes."""
    st.text_input("Your nickname", value=st.session_state.get(NICKNAME_KEY, ""), key="nickname_input",
                  max_chars=30, on_change=_keep_nickname, placeholder="anonymous",
                  help="Your runs are listed under it on the Leaderboard, and your saved drawings are kept under it.")


def mine() -> dict[str, str]:
    """Which runs and drawings are this learner's (a filter for RunStore.list_runs and
    MyDrawings.list): their nickname's, across visits, once they chose one; else only
    this browser session's."""
    name = st.session_state.get(NICKNAME_KEY, "")
    return {"nickname": name} if name else {"session": session_owner()}


def training_sequence() -> JobSequence | None:
    return st.session_state.get(SEQUENCE_KEY)


def start_sequence(configs: list[TrainConfig]) -> None:
    """Train `configs` one after another through the queue, then rerun to show the form locked."""
    queue, owner = training_queue(), session_owner()
    try:
        queue.check(configs[0], owner)
    except ConfigError as exc:
        st.warning(str(exc))
        return
    st.session_state[SEQUENCE_KEY] = JobSequence(configs, mnist_or_stop(), run_store(), nickname(),
                                                 queue=queue, session=owner).start()
    st.rerun()


def sequence_progress() -> None:
    """A progress bar per model of the session's sequence, redrawn every second while it
    trains; when it ends the whole page reruns, so the new models show up everywhere."""
    sequence = training_sequence()
    if sequence is not None and sequence.done:
        _progress_bars(sequence, live=False)
    elif sequence is not None:
        st.fragment(_progress_bars, run_every=1.0)(sequence, live=True)


def queue_notice(job) -> str:
    """ "2 ahead of you, about 40 s" for a waiting job; "" otherwise."""
    place = training_queue().place(job)
    if place is None or place.running:
        return ""
    wait = f", about {place.wait_seconds:.0f} s" if place.wait_seconds is not None else ""
    return f"{place.ahead} ahead of you{wait}"


def _progress_bars(sequence: JobSequence, live: bool) -> None:
    for job, snap in zip(sequence.jobs, sequence.snapshots()):
        label = MODEL_LABELS[snap.config.arch]
        waiting = queue_notice(job) if not snap.done else ""
        if waiting:
            st.progress(0.0, text=f"{label}: waiting in the queue, {waiting}")
        elif snap.done:
            accuracy = f", test accuracy {snap.test_accuracy:.2%}" if snap.test_accuracy is not None else ""
            st.progress(1.0, text=f"{label}: {snap.status}{accuracy}")
        else:
            st.progress(snap.progress, text=f"{label}: {snap.status}, {snap.examples_seen:,} of "
                                            f"{snap.total_examples:,} examples")
    if live and sequence.done:
        st.rerun()
