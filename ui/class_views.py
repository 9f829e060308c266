"""The teacher page's views: the class live (learners, queue, cancel) and the controls (hold
the queue, caps, names on the wall, the class's setup, a race, export, archive)."""
from __future__ import annotations

import streamlit as st

from core.classroom.classes import SETUP_MODES, ClassInfo
from core.classroom.teacher import (
    cancel,
    class_jobs,
    counts_text,
    learner_states,
    runs_csv,
    start_race,
    wall_names,
)
from core.config.fields import ConfigError
from core.models.architectures import ARCHITECTURES, label
from core.store.checkpoints import StoreError
from core.training.budget import duration
from core.training.config import matching_preset, preset
from core.training.limits import LimitError, check_size
from ui.display import show_table
from ui.resources import classes, dataset_or_stop, learners, run_store, training_queue
from ui.text import plain, told

LIVE_SECONDS = 1.0        # the teacher's tables: a state change shows within about a second
CAP_SECONDS = 5.0         # the cap control's list of learners follows the class this often
MODE_NAMES = {"": "No setup: everyone chooses", "suggest": "Suggest it: the Train form offers it",
              "lock": "Lock it: everyone trains exactly this"}


def names_of(code: str) -> dict[str, str]:
    return learners().display_names(set(classes().members(code)))


def class_live(code: str) -> None:
    """Every learner's state and the class's queue; redrawn every LIVE_SECONDS."""
    names = names_of(code)
    states = learner_states(classes(), training_queue(), code, names)
    st.markdown(f"**{counts_text(states)}**")
    if not states:
        st.info(f"No learner has joined yet: they type **{code}** in the sidebar's *Class code* box.")
    else:
        show_table([{"learner": s.name, "now": s.state, "detail": s.detail, "progress": s.progress,
                     "best accuracy": s.best_accuracy, "best model": s.best_arch, "runs": s.runs,
                     "cap": "none" if s.cap is None else str(s.cap)} for s in states],
                   progress=st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
                   detail=st.column_config.TextColumn(width="medium"),
                   **{"best accuracy": st.column_config.NumberColumn(format="percent")})
    st.subheader("The class's queue")
    jobs = class_jobs(training_queue(), code, names)
    if training_queue().is_paused(code):
        st.warning("The class's trainings are on hold: waiting ones start when you let them go on.", icon="⏸️")
    if not jobs:
        st.caption("Nothing of this class is queued or training.")
    elif (clears := training_queue().class_clears_in(code)) is not None:
        st.markdown(f"All the class's trainings will have ended in **about {duration(clears)}**, "
                    "at this server's pace now.")
    for row in jobs:
        state = (f"training, {row.progress:.0%}" if row.running else f"{row.place} in line")
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.markdown(f"**{plain(row.name)}**: {plain(row.what)}, {state} · waited {row.wait_seconds:.0f} s"
                      + (f" · trained {row.run_seconds:.0f} s" if row.running else ""))
        if button.button("Stop" if row.running else "Cancel", key=f"class.cancel.{row.job.job_id}",
                         width="stretch"):
            cancel(training_queue(), row.job)
            st.rerun(scope="fragment")


def hold_control(code: str) -> None:
    # the key carries the queue's state: a change made in another tab shows here at the next run
    held = training_queue().is_paused(code)
    key = f"class.hold.{code}.{held}"
    st.toggle("Hold the class's trainings", value=held, key=key,
              on_change=lambda: training_queue().pause(code, st.session_state[key]),
              help="Waiting trainings stay in line until you let them go on; running ones finish.")


def members_or_say(code: str, until_then: str) -> dict[str, str] | None:
    """The class's members (in the order they joined) with their names; None, after saying
    `until_then`, while nobody has joined."""
    names = names_of(code)
    members = {learner: names.get(learner, learner[:6]) for learner in classes().members(code)}
    if not members:
        st.markdown(until_then)
        return None
    return members


def cap_control(code: str) -> None:
    names = members_or_say(code, "Once learners join, you can limit how many trainings each may start this round.")
    if names is None:
        return
    with st.form(f"class.cap.{code}", border=False):
        who, how_many = st.columns(2)
        chosen = who.selectbox("Learner", list(names), format_func=names.get)
        cap = how_many.number_input("Trainings allowed this round", min_value=0, max_value=1000, value=3, step=1)
        set_col, lift_col = st.columns(2)
        if set_col.form_submit_button("Set the cap", width="stretch"):
            classes().set_cap(code, chosen, int(cap))
            st.toast(f"{plain(names.get(chosen, ''))} may now train {int(cap)} times this round.")
        if lift_col.form_submit_button("Lift the cap", width="stretch"):
            classes().set_cap(code, chosen, None)


def wall_name_control(code: str) -> None:
    """Rename or hide a learner's nickname on the projector (the teacher's view keeps it)."""
    names = members_or_say(code, "Once learners join, you can rename or hide a nickname before the projector "
                                 "shows it.")
    if names is None:
        return
    shown = wall_names(classes(), code, names)
    with st.form(f"class.wall.{code}", border=False):
        who, what = st.columns(2)
        chosen = who.selectbox("Learner", list(names), key=f"class.wall.who.{code}", format_func=names.get)
        new_name = what.text_input("Name on the projector", max_chars=30, placeholder="e.g. Team blue")
        rename_col, hide_col, reset_col = st.columns(3)
        if rename_col.form_submit_button("Rename", width="stretch") and new_name.strip():
            classes().set_wall_name(code, chosen, new_name)
            st.rerun()
        if hide_col.form_submit_button("Hide the nickname", width="stretch"):
            classes().set_wall_name(code, chosen, "")
            st.rerun()
        if reset_col.form_submit_button("Show the nickname", width="stretch"):
            classes().set_wall_name(code, chosen, None)
            st.rerun()
    changed = [f"{name} → {shown[learner]}" for learner, name in names.items() if shown[learner] != name]
    st.text("On the projector: " + ("; ".join(changed) if changed else "every nickname as chosen."))


def setup_control(info: ClassInfo) -> None:
    """The class's setup (a preset, suggested or locked) and the race that trains it for everyone."""
    arch_names = list(ARCHITECTURES)
    current = info.setup
    arch = st.radio("Architecture", arch_names, format_func=label, horizontal=True, key=f"class.arch.{info.code}",
                    index=arch_names.index(current.arch) if current is not None else 0)
    names = list(ARCHITECTURES[arch].presets)
    # the saved setup's preset after a reload; a new class (or another architecture) starts from `default`
    saved = matching_preset(current) if current is not None and current.arch == arch else None
    chosen = st.selectbox("Preset", names, key=f"class.preset.{info.code}.{arch}",
                          index=names.index(saved or "default"))
    mode = st.radio("For everyone", ["", *SETUP_MODES], format_func=MODE_NAMES.get, key=f"class.mode.{info.code}",
                    index=["", *SETUP_MODES].index(info.setup_mode))
    config = preset(arch, chosen)
    save, race = st.columns(2)
    if save.button("Save the setup", width="stretch", key=f"class.save.{info.code}"):
        try:  # a setup this server's limits refuse would leave a locked class nothing to train
            check_size(config, training_queue().limits)
        except LimitError as exc:
            st.warning(told(exc))
            return
        classes().set_setup(info.code, config if mode else None, mode or "suggest")
        st.rerun()
    if race.button("Start a race", type="primary", icon="🏁", width="stretch", key=f"class.race.{info.code}",
                   help="Queues this preset for every learner of the class at once, each with a seed of "
                        "their own: the curves show how much the random start matters."):
        try:
            queued, skipped = start_race(classes(), training_queue(), info.code, config, dataset_or_stop(),
                                         run_store(), names_of(info.code))
        except (ConfigError, StoreError) as exc:
            st.warning(told(exc))
            return
        st.success(f"The race is on: {label(arch)} {chosen} queued for {len(queued)} learner"
                   f"{'s' if len(queued) != 1 else ''}." + (f" {len(skipped)} not queued (already training, "
                                                            "capped, or the queue is full)." if skipped else ""))


def export_and_archive(info: ClassInfo) -> None:
    store, people = run_store(), learners()

    def class_csv() -> str:  # made when the teacher clicks, so it holds every run up to then
        runs = store.list_runs(class_code=info.code, with_history=False)
        return runs_csv(runs, people.display_names({run.learner for run in runs}))

    st.download_button("Download the class's runs (CSV)", class_csv, file_name=f"class-{info.code}.csv",
                       mime="text/csv", icon="⬇️", width="stretch", on_click="ignore",
                       help="Every run of the class, of every round, one row each.")
    sure = st.checkbox("Yes, start a fresh leaderboard", key=f"class.archive_sure.{info.code}",
                       help="Every run and model stays: learners keep theirs, and the CSV keeps every round.")
    if st.button(f"Archive round {info.round}", disabled=not sure, width="stretch", key=f"class.archive.{info.code}"):
        new_round = classes().archive(info.code)
        st.session_state.pop(f"class.archive_sure.{info.code}", None)
        st.toast(f"Round {new_round} has begun: the leaderboard is empty.")
        st.rerun()
