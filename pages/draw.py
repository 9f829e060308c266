"""Draw: not built yet (issue 5)."""
import streamlit as st

st.title("✏️ Draw")
st.info("The drawing page is not built yet.")
