"""Leaderboard: every run on this server, or of the learner's class this round, so a class
can race configurations."""
from ui.frame import through_app

through_app()  # before the imports below: see ui/frame.py

import streamlit as st

from core.analysis.compare import BUDGETS, LEADERBOARD_FIRST, leaderboard
from core.models.architectures import ARCHITECTURES, label
from ui.display import show_table
from ui.identity import learner
from ui.navigation import heading, require_app_navigation
from ui.resources import classes, fragment, learners, my_class_info, run_store
from ui.text import plain

BUDGET_NAMES = {"full": "Full: all 60,000 training images", "quick": "Quick: fewer images"}
LIVE_KEY = "leaderboard_live_runs"  # the runs training at the last redraw: one fewer means the table has news


def training_now(class_code: str, since: float) -> None:
    """The runs queued or training now, whichever replica or cluster worker trains them;
    when one ends, the whole page redraws so the ranking below takes it in."""
    runs = run_store().list_runs(with_history=False, class_code=class_code, since=since, live_only=True)
    ids = {run.run_id for run in runs}
    if st.session_state.get(LIVE_KEY, set()) - ids:  # one has ended, whatever started meanwhile
        st.session_state[LIVE_KEY] = ids
        st.rerun(scope="app")
    st.session_state[LIVE_KEY] = ids
    if not runs:
        return
    names = learners().display_names({run.learner for run in runs})
    st.header(f"Training now ({len(runs)})")
    show_table([{"nickname": names.get(run.learner) or run.nickname or "anonymous", "model": label(run.arch),
                 "status": str(run.status),
                 "done": run.progress or 0.0} for run in runs],
               model=st.column_config.TextColumn(width="small"), status=st.column_config.TextColumn(width="small"),
               done=st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1, width="small"))


require_app_navigation()
heading("🏆 Leaderboard")
class_info = my_class_info()
if class_info is None:
    st.markdown("Every model trained on this server outside a class, most accurate first. Click a column header "
               "to sort by it. Choose your nickname in the sidebar.")
else:
    title = f" ({plain(class_info.title)})" if class_info.title else ""
    st.markdown(f"Every model of your class **{class_info.code}**{title} in this round, most accurate first. "
               "Click a column header to sort by it. Choose your nickname in the sidebar.")
fragment(training_now, run_every=2)(class_info.code if class_info else "",
                                      class_info.round_started_at if class_info else 0.0)
archs = st.pills("Architectures", list(ARCHITECTURES), format_func=label, selection_mode="multi",
                 default=list(ARCHITECTURES))
budgets = st.pills("Training images", list(BUDGETS), format_func=BUDGET_NAMES.get, selection_mode="multi",
                   default=list(BUDGETS), help="A quick run trains on fewer images: it is fast, and usually "
                                               "less accurate than a full one.")
runs = (classes().runs_this_round(class_info.code, with_history=False) if class_info is not None
        else run_store().list_runs(with_history=False, class_code=""))
rows = leaderboard(runs, archs, names=learners().display_names({run.learner for run in runs}),
                   budgets=tuple(budgets))
if not rows:
    st.info("No trained model yet: be the first! Train one on the **Train** page."
            if not runs else "No run matches these choices.")
    st.stop()
every = st.toggle("Every setting and speed", help="Also the batch size, learning rate, optimizer, examples per "
                  "second, trainings at once, status and run id: the table then scrolls sideways.")
show_table(rows, columns=None if every else LEADERBOARD_FIRST,
           **{"test accuracy": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})
mine = {run.run_id for run in runs if run.learner == learner()}
places = [row["rank"] for row in rows if row["run"] in mine]
st.caption(f"Your best place: **{places[0]}** of {len(rows)}." if places else "No run of yours here yet.")
