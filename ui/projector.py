"""The teacher page's projector view, for the wall: how to join (the address and its QR code),
then, redrawn live, the class's counts, the top ten's curves and the best model's mistakes.
Nicknames reach the wall as the teacher lets them (core.classroom.teacher.wall_names)."""
from __future__ import annotations

import streamlit as st

from core.classroom.classes import ClassInfo, app_address, join_link
from core.classroom.teacher import class_jobs, counts_text, learner_states, top_runs, wall_names
from core.models.architectures import label
from core.store.checkpoints import StoreError
from core.viz.curves import Curve, accuracy_figure, confusion_heatmap
from core.viz.pictures import qr_png
from ui.class_views import names_of
from ui.display import chart_config, show_chart
from ui.resources import classes, evaluation_of_run, server_settings, training_queue
from ui.text import plain

PROJECTOR_SECONDS = 2.0   # the projector redraws its charts less often: each redraw costs the browser
PROJECTOR_FONT = 20       # chart text readable from the back of a room on a 1920×1080 screen
CHART_HEIGHT = 560        # pixels: the join line, the counts and both charts fit one 1080-high wall
QR_PIXELS = 200           # readable by a phone from the middle of a classroom


def join_address(code: str) -> str:
    """The link that joins `code`: on the server's public address where one is set (behind a
    proxy the teacher's browser may see an inside address), else the one the teacher opened."""
    opened = st.context.url  # None outside a browser's session (AppTest): the link is then relative
    return join_link(server_settings().public_url or (app_address(opened, "class") if opened else ""), code)


def projector_header(info: ClassInfo) -> None:
    """The class code large, the join link and its QR code: drawn once, not at every redraw."""
    words, code = st.columns([4, 1], vertical_alignment="center")
    link = join_address(info.code)
    words.markdown(f"# Class code **{info.code}**" + (f" · {plain(info.title)}" if info.title else ""))
    words.markdown(f"### Join: scan the code, or open `{link}`")
    code.image(qr_png(link), width=QR_PIXELS, caption=None,
               alt=f"QR code of the address that joins class {info.code}: {link}")


def wall_sized(figure, height: int):
    """Every text of a chart at PROJECTOR_FONT: Streamlit's chart theme sets each one apart."""
    size = dict(size=PROJECTOR_FONT)
    figure.update_layout(height=height, font=size, legend=dict(font=size), title=dict(font=size),
                         hoverlabel=dict(font=size), margin=dict(t=10))
    figure.update_xaxes(tickfont=size, title_font=size)
    figure.update_yaxes(tickfont=size, title_font=size)
    return figure


def projector(info: ClassInfo) -> None:
    """Big, live, for the wall: the counts, the top ten's curves, the best model's confusions."""
    shown = wall_names(classes(), info.code, names_of(info.code))
    states = learner_states(classes(), training_queue(), info.code, shown)
    st.markdown(f"## {counts_text(states)}")
    top = top_runs(classes(), info.code, shown)
    live = [row for row in class_jobs(training_queue(), info.code, shown) if row.running]
    # the legend is the ranking; names are escaped, as plotly reads a little HTML in its texts
    curves = [Curve(f"{i}. {name} · {run.test_accuracy:.1%} · {label(run.arch)}", run.history)
              for i, (name, run) in enumerate(top, 1)]
    curves += [Curve(f"{row.name} (training)", row.job.snapshot().history, dashed=True) for row in live]
    if not curves:
        st.markdown(f"## Type **{info.code}** in the sidebar's *Class code* box, then train a model.")
        return
    chart, mistakes = st.columns([3, 2], gap="large")
    chart.markdown("### Test accuracy: the top ten, and who is training (dashed)")
    figure = wall_sized(accuracy_figure(curves, train=False, title="", named=True), CHART_HEIGHT)
    figure.update_layout(legend=dict(orientation="v", x=1.02, y=1.0, yanchor="top"))
    show_chart(figure, chart, key="projector.curves", config=chart_config(static=True))
    if top:
        try:
            confusion = evaluation_of_run(top[0][1].run_id).confusion.tolist()
        except StoreError:  # its model file is gone: the rest of the wall still shows
            return
        mistakes.markdown(f"### Where the best model errs ({plain(top[0][0])})")
        figure = wall_sized(confusion_heatmap(confusion, ""), CHART_HEIGHT)
        show_chart(figure, mistakes, key="projector.confusion", config=chart_config(static=True))
