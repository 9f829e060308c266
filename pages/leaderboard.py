"""Leaderboard: every run on this server, so a class can race configurations."""
import streamlit as st

from core.compare import leaderboard
from core.models import ARCHITECTURES, label
from pages.common import learners, run_store
from pages.identity import learner
from pages.navigation import require_app_navigation

require_app_navigation()
st.title("🏆 Leaderboard")
st.caption("Every model trained on this server, most accurate first. Click a column header to sort by it. "
           "Choose your nickname in the sidebar.")
archs = st.pills("Architectures", list(ARCHITECTURES), format_func=label, selection_mode="multi",
                 default=list(ARCHITECTURES))
runs = run_store().list_runs(with_history=False)
rows = leaderboard(runs, archs, names=learners().display_names({run.learner for run in runs}))
if not rows:
    st.info("No trained model yet: be the first! Train one on the **Train** page.")
    st.stop()
st.dataframe(rows, hide_index=True, column_config={
    "test accuracy": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
    "training s": st.column_config.NumberColumn(format="%.1f"),
    "lr": st.column_config.NumberColumn(format="%g")})
mine = {run.run_id for run in runs if run.learner == learner()}
places = [i + 1 for i, row in enumerate(rows) if row["run"] in mine]
st.caption(f"Your best place: **{places[0]}** of {len(rows)}." if places else "No run of yours here yet.")
