"""The teacher page's views: the class live (learners, queue, cancel), the controls
(hold the queue, caps, the class's setup, a race, export, archive) and the projector."""
from __future__ import annotations

import streamlit as st

from core.classroom.classes import SETUP_MODES, ClassInfo
from core.classroom.teacher import (
    cancel,
    class_jobs,
    counts,
    learner_states,
    runs_csv,
    start_race,
    top_runs,
)
from core.config.fields import ConfigError
from core.models.architectures import ARCHITECTURES, label
from core.store.checkpoints import StoreError
from core.training.config import matching_preset, preset
from core.training.limits import LimitError, check_size
from core.training.status import IDLE, Status
from core.viz.curves import Curve, accuracy_figure, confusion_heatmap
from ui.display import chart_config, show_table
from ui.resources import classes, dataset_or_stop, evaluation_of_run, learners, run_store, training_queue
from ui.text import plain, told

LIVE_SECONDS = 1.0        # the teacher's tables: a state change shows within about a second
PROJECTOR_SECONDS = 2.0   # the projector redraws its charts less often: each redraw costs the browser
CAP_SECONDS = 5.0         # the cap control's list of learners follows the class this often
PROJECTOR_FONT = 20       # chart text readable from the back of a room on a 1920×1080 screen
MODE_NAMES = {"": "No setup: everyone chooses", "suggest": "Suggest it: the Train form offers it",
              "lock": "Lock it: everyone trains exactly this"}


def names_of(code: str) -> dict[str, str]:
    return learners().display_names(set(classes().members(code)))


def class_live(code: str) -> None:
    """Every learner's state and the class's queue; redrawn every LIVE_SECONDS."""
    names = names_of(code)
    states = learner_states(classes(), training_queue(), code, names)
    found = counts(states)
    st.markdown(f"**{len(states)}** learner{'s' if len(states) != 1 else ''} · **{found[Status.RUNNING]}** running · "
                f"**{found[Status.QUEUED]}** queued · **{found['ended']}** ended · **{found[IDLE]}** idle")
    if not states:
        st.info(f"No learner has joined yet: they type **{code}** in the sidebar's *Class code* box.")
    else:
        show_table([{"learner": s.name, "now": s.state, "detail": s.detail, "progress": s.progress,
                     "best accuracy": s.best_accuracy, "best model": s.best_arch, "runs": s.runs,
                     "cap": "none" if s.cap is None else str(s.cap)} for s in states],
                   progress=st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
                   **{"best accuracy": st.column_config.NumberColumn(format="percent")})
    st.subheader("The class's queue")
    jobs = class_jobs(training_queue(), code, names)
    if training_queue().is_paused(code):
        st.warning("The class's trainings are on hold: waiting ones start when you let them go on.", icon="⏸️")
    if not jobs:
        st.caption("Nothing of this class is queued or training.")
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


def cap_control(code: str) -> None:
    names = names_of(code)
    members = list(classes().members(code))
    if not members:
        st.markdown("Once learners join, you can limit how many trainings each may start this round.")
        return
    with st.form(f"class.cap.{code}", border=False):
        who, how_many = st.columns(2)
        chosen = who.selectbox("Learner", members, format_func=lambda learner: names.get(learner, learner[:6]))
        cap = how_many.number_input("Trainings allowed this round", min_value=0, max_value=1000, value=3, step=1)
        set_col, lift_col = st.columns(2)
        if set_col.form_submit_button("Set the cap", width="stretch"):
            classes().set_cap(code, chosen, int(cap))
            st.toast(f"{plain(names.get(chosen, ''))} may now train {int(cap)} times this round.")
        if lift_col.form_submit_button("Lift the cap", width="stretch"):
            classes().set_cap(code, chosen, None)


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


def wall_sized(figure, height: int):
    """Every text of a chart at PROJECTOR_FONT: Streamlit's chart theme sets each one apart."""
    size = dict(size=PROJECTOR_FONT)
    figure.update_layout(height=height, font=size, legend=dict(font=size), title=dict(font=size),
                         hoverlabel=dict(font=size))
    figure.update_xaxes(tickfont=size, title_font=size)
    figure.update_yaxes(tickfont=size, title_font=size)
    return figure


def projector(info: ClassInfo) -> None:
    """Big, live, for the wall: the counts, the top ten's curves, the best model's confusions."""
    names = names_of(info.code)
    states = learner_states(classes(), training_queue(), info.code, names)
    found = counts(states)
    st.markdown(f"# Class code **{info.code}**" + (f" · {plain(info.title)}" if info.title else ""))
    st.markdown(f"## {found[Status.RUNNING]} running · {found[Status.QUEUED]} queued · {found['ended']} ended · "
                f"{len(states)} learner{'s' if len(states) != 1 else ''}")
    top = top_runs(classes(), info.code, names)
    live = [row for row in class_jobs(training_queue(), info.code, names) if row.running]
    # the legend is the ranking; names are escaped, as plotly reads a little HTML in its texts
    curves = [Curve(f"{i}. {name} · {run.test_accuracy:.1%} · {label(run.arch)}", run.history)
              for i, (name, run) in enumerate(top, 1)]
    curves += [Curve(f"{row.name} (training)", row.job.snapshot().history, dashed=True) for row in live]
    if not curves:
        st.markdown(f"## Type **{info.code}** in the sidebar's *Class code* box, then train a model.")
        return
    chart, mistakes = st.columns([3, 2], gap="large")
    chart.markdown("### Test accuracy: the top ten, and who is training (dashed)")
    figure = wall_sized(accuracy_figure(curves, train=False, title="", named=True), 640)
    figure.update_layout(legend=dict(orientation="v", x=1.02, y=1.0, yanchor="top"), margin=dict(t=10))
    chart.plotly_chart(figure, key="projector.curves", config=chart_config(static=True))
    if top:
        try:
            confusion = evaluation_of_run(top[0][1].run_id).confusion.tolist()
        except StoreError:  # its model file is gone: the rest of the wall still shows
            return
        mistakes.markdown(f"### Where the best model errs ({plain(top[0][0])})")
        figure = wall_sized(confusion_heatmap(confusion, ""), 640)
        figure.update_layout(margin=dict(t=10))
        mistakes.plotly_chart(figure, key="projector.confusion", config=chart_config(static=True))
