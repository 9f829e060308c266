"""Train: not built yet (issue 3)."""
import streamlit as st

st.title("📈 Train")
st.info("The training page is not built yet. Until it is, train from a terminal, for example "
        "`python -m core.train --arch logistic`; the run then appears on the Home page.")
