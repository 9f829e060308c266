"""Train: not built yet (issue 3)."""
import streamlit as st

import pages.common  # noqa: F401  (routes every first visit through app.py)

st.title("📈 Train")
st.info("The training page is not built yet. Until it is, train from a terminal, for example "
        "`python -m core.train --arch logistic`; the run then appears on the Home page.")
