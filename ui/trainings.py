"""A learner's trainings, as every page starts and follows them: one training (Train), a
sequence ("Train all" on Compare, Draw's training in place), their progress bars and
place in the queue. Each goes into the learner's class, if they are in one.
"""
from __future__ import annotations

import streamlit as st

from core.classroom.teacher import check_cap, check_setup
from core.config.fields import ConfigError
from core.data.loading import Dataset
from core.jobs.run_keeper import stored_job
from core.jobs.sequence import JobSequence
from core.jobs.waits import Place
from core.models.architectures import label
from core.store.checkpoints import StoreError
from core.training.config import TrainConfig
from core.training.status import Status
from ui.identity import client_address, learner
from ui.resources import classes, dataset_or_stop, fragment, my_class, run_store, training_queue
from ui.sidebar import nickname
from ui.text import told


def start_training(config: TrainConfig, data: Dataset) -> None:
    """Queue one training of this learner, in their class (raises ConfigError or StoreError)."""
    check_cap(classes(), learner())
    check_setup(classes(), learner(), config)
    job = stored_job(config, data, run_store(), nickname(), learner=learner(), class_code=my_class())
    job.address = client_address()
    training_queue().submit(job)


def training_sequence() -> JobSequence | None:
    """This learner's latest "Train all" or Draw training, found again after a reload."""
    return training_queue().latest_sequence(learner())


def start_sequence(configs: list[TrainConfig]) -> None:
    """Train `configs` one after another through the queue, then rerun to show the form locked."""
    sequence = JobSequence(configs, dataset_or_stop(), run_store(), nickname(), learner=learner(),
                           class_code=my_class())
    sequence.address = client_address()
    try:
        check_cap(classes(), learner(), adding=len(configs))
        for config in configs:
            check_setup(classes(), learner(), config)
        training_queue().submit_sequence(sequence)
    except (ConfigError, StoreError) as exc:  # a limit of this server, or a store it cannot write
        st.warning(told(exc))
        return
    st.rerun()


def sequence_progress() -> None:
    """A progress bar per model of the learner's sequence, redrawn every second while it
    trains; when it ends the whole page reruns, so the new models show up everywhere."""
    sequence = training_sequence()
    if sequence is not None and sequence.done:
        _progress_bars(sequence, live=False)
    elif sequence is not None:
        fragment(_progress_bars, run_every=1.0)(sequence, live=True)


def queue_notice(job, place: Place | None = None) -> str:
    """ "about 48 s: 2 trainings ahead of you, then about 8 s" for a waiting job (at `place`,
    else where the queue has it); "" otherwise."""
    place = place or training_queue().place(job)
    if place is None or place.running:
        return ""
    if training_queue().is_paused(job.class_code):
        return "your teacher has paused the class's trainings; yours starts when they go on"
    return place.sentence()


def _progress_bars(sequence: JobSequence, live: bool) -> None:
    for job, snap in zip(sequence.jobs, sequence.snapshots()):
        name = label(snap.config.arch)
        waiting = queue_notice(job) if not snap.done else ""
        if waiting:
            st.progress(0.0, text=f"{name}: waiting in the queue, {waiting}")
        elif snap.status == Status.QUEUED:  # a later model of the sequence: it queues when the one before ends
            st.progress(0.0, text=f"{name}: next, once the model before it has trained")
        elif not snap.done and not snap.total_examples:
            st.progress(0.0, text=f"{name}: starting…")
        elif snap.done:
            accuracy = f", test accuracy {snap.test_accuracy:.2%}" if snap.test_accuracy is not None else ""
            st.progress(1.0, text=f"{name}: {snap.status}{accuracy}")
        else:
            st.progress(snap.progress, text=f"{name}: {snap.status}, {snap.examples_seen:,} of "
                                            f"{snap.total_examples:,} examples")
    if live and sequence.done:
        st.rerun()
