"""A workshop in one process: `python -m bench.server load`."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import types

from bench.common import Report, header, peak_rss_mb
from bench.server.sessions import Tab, learner_id, quiet_streamlit

LOAD_DOC = """\
Each learner is a Streamlit AppTest session of this process, as browser sessions are
threads of one server: it opens /train with a short configuration and presses Start
(every job goes into the server's one queue at once), then all are followed round-robin
until their runs end, and each one draws a "1" on /draw. Bounded (a deadline) and
localhost-only. Checks: every run finishes, every learner sees only their own job and run,
no page raises, and the process's peak RSS. Exits 1 when anything went wrong.
"""
CONFIGS = ({"arch": "logistic", "epochs": "2"},
           {"arch": "mlp", "epochs": "1", "train_examples": "20000", "m.hidden": "128"})


def a_one() -> types.SimpleNamespace:
    import numpy as np

    image = np.zeros((280, 280, 4), dtype=np.uint8)
    image[..., 3] = 255
    image[40:240, 130:150, :3] = 255
    return types.SimpleNamespace(image_data=image, json_data={"objects": [{"type": "path"}]})


def run_load_test(sessions: int, deadline_s: float = 600) -> dict:
    """Run the workshop; return the figures and whatever went wrong (an empty `problems`)."""
    from core.training.status import Status
    from ui.resources import training_queue

    # AppTest cannot move a mouse: the Draw page's canvas module answers with a drawn "1"
    sys.modules["streamlit_drawable_canvas"] = types.SimpleNamespace(st_canvas=lambda **kwargs: a_one())
    started = time.perf_counter()
    learners, problems = [], []
    for i in range(sessions):
        tab = Tab(learner_id(i), "pages/train.py", CONFIGS[i % len(CONFIGS)]).run().press("Start")
        learners.append({"tab": tab, "job": training_queue().latest_job(tab.learner), "submitted": time.perf_counter(),
                         "began": None, "ended": None})
    while any(learner["ended"] is None for learner in learners):
        if time.perf_counter() - started > deadline_s:
            problems.append(f"deadline of {deadline_s:.0f} s passed")
            break
        for learner in learners:
            status = learner["job"].snapshot().status
            if status != Status.QUEUED and learner["began"] is None:
                learner["began"] = time.perf_counter()
            if learner["job"].snapshot().done and learner["ended"] is None:
                learner["ended"] = time.perf_counter()
            learner["tab"].run()  # the learner's page keeps redrawing, as an open tab does
        time.sleep(0.2)
    for i, learner in enumerate(learners):
        tab = learner["tab"].run()
        problems += tab.problems(i, learner["job"].snapshot())
        tab.at.switch_page("pages/draw.py").run()
        if not tab.at.metric:
            problems.append(f"learner {i}: no model answered the drawing")
        if tab.at.exception:
            problems.append(f"learner {i}: the Draw page raised {tab.at.exception[0].message}")
    waits = [learner["began"] - learner["submitted"] for learner in learners if learner["began"]]
    return {"sessions": sessions, "wall_s": time.perf_counter() - started,
            "max_queue_wait_s": max(waits, default=0.0), "mean_queue_wait_s": sum(waits) / max(len(waits), 1),
            "peak_rss_mb": peak_rss_mb(), "problems": problems}


def run_load(args: argparse.Namespace, out: Report) -> int:
    header(out, args)
    quiet_streamlit()
    with tempfile.TemporaryDirectory() as store:
        os.environ["DIGITS_STORE_DIR"] = store
        result = out.put("load", run_load_test(2 if args.quick else args.sessions, args.deadline))
    out.table("sessions", "wall s", "queue wait s (mean / max)", "peak RSS MB", "problems")
    out.row(result["sessions"], f"{result['wall_s']:.1f}",
            f"{result['mean_queue_wait_s']:.1f} / {result['max_queue_wait_s']:.1f}", f"{result['peak_rss_mb']:,.0f}",
            len(result["problems"]))
    for problem in result["problems"]:
        out.say(f"- {problem}")
    return 1 if result["problems"] else 0


def load_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--deadline", type=float, default=600, help="give up after this many seconds")
