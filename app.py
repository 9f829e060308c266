"""Digits dashboard: the entry point opens the app's navigation (listed in
pages/navigation.py, with the learner and the sidebar every page shares) and runs the
page it chose."""
from pages.navigation import open_app, run_routed

run_routed(open_app())
