"""Train: pick a model and its hyperparameters, press Start, watch it learn, keep the result."""
from ui.frame import through_app

through_app()  # before the imports below: see ui/frame.py

import streamlit as st

from core.config.fields import ConfigError
from core.jobs.job import TrainingJob
from core.models.architectures import describe
from core.store.checkpoints import StoreError
from core.training.config import in_brief, settings_in_words, settings_locked, starting_settings, to_query
from core.training.limits import limits_note
from core.training.status import Status
from ui.display import keep_focus_on, show_table
from ui.glossary import what_is
from ui.identity import learner
from ui.navigation import page_header
from ui.resources import (
    dataset_or_stop,
    fragment,
    my_class_info,
    run_store,
    server_settings,
    training_queue,
)
from ui.text import plain, told
from ui.train_form import config_form, form_is_seeded, seed_form, teacher_lock_note
from ui.train_views import (
    fits_this_server,
    live_view,
    overlay_curves,
    show_outcome,
    show_run_details,
    waiting_redraw_seconds,
    your_runs,
)
from ui.trainings import start_training, training_sequence

LOCK_KEY = "train_locked"        # settings a teacher's link fixed for this session, with their values
FOCUS_KEY = "train_focus_start"  # a Start was just pressed: the next run puts the focus back on its button
WRITTEN_KEY = "train_query"      # the settings this page last wrote into the address


page_header("📈 Train",
            "Choose a model and its settings, press **Start** and watch it learn. "
           "The address bar holds the settings: copy it to share them.")
mnist = dataset_or_stop()
store = run_store()
runs = store.list_runs(learner=learner())  # this learner's only; read once for overlays and "Your runs"
job: TrainingJob | None = training_queue().latest_job(learner())  # found again after a reload or in a new tab
running = job is not None and not job.snapshot().done
sequence = training_sequence()  # "Train all" or Draw's training, started on another page
racing = sequence is not None and not sequence.done


# A link followed within the session (a lesson's task) has settings the form did not write itself
linked = st.query_params.to_dict()
new_link = bool(linked) and form_is_seeded() and linked != st.session_state.get(WRITTEN_KEY, linked)
if not form_is_seeded() or new_link:  # a link's settings, the running job's, or the defaults
    starting = starting_settings(linked, job.config if job is not None else None)
    if starting.problem:
        st.warning(f"The settings in this link could not be used ({plain(starting.problem)}); the defaults are "
                   "shown instead.")
    seed_form(starting.config)
    st.session_state[LOCK_KEY] = starting.locked
class_info = my_class_info()
class_setup = class_info.setup if class_info else None  # the teacher's, for the whole class
locked = settings_locked(st.session_state.get(LOCK_KEY, {}), class_setup, class_info.setup_mode if class_info else "")


# Start and Stop above the form, so they are on the first screen with the charts; drawn
# after the form (into this container), which gives the config they start.
actions = st.container()
if running:  # the run's own settings, folded away; the form (a link's settings, say) waits for the run's end
    if locked:
        teacher_lock_note(locked, after_run=True)
    with st.expander(f"Settings of this run: {in_brief(job.config, with_lr=True)}"):
        show_table(settings_in_words(job.config))
    config = None
    view = st.container()
else:
    form_col, view = st.columns([2, 3], gap="large")
    with form_col:
        if class_setup is not None and class_info.setup_mode == "suggest":
            st.button(f"Start from your teacher's setup: {describe(class_setup.arch, class_setup.model)}",
                      icon="🧑‍🏫", on_click=seed_form, args=(class_setup,), width="stretch")
        config = config_form(disabled=False, locked=locked)
        st.caption(limits_note(training_queue().limits))
    if config is not None:
        query = to_query(config)
        if locked:
            query["lock"] = ",".join(sorted(locked))
        st.query_params.from_dict(query)
        st.session_state[WRITTEN_KEY] = query
with actions:
    start_col, stop_col, note_col = st.columns([1, 1, 3], vertical_alignment="center")
    busy = running or racing
    with note_col:
        fits = config is not None and not busy and fits_this_server(config)
    # one button that reads "Training…" during a run rather than turning disabled: a disabled button
    # cannot hold the keyboard's focus, which keep_focus_on puts back on it, so that Tab reaches Stop
    start = start_col.button("Training…" if busy else "Start", type="primary", icon="⏳" if busy else "▶️",
                             key="train.start", disabled=not busy and not fits, width="stretch") and not busy
    stop_col.button("Stop", icon="⏹️", disabled=not running or job.stop_requested, width="stretch", key="train.stop",
                    on_click=training_queue().cancel if running else None, args=(job,) if running else None,
                    help="Stops within one batch and keeps the model trained so far; a waiting run leaves the queue.")
    if racing:
        st.info("Your models from the Compare or Draw page are still training: Start is free again "
                "once they are done, or stop them there.", icon="⏳")
        st.page_link("pages/compare.py", label="See them train on Compare", icon="⚖️")
if st.session_state.pop(FOCUS_KEY, False):  # the run just started: the focus stays on its button, so Tab is Stop
    keep_focus_on("train.start")
if start:
    try:
        start_training(config, mnist)
    except (ConfigError, StoreError) as exc:  # a limit of this server, or a store it cannot write
        actions.warning(told(exc))
    else:
        st.session_state[FOCUS_KEY] = True
        st.rerun()

with view:
    what_is("loss", "accuracy", "overfitting")
    if job is None:
        st.info("Press **Start** to train. The loss curve appears here as the model learns; "
                "the first accuracy point is the untrained model (about 10%, a guess).")
    elif running:
        waiting_every = waiting_redraw_seconds(training_queue().place(job)) \
            if job.snapshot().status == Status.QUEUED else None
        fragment(live_view, run_every=waiting_every or server_settings().live_refresh_seconds)(
            job, True, overlay_curves(runs), len(mnist.test), waiting_every)
    else:
        if config is not None and config.to_dict() != job.config.to_dict():  # the form moved on since
            st.info(f"Below is your last run ({in_brief(job.config, with_lr=True)}). The settings beside it are new: "
                    "press **Start** to train them.", icon="ℹ️")
        saved = show_outcome(job, store)
        live_view(job, False, overlay_curves(runs), len(mnist.test))
        if saved is not None:
            show_run_details(saved, mnist.test.images, job.result.evaluation, where="current")

your_runs(runs, job, mnist.test.images)
