"""The Train page's views: the progress and live curves of a training, a run's result
(metrics, download, prediction grid) and what a training would cost on this server."""
from __future__ import annotations

import streamlit as st

from core.analysis.compare import run_label
from core.analysis.run_table import run_rows
from core.data.augment import Augmentation
from core.jobs.job import TrainingJob
from core.jobs.snapshot import JobSnapshot
from core.jobs.waits import Place, redraw_every
from core.models.architectures import architecture, describe
from core.store.checkpoints import StoreError
from core.store.runs import RunRecord
from core.training.budget import duration, estimate
from core.training.engine import PROBE_IMAGES
from core.training.limits import LimitError, check_size
from core.training.status import Status
from core.viz.curves import Curve, accuracy_figure, loss_figure, run_curve, run_x_end
from core.viz.pictures import evaluation_tiles
from ui.display import chart_config, show_chart, show_table
from ui.identity import client_address, learner
from ui.resources import evaluation_of_run, server_settings, training_queue
from ui.text import told
from ui.trainings import queue_notice

OVERLAY_KEY = "train_overlay"    # run ids drawn dashed beside the current run
GRID_SIZE = 32


def overlay_curves(runs) -> list[Curve]:
    """The learner's earlier runs they chose to draw dashed beside the current one."""
    chosen = st.session_state.get(OVERLAY_KEY, [])
    return [Curve(run_label(run), run.history, dashed=True) for run in runs if run.run_id in chosen]


def show_progress(job: TrainingJob, snap: JobSnapshot, place: Place | None = None) -> None:
    if snap.status == Status.QUEUED or (snap.status == Status.RUNNING and not snap.total_examples):
        waiting = queue_notice(job, place) if snap.status == Status.QUEUED else ""
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


def waiting_redraw_seconds(place: Place | None) -> float:
    """How often the view of a training waiting at `place` is redrawn: the nearer its turn, the
    more often (core.jobs.waits.redraw_every), never more often than a training's live view."""
    return max(place.redraw_seconds() if place is not None else redraw_every(None),
               server_settings().live_refresh_seconds)


def live_view(job: TrainingJob, live: bool, overlays: list[Curve], test_images: int,
              waiting_every: float | None = None) -> None:
    """Progress and curves of the learner's job; redrawn every second (by default) while it runs,
    every `waiting_every` seconds while it waits in the queue (the whole page reruns when its
    turn comes nearer, to redraw it more often), and the whole page once it starts or ends.
    Loss and accuracy side by side (a phone stacks them)."""
    snap = job.snapshot()
    place = training_queue().place(job) if live and snap.status == Status.QUEUED else None
    if live:
        show_progress(job, snap, place)
    if not snap.history.train_points and not snap.history.epochs:
        st.markdown("The curves appear here once the training has started.")
    else:
        curves = [run_curve(snap), *overlays]
        # Static while training: every redraw costs the browser CPU (on a laptop, the CPU
        # that trains) and hover layers would double it. Interactive once done.
        left, right = st.columns(2)  # side by side on a laptop; a phone stacks them
        end = run_x_end(snap)  # both charts span the whole run while it trains, and line up
        show_chart(loss_figure(curves, x_end=end), left, key="train_loss_chart", config=chart_config(static=live))
        show_chart(accuracy_figure(curves, x_end=end), right, key="train_accuracy_chart",
                   config=chart_config(static=live))
        st.caption(curve_notes(snap, test_images))
    waiting = waiting_every is not None
    if live and (snap.done or (waiting and snap.status != Status.QUEUED)):
        st.rerun()  # unlock the form and show the result; or redraw every second now that it trains
    if waiting and place is not None and waiting_redraw_seconds(place) < waiting_every:
        st.rerun()  # its turn came nearer: the page redraws it more often from now on


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
    st.image(tiles, caption=captions, width=90, alt=[f"A test digit the model {text}" for text in captions])
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
    st.caption(f"{describe(run.arch, options)} · run {run.run_id} · {run.status}")
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
    # "Stopped at this server's time limit …" names its status already
    heading = "" if snap.message.lower().startswith(str(snap.status)) else f"**{snap.status.capitalize()}.** "
    notice(f"{heading}{snap.message}{kept}")
    if job.result is None:
        return None
    if snap.run_id is None or snap.status == Status.FAILED:  # trained but not saved: only what memory holds
        if snap.test_accuracy is not None:
            st.metric("Test accuracy", f"{snap.test_accuracy:.2%}")
        return None
    try:
        run = store.get_run(snap.run_id)
    except StoreError as exc:
        st.error(f"The saved run could not be read back: {told(exc)}")
        return None
    show_metrics(run, where="current")
    return run


def fits_this_server(config) -> bool:
    """Say what the training will cost here, or which of the server's limits it is beyond."""
    try:
        cost = check_size(config, training_queue().limits) or estimate(config)
    except LimitError as exc:
        st.warning(told(exc), icon="⛔")
        return False
    place = training_queue().place_if_started(config, learner(), client_address())
    when = (f"Started now, it would take {place.sentence()}" if place.ahead and place.wait_seconds
            else f"Started now, it would train at once for about {duration(place.own_seconds)}")
    st.caption(f"{when}, and use about {cost.peak_mb:,.0f} MB of memory (the server's own included).")
    return True


def your_runs(runs: list[RunRecord], job: TrainingJob | None, test_images) -> None:
    """The learner's saved runs: a table, earlier runs to overlay on the charts, one to open."""
    st.header("Your runs")
    if not runs:
        st.markdown("Runs you train are saved here, with their curves.")
        return
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
            show_run_details(by_id[opened], test_images, evaluation_of_run(opened), where="opened")
        except StoreError as exc:
            st.error(f"This run's model could not be loaded: {told(exc)}")
