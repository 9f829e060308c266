"""Learners as Streamlit AppTest sessions of this process, for the workshop benches (load,
class-load): browser sessions are threads of one server process, so a process holding many
AppTest sessions carries what one server carries for as many tabs.

A `Tab` opens a page with a link's settings, presses buttons and, like a browser, re-runs
only the fragments a page asked to re-run on a timer (st.fragment(run_every=...)): AppTest
itself only runs whole pages, so a live view followed through `at.run()` would cost a
full page where a browser's tab costs one fragment. AppTest has no public way to do either,
so the two context managers below swap names inside streamlit.testing.v1.local_script_runner
for one run: a Streamlit upgrade that renames them breaks class-load loudly, not quietly.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import time
from typing import Iterator

from bench.common import ROOT

APP = str(ROOT / "app.py")


def quiet_streamlit() -> None:
    """Silence AppTest's "missing ScriptRunContext" chatter, one line per session and run."""
    for name in ["streamlit", *logging.root.manager.loggerDict]:
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def learner_id(i: int) -> str:
    """The id a browser's cookie would give learner `i` (AppTest has no cookies)."""
    return f"{i:032x}"


class Tab:
    """One learner's browser tab: an AppTest session on one page."""

    def __init__(self, learner: str, page: str, query: dict[str, str], timeout: float = 120) -> None:
        from streamlit.testing.v1 import AppTest

        from ui.identity import LEARNER_KEY

        self.learner = learner
        self.at = AppTest.from_file(APP, default_timeout=timeout)
        self.at.switch_page(page)
        for key, value in query.items():
            self.at.query_params[key] = value
        self.at.session_state[LEARNER_KEY] = learner
        self.timed: dict[str, float] = {}  # fragment id -> seconds between its reruns, as the last run asked
        self.fragment_reruns = 0
        self.fragment_seconds = 0.0  # spent in them
        self.raised: list[str] = []  # what a run of the page or a fragment raised

    def run(self) -> "Tab":
        """The whole page, as a load or a widget's change runs it."""
        with _auto_reruns_seen() as seen:
            self.at.run()
        self.timed = seen
        return self._note_raised()

    def press(self, label: str) -> "Tab":
        """Click the first button reading `label`, and the page's run that follows."""
        with _auto_reruns_seen() as seen:
            next(b for b in self.at.button if b.label == label).click().run()
        self.timed = seen
        return self._note_raised()

    def rerun_timed_fragments(self) -> None:
        """What a browser's timer does: re-run the fragments that asked for it, nothing else.
        A fragment that ends with st.rerun() (a run that ended) re-runs the whole page."""
        if not self.timed:
            return
        start = time.perf_counter()
        with _fragment_run(list(self.timed)), _auto_reruns_seen() as seen:
            self.at.run()
        if seen:  # the page ran whole and set its timers anew (a waiting view redrawn more often)
            self.timed = seen
        self.fragment_seconds += time.perf_counter() - start
        self.fragment_reruns += 1
        self._note_raised()

    def _note_raised(self) -> "Tab":
        self.raised += [e.message for e in self.at.exception]
        return self

    def problems(self, i: int, snap) -> list[str]:
        """What is wrong with learner `i`'s page once its run `snap` ended: the run not
        finished, other runs in their list, a page that raised."""
        from core.training.status import Status

        found = []
        if snap.status != Status.FINISHED:
            found.append(f"learner {i}: run ended {snap.status}: {snap.message}")
        runs = list(self.at.dataframe[0].value["run"]) if self.at.dataframe else []
        if runs != [snap.run_id]:
            found.append(f"learner {i} sees runs {runs}, not just its own {snap.run_id}")
        if self.raised:
            found.append(f"learner {i}: a page raised {self.raised[0]}")
        return found


@contextlib.contextmanager
def _auto_reruns_seen() -> Iterator[dict[str, float]]:
    """The fragments a run asked the browser to re-run on a timer (its AutoRerun messages)."""
    from streamlit.testing.v1 import local_script_runner

    parse, seen = local_script_runner.parse_tree_from_messages, {}

    def parse_and_note(messages):
        for msg in messages:
            if msg.WhichOneof("type") == "auto_rerun":
                seen[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        return parse(messages)

    local_script_runner.parse_tree_from_messages = parse_and_note
    try:
        yield seen
    finally:
        local_script_runner.parse_tree_from_messages = parse


@contextlib.contextmanager
def _fragment_run(fragment_ids: list[str]) -> Iterator[None]:
    """AppTest's next run re-runs these fragments alone, as a browser's auto-rerun asks."""
    from streamlit.runtime.scriptrunner import RerunData
    from streamlit.testing.v1 import local_script_runner

    if getattr(local_script_runner, "RerunData", None) is not RerunData:
        raise RuntimeError("this Streamlit's AppTest builds its runs otherwise: fragment reruns need a new way in")
    local_script_runner.RerunData = functools.partial(RerunData, fragment_id_queue=fragment_ids,
                                                      is_auto_rerun=True)
    try:
        yield
    finally:
        local_script_runner.RerunData = RerunData
