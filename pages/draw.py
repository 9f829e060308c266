"""Draw: not built yet (issue 5)."""
import streamlit as st

import pages.common  # noqa: F401  (routes every first visit through app.py)

st.title("✏️ Draw")
st.info("The drawing page is not built yet.")
