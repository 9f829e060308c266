"""30 learners on one server, bounded: the `fast` logistic regression started from 30 Train
pages at once, watched and unwatched (AppTest sessions in one process: no browser, the real
MNIST). Limits loose enough for a loaded CI machine; docs/benchmarks.md has the measured ones."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.benchmark, pytest.mark.real_data]


def test_thirty_learners_all_finish_near_the_ideal_and_their_live_views_cost_little():
    out = subprocess.run([sys.executable, "-m", "bench.server", "class-load", "--learners", "30", "--arch", "logistic",
                          "--max-finish-ratio", "2", "--max-watch-cost", "0.35", "--deadline", "240", "--pairs", "1",
                          "--json"],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=600)
    assert out.stdout, out.stderr[-3000:]
    found = json.loads(out.stdout.splitlines()[-1])
    for case in found["cases"]:
        assert case["finished"] == 30 and not case["problems"], case
        assert case["last_end_s"] <= 2 * case["ideal_s"], case
    watched = next(case for case in found["cases"] if case["watch"])
    # every tab really followed its live view: a waiting learner's every 3 s, a training one's every second
    assert watched["reruns_per_learner_s"] >= 0.25, watched
    assert found["watch_cost"]["logistic"] <= 0.35, found["watch_cost"]
    assert out.returncode == 0, out.stderr[-3000:]
