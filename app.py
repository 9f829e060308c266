"""Digits dashboard: the entry point draws the frame (ui/frame.py: the navigation and the
chosen page's heading) with streamlit alone, then imports the app (the store, the data, and
torch for every page but Home) and runs the page: a fresh server shows the heading while those load."""
from ui.frame import framed

with framed() as page:
    from ui.navigation import run_app

    run_app(page)
