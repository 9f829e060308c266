"""The workshop load test, bounded: 8 learners on one server process train and draw at once
(AppTest sessions in one process: no browser, the real MNIST)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

# a memory limit: alone in the benchmark step, where no other test's process shares the machine
pytestmark = [pytest.mark.benchmark, pytest.mark.real_data]


def test_eight_learners_train_and_draw_in_one_process_within_the_memory_budget():
    out = subprocess.run([sys.executable, "-m", "bench.server", "load", "--sessions", "8", "--deadline", "300"],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=420)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    row = re.search(r"^\| 8 \| ([\d.]+) \| ([\d.]+) / ([\d.]+) \| ([\d,]+) \| 0 \|$", out.stdout, re.M)
    assert row, out.stdout
    assert int(row.group(4).replace(",", "")) < 1500  # MB: one MNIST, one queue, eight sessions
