"""Compare: not built yet (issue 4)."""
import streamlit as st

import pages.common  # noqa: F401  (routes every first visit through app.py)

st.title("⚖️ Compare")
st.info("The comparison page is not built yet.")
