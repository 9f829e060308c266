"""What the pages share, once per server process: the checked settings, the dataset, the
run store and the tables beside it, the training queue, loaded models and their evaluations.
Each getter ends the page with one sentence when what it needs cannot be had. Importing this
module imports no torch, which the getters of models, evaluations and the queue import when
first called: Home, which needs none of them, draws on a fresh server without it (warm_up)."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from core.classroom.classes import Classes, ClassInfo
from core.classroom.pace import NO_PACE, ClassPace, Pace
from core.config.fields import ConfigError
from core.config.settings import Settings, data_dir, settings, store_dir
from core.data.datasets import DEFAULT_DATASET, dataset_spec
from core.data.loading import DataError, Dataset, DatasetFiles, Split, data_roots, read_dataset
from core.jobs.ray_connection import ClusterUnreachable
from core.lessons.content import Catalogue, load_lessons
from core.lessons.progress import LessonProgress
from core.store.checkpoints import StoreError
from core.store.learners import Learners
from core.store.runs import RunRecord, RunStore
from core.training.limits import check_every_architecture_fits, queue_limits
from ui.frame import say_under_heading
from ui.identity import learner
from ui.keys import DATA_DIR_KEY
from ui.text import plain, told

if TYPE_CHECKING:
    from core.jobs.queue import TrainingQueue
    from core.models.evaluation import Evaluation


# One entry per real folder (paths are resolved first), at most two kept: a visitor cannot
# fill the memory with copies of MNIST by spelling one folder several ways. Each holds its
# tensors too (DatasetFiles.tensors, the same memory), which go with it.
@st.cache_resource(show_spinner="Loading the dataset into memory…", max_entries=2)
def _dataset_files(root: str, name: str) -> DatasetFiles:
    # only the configured root may be downloaded into; a chosen subfolder is read as it is
    return read_dataset(root, dataset_spec(name), download=Path(root) == data_dir().resolve())


def _dataset(root: str, name: str) -> Dataset:
    return _dataset_files(root, name).tensors


@st.cache_resource
def _store(root: str) -> RunStore:
    return RunStore(root)


def current_data_dir() -> str:
    """The configured data root, or the folder under it this session chose on Home (never
    anything outside it: the choice is re-checked against the folders that hold MNIST)."""
    chosen = st.session_state.get(DATA_DIR_KEY)
    if chosen and not server_settings().hosted and Path(chosen) in data_roots():
        return chosen
    return str(data_dir().resolve())


def dataset_or_stop(name: str = DEFAULT_DATASET) -> Dataset:
    """The dataset as tensors; a missing one shows core's instructions and ends this page's run."""
    return dataset_files_or_stop(name).tensors


def dataset_files_or_stop(name: str = DEFAULT_DATASET) -> DatasetFiles:
    """The dataset as its files' arrays, without torch (Home); a missing one ends the page as above."""
    try:
        return _dataset_files(current_data_dir(), name)
    except DataError as exc:
        st.error(f"**{plain(dataset_spec(name).label)} is not available.** {told(exc)}", icon="📂")
        st.stop()


def run_store() -> RunStore:
    """The process's run store; one that cannot be opened ends the page with what to do."""
    try:
        return _store(str(store_dir()))
    except StoreError as exc:
        store_failed(exc)


def fragment(body, run_every: float | None = None):
    """st.fragment of `body`. A fragment's own reruns skip app.py, so a run store that fails
    during one ends it here with the same one sentence as a whole run (ui.navigation.run_app)."""
    @functools.wraps(body)
    def guarded(*args, **kwargs):
        try:
            return body(*args, **kwargs)
        except StoreError as exc:
            store_failed(exc)
    return st.fragment(guarded, run_every=run_every)


def store_failed(exc: StoreError) -> None:
    """One page-level message for a store that cannot be read or written; ends the page."""
    st.error(f"**Saved runs cannot be read or written right now.** {told(exc)}. Nothing saved so far is lost: "
             "try again in a minute.", icon="🗄️")
    st.stop()


# Few entries: a 4x2048 MLP is 56 MB, and a visitor can ask Draw for any saved model.
@st.cache_resource(max_entries=8, show_spinner="Evaluating the model on the test set…")
def _evaluation(store_root: str, run_id: str, data_root: str, dataset: str) -> Evaluation:
    from core.models.evaluation import evaluate
    return evaluate(_model(store_root, run_id), _dataset(data_root, dataset).test)


def evaluation_of_run(run_id: str, dataset: str = DEFAULT_DATASET) -> Evaluation:
    """Test-set evaluation of a saved model, computed once per process (raises StoreError)."""
    return _evaluation(str(store_dir()), run_id, current_data_dir(), dataset)


@st.cache_resource(max_entries=2, show_spinner="Bending the 10,000 test digits…")
def _bent_test_set(data_root: str, dataset: str) -> Split:
    from core.models.robustness import bent_test_set
    return bent_test_set(_dataset(data_root, dataset).test)  # the copy the server's trainings test on


@st.cache_resource(max_entries=16, show_spinner="Testing the model on bent digits…")
def _bent_evaluation(store_root: str, run_id: str, data_root: str, dataset: str) -> Evaluation:
    from core.models.evaluation import evaluate
    return evaluate(_model(store_root, run_id), _bent_test_set(data_root, dataset))


def bent_evaluation_of_run(run_id: str, dataset: str = DEFAULT_DATASET) -> Evaluation:
    """A saved model on the bent test set (core.data.augment.shifted_test_set), once per process."""
    return _bent_evaluation(str(store_dir()), run_id, current_data_dir(), dataset)


def bent_accuracy_of_run(record: RunRecord) -> float:
    """A saved run's accuracy on the bent test set: as recorded when it ended, else (a run
    saved before runs recorded it) evaluated here, once per process (raises StoreError)."""
    if record.bent_accuracy is not None:
        return record.bent_accuracy
    return bent_evaluation_of_run(record.run_id, record.dataset).accuracy


MISCONFIGURED = "**This server is misconfigured.** {}. Fix the setting and restart the server."


@st.cache_resource
def _checked_settings() -> Settings:
    return settings()


@st.cache_resource
def _limits_mistake() -> str:
    """'' when the server's limits allow some preset of every architecture; else which they refuse."""
    try:
        check_every_architecture_fits(queue_limits(server_settings()))
    except ConfigError as exc:
        return told(exc)
    return ""


def limits_said() -> None:
    """Limits that leave a learner some architecture they cannot start (the DIGITS_MAX_* settings
    refuse its every preset) are a mistake, said under the heading of every page. The check
    estimates each preset's size, which imports torch: before torch is in, it waits until the
    page is drawn (ui.navigation.run_app), so a fresh server's first page is drawn without it."""
    if mistake := _limits_mistake():
        say_under_heading(MISCONFIGURED.format(mistake))


@st.cache_resource
def warm_up() -> None:
    """Imports torch and its shape machinery with the process's first size estimate (0.5 s
    beyond the import, seconds when many first visits share the GIL), once, after the first
    page is drawn (ui.navigation.run_app), while other sessions wait: Home draws without
    torch, and the page a learner opens next finds it loaded. Likewise st.dataframe imports
    pandas on its first call: 0.4 s holding the GIL, which on the Train page fell inside a
    process's first training ("Your runs" lists the new run) (docs/benchmarks.md, Train page
    open vs the CLI)."""
    from core.training.budget import estimate
    from core.training.config import preset

    estimate(preset("logistic"))
    import pandas  # noqa: F401


def server_settings() -> Settings:
    """The server's settings, read and checked once per process (settings_or_stop reported any mistake)."""
    return _checked_settings()


def settings_or_stop() -> None:
    """Every DIGITS_* setting is read once, at the server's first page; a wrong one ends every
    page with one sentence naming it (limits that refuse every preset of an architecture are
    said after the page: limits_said). A hosted demo hides Streamlit's developer menu and
    error details."""
    try:
        public = _checked_settings().hosted
    except ConfigError as exc:
        st.error(MISCONFIGURED.format(told(exc)), icon="⚙️")
        st.stop()
    if public:
        st.set_option("client.toolbarMode", "viewer")
        st.set_option("client.showErrorDetails", "none")


@st.cache_resource(max_entries=8)
def _model(store_root: str, run_id: str):
    return _store(store_root).load_model(run_id)[0]


def model_of_run(run_id: str):
    """A saved model, loaded once per process (raises StoreError)."""
    return _model(str(store_dir()), run_id)


@st.cache_resource(show_spinner="Connecting to the training queue…")
def _queue() -> TrainingQueue:
    from core.jobs.server import server_queue
    return server_queue(server_settings(), run_store())


def training_queue() -> TrainingQueue:
    """The process's one training queue (on the Ray cluster when the settings name one); bad
    limits in the environment, or a cluster that cannot be reached, end the page with why."""
    try:
        return _queue()
    except ConfigError as exc:
        st.error(f"**The server's training limits are misconfigured.** {told(exc)}", icon="⚙️")
        st.stop()
    except Exception as exc:  # core.jobs.ray_executor.ClusterUnreachable, or Ray's own errors
        why = told(exc) if isinstance(exc, ClusterUnreachable) and not server_settings().hosted else \
            "check that its head is running and that DIGITS_RAY_ADDRESS names it"
        why = why[:1].upper() + why[1:]
        st.error(f"**The training cluster cannot be reached.** {why}. Nothing was started.", icon="🛰️")
        st.stop()


_BESIDE_THE_RUNS = {"learners": Learners, "classes": Classes,  # tables kept in the run store's database
                    "progress": LessonProgress, "pace": ClassPace}


@st.cache_resource
def _beside_the_runs(kind: str, store_root: str):
    return _BESIDE_THE_RUNS[kind](_store(store_root))


def _table(kind: str):
    """One of _BESIDE_THE_RUNS for this process; a store that cannot be opened ends the page."""
    try:
        return _beside_the_runs(kind, str(store_dir()))
    except StoreError as exc:
        store_failed(exc)


def learners() -> Learners:
    """The process's learners (ids, nicknames)."""
    return _table("learners")


def classes() -> Classes:
    """The process's classes, members and teachers."""
    return _table("classes")


def my_class() -> str:
    """The code of this learner's class; '' without one, and on a server without teachers."""
    return classes().class_of(learner()) if server_settings().teacher_key else ""


def my_class_info() -> ClassInfo | None:
    """This learner's class (its title, round, setup); None without one."""
    code = my_class()
    return classes().info(code) if code else None


def lesson_progress() -> LessonProgress:
    """Every learner's lesson ticks and page actions."""
    return _table("progress")


def class_pace() -> ClassPace:
    """The teachers' paces: lessons open to each class, and its message."""
    return _table("pace")


def my_pace() -> Pace:
    """The pace of this learner's class; every lesson open and no message without one."""
    code = my_class()
    return class_pace().of(code) if code else NO_PACE


@st.cache_resource(show_spinner=False)
def _lessons(folder: str) -> Catalogue:
    return load_lessons(folder)


def lesson_catalogue() -> Catalogue:
    """The lessons, read from their folder once per server process (a teacher edits a file, then restarts)."""
    return _lessons(server_settings().lessons_dir)
