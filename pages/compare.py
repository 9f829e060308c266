"""Compare: not built yet (issue 4)."""
import streamlit as st

st.title("⚖️ Compare")
st.info("The comparison page is not built yet.")
