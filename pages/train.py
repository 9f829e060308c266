"""Train: pick a model and its hyperparameters, press Start, watch it learn, keep the result."""

import streamlit as st

from core.analysis.compare import run_label
from core.analysis.run_table import run_rows
from core.config.fields import ConfigError
from core.data.augment import Augmentation
from core.jobs.job import TrainingJob
from core.jobs.snapshot import JobSnapshot
from core.models.architectures import architecture, describe, label
from core.store.runs import RunRecord, StoreError
from core.training.budget import duration, estimate
from core.training.config import from_query, locked_values, parse_lock, preset, to_query
from core.training.engine import PROBE_IMAGES
from core.training.limits import LimitError, check_size, limits_note
from core.training.status import Status
from core.viz.curves import Curve, accuracy_figure, loss_figure
from core.viz.pictures import evaluation_tiles
from ui.display import chart_config, show_table
from ui.identity import learner
from ui.navigation import require_app_navigation
from ui.resources import (
    dataset_or_stop,
    evaluation_of_run,
    my_class_info,
    run_store,
    server_settings,
    training_queue,
)
from ui.text import plain
from ui.train_form import config_form, form_is_seeded, seed_form
from ui.trainings import queue_notice, start_training, training_sequence

OVERLAY_KEY = "train_overlay"    # run ids drawn dashed beside the current run
LOCK_KEY = "train_locked"        # settings a teacher's link fixed for this session, with their values
GRID_SIZE = 32

require_app_navigation()
st.title("📈 Train")
st.caption("Choose a model and its settings, press **Start** and watch it learn. "
           "The address bar holds the settings: copy it to share them.")
mnist = dataset_or_stop()
store = run_store()
runs = store.list_runs(learner=learner())  # this learner's only; read once for overlays and "Your runs"
job: TrainingJob | None = training_queue().latest_job(learner())  # found again after a reload or in a new tab
running = job is not None and not job.snapshot().done
sequence = training_sequence()  # "Train all" or Draw's training, started on another page
racing = sequence is not None and not sequence.done


if not form_is_seeded():  # first visit in this session: a shared link's, the running job's, or the defaults
    try:
        # with no link: the latest job's settings, so the form matches the result beside it
        seeded = (from_query(st.query_params.to_dict()) if st.query_params else
                  job.config if job is not None else preset("logistic"))
        st.session_state[LOCK_KEY] = locked_values(seeded, parse_lock(st.query_params.get("lock")))
        seed_form(seeded)
    except ConfigError as exc:
        st.warning(f"The settings in this link could not be used ({plain(exc)}); the defaults are shown instead.")
        seed_form(preset("logistic"))
        st.session_state[LOCK_KEY] = {}
locked = st.session_state.get(LOCK_KEY, {})
class_info = my_class_info()
class_setup = class_info.setup if class_info else None  # the teacher's, for the whole class
if class_setup is not None and class_info.setup_mode == "lock":
    locked = locked_values(class_setup, parse_lock("all"))


def overlay_curves(runs) -> list[Curve]:
    chosen = st.session_state.get(OVERLAY_KEY, [])
    return [Curve(run_label(run), run.history, dashed=True) for run in runs if run.run_id in chosen]


def show_progress(job: TrainingJob, snap: JobSnapshot) -> None:
    if snap.status == Status.QUEUED or (snap.status == Status.RUNNING and not snap.total_examples):
        waiting = queue_notice(job) if snap.status == Status.QUEUED else ""
        st.progress(0.0, text=f"Waiting in the training queue: {waiting}" if waiting else "Starting…")
        return
    if job.stop_requested:
        st.progress(snap.progress, text=f"Stopping after {snap.examples_seen:,} examples: testing and saving "
                                        "the model trained so far…")
        return
    eta = f" · about {snap.eta_seconds:.0f} s left" if snap.eta_seconds is not None else ""
    st.progress(snap.progress, text=(
        f"Epoch {snap.current_epoch} of {snap.config.epochs} · {snap.examples_seen:,} of "
        f"{snap.total_examples:,} examples · {snap.examples_per_second:,.0f} examples/s{eta}"))


def curve_notes(snap: JobSnapshot, test_images: int) -> str:
    notes = [f"Accuracy within an epoch: the first {PROBE_IMAGES:,} test images; big dots: all "
             f"{test_images:,} at an epoch's end."]
    if getattr(snap.config.model, "dropout", 0) > 0:
        notes.append("Train accuracy is measured with dropout switching units off, so it reads below "
                     "the test accuracy, which uses the whole network.")
    if Augmentation.of(snap.config).active:
        notes.append("Train accuracy is measured on the training digits as augmentation bent them; the test "
                     "digits are never bent.")
    return " ".join(notes)


def live_view(job: TrainingJob, live: bool, overlays: list[Curve]) -> None:
    """Progress and curves of the learner's job; redrawn every second (by default) while it runs.
    Side by side while it runs (the page is all charts then), one above the other once done."""
    snap = job.snapshot()
    if live:
        show_progress(job, snap)
    if not snap.history.train_points and not snap.history.epochs:
        st.caption("The curves appear here once the training has started.")
    else:
        curves = [Curve("this run", snap.history), *overlays]
        # Static while training: every redraw costs the browser CPU (on a laptop, the CPU
        # that trains) and hover layers would double it. Interactive once done.
        left, right = st.columns(2) if live else (st.container(), st.container())
        end = snap.total_examples or None  # both charts span the whole run, and line up
        left.plotly_chart(loss_figure(curves, x_end=end), key="train_loss_chart", config=chart_config(static=live))
        right.plotly_chart(accuracy_figure(curves, x_end=end), key="train_accuracy_chart",
                           config=chart_config(static=live))
        st.caption(curve_notes(snap, len(mnist.test)))
    if live and snap.done:
        st.rerun()  # unlock the form and show the result


def show_prediction_grid(images, evaluation, key: str) -> None:
    only_mistakes = st.toggle("Show only mistakes", key=f"{key}.mistakes")
    if only_mistakes:
        indices = [m.index for m in evaluation.mistakes(limit=GRID_SIZE)]
    else:
        indices = list(range(GRID_SIZE))
    if not indices:
        st.success("No mistakes on the test set.")
        return
    tiles, captions = evaluation_tiles(images, evaluation, indices)
    st.image(tiles, caption=captions, width=90)
    st.caption("Green frame: right. Red frame: wrong. Test digits, never seen in training.")


def show_metrics(run: RunRecord, where: str) -> None:
    """Test accuracy, loss, time and size of a saved run, with its download."""
    options = architecture(run.arch).options.from_dict(run.config["model"])
    a, b = st.columns(2)  # two a row: four in the result column cut "535,818" to "535,8…"
    a.metric("Test accuracy", f"{run.test_accuracy:.2%}")
    b.metric("Test loss", f"{run.test_loss:.4f}")
    c, d = st.columns(2)
    c.metric("Training time", f"{run.train_seconds:.1f} s")
    d.metric("Parameters", f"{run.param_count:,}")
    st.caption(f"{describe(run.arch, options)} · run `{run.run_id}` · {run.status}")
    if run.model_path is not None and run.model_path.exists():
        st.download_button("Download the model (.pt)", data=run.model_path.read_bytes(), key=f"{where}.download",
                           file_name=f"{run.run_id}.pt", mime="application/octet-stream", icon="⬇️")


def show_run_details(run: RunRecord, images, evaluation, where: str) -> None:
    """Configuration and prediction grid of a saved run; `where` keeps widget keys apart."""
    with st.expander("Configuration"):
        st.json(run.config)
    show_prediction_grid(images, evaluation, key=f"{where}.{run.run_id}")


def show_outcome(job: TrainingJob, store) -> RunRecord | None:
    """The run's ending and its metrics; the saved run, when there is one to show more of."""
    snap = job.snapshot()
    notice = {Status.FINISHED: st.success, Status.STOPPED: st.info, Status.CANCELLED: st.info,
              Status.FAILED: st.error}.get(snap.status, st.warning)  # diverged, lost or interrupted
    if snap.ended_worse_than_untrained:
        notice = st.warning
    kept = " The model trained so far is kept." if snap.status == Status.STOPPED and job.result else ""
    notice(f"**{snap.status.capitalize()}.** {snap.message}{kept}")
    if job.result is None:
        return None
    if snap.run_id is None or snap.status == Status.FAILED:  # trained but not saved: only what memory holds
        if snap.test_accuracy is not None:
            st.metric("Test accuracy", f"{snap.test_accuracy:.2%}")
        return None
    try:
        run = store.get_run(snap.run_id)
    except StoreError as exc:
        st.error(f"The saved run could not be read back: {plain(exc)}")
        return None
    show_metrics(run, where="current")
    return run


def fits_this_server(config) -> bool:
    """Say what the training will cost here, or which of the server's limits it is beyond."""
    try:
        cost = check_size(config, training_queue().limits) or estimate(config)
    except LimitError as exc:
        st.warning(plain(exc), icon="⛔")
        return False
    st.caption(f"About {duration(cost.seconds)} of training on this server when it trains alone, "
               f"about {cost.peak_mb:,.0f} MB of memory (the server's own included).")
    return True


# Start and Stop above the form, so they are on the first screen with the charts; drawn
# after the form (into this container), which gives the config they start.
actions = st.container()
if running:  # the form is fixed during a run: folded away, the charts take the page
    epochs = job.config.epochs
    with st.expander(f"Settings of this run: {label(job.config.arch)}, {epochs} epoch{'s' if epochs != 1 else ''}, "
                     f"learning rate {job.config.lr:g}"):
        config = config_form(disabled=True, locked=locked)
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
with actions:
    start_col, stop_col, note_col = st.columns([1, 1, 3], vertical_alignment="center")
    with note_col:
        fits = config is not None and not running and fits_this_server(config)
    start = start_col.button("Start", type="primary", icon="▶️", disabled=running or racing or not fits,
                             width="stretch")
    stop_col.button("Stop", icon="⏹️", disabled=not running or job.stop_requested, width="stretch",
                    on_click=training_queue().cancel if running else None, args=(job,) if running else None,
                    help="Stops within one batch and keeps the model trained so far; a waiting run leaves the queue.")
    if racing:
        st.info("Your models from the Compare or Draw page are still training: Start is free again "
                "once they are done, or stop them there.", icon="⏳")
        st.page_link("pages/compare.py", label="See them train on Compare", icon="⚖️")
if start:
    try:
        start_training(config, mnist)
    except (ConfigError, StoreError) as exc:  # a limit of this server, or a store it cannot write
        actions.warning(plain(exc))
    else:
        st.rerun()

with view:
    if job is None:
        st.info("Press **Start** to train. The loss curve appears here as the model learns; "
                "the first accuracy point is the untrained model (about 10%, a guess).")
    elif running:
        st.fragment(live_view, run_every=server_settings().live_refresh_seconds)(job, True, overlay_curves(runs))
    else:
        saved = show_outcome(job, store)
        live_view(job, False, overlay_curves(runs))
        if saved is not None:
            show_run_details(saved, mnist.test.images, job.result.evaluation, where="current")

st.header("Your runs")
if not runs:
    st.caption("Runs you train are saved here, with their curves.")
else:
    show_table(run_rows(runs, ("model", "test accuracy", "status", "epochs trained", "training s", "lr",
                               "optimizer", "run")))
    current = job.snapshot().run_id if job else None
    by_id = {r.run_id: r for r in runs}
    st.multiselect("Overlay earlier runs on the charts",
                   [r.run_id for r in runs if r.run_id != current and r.history.epochs],
                   format_func=lambda run_id: run_label(by_id[run_id]), key=OVERLAY_KEY)
    opened = st.selectbox("Open a saved run", [r.run_id for r in runs if r.test_accuracy is not None],
                          format_func=lambda run_id: run_label(by_id[run_id]),
                          index=None, placeholder="Choose a run to see its results…")
    if opened:
        try:
            show_metrics(by_id[opened], where="opened")
            show_run_details(by_id[opened], mnist.test.images, evaluation_of_run(opened), where="opened")
        except StoreError as exc:
            st.error(f"This run's model could not be loaded: {plain(exc)}")
