"""Digits dashboard: the entry point only builds the navigation."""
import streamlit as st

st.set_page_config(page_title="Digits dashboard", page_icon="✍️", layout="wide")

navigation = st.navigation([
    st.Page("pages/home.py", title="Home", icon="🏠", url_path="home", default=True),
    st.Page("pages/train.py", title="Train", icon="📈", url_path="train"),
    st.Page("pages/compare.py", title="Compare", icon="⚖️", url_path="compare"),
    st.Page("pages/draw.py", title="Draw", icon="✏️", url_path="draw"),
    st.Page("pages/leaderboard.py", title="Leaderboard", icon="🏆", url_path="leaderboard"),
])
navigation.run()
