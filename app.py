"""Digits dashboard: the entry point opens the app's navigation (listed in
ui/navigation.py, with the learner and the sidebar every page shares) and runs the
page it chose."""
from ui.navigation import run_app

run_app()
