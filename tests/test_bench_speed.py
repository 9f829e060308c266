"""The speed benchmark in its reduced form: it must run end to end and print its tables."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.benchmark, pytest.mark.skipif(not os.environ.get("DIGITS_DATA_DIR"),
                                reason="needs the real MNIST: set DIGITS_DATA_DIR")]


def test_quick_speed_benchmark_completes_and_prints_its_tables():
    out = subprocess.run([sys.executable, "-m", "bench.speed", "--quick"], cwd=Path(__file__).resolve().parents[1],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert len(re.findall(r"^\| tutorial DataLoader.* \| 19,200 \| [\d.]+ \| [\d,]+ \|$", text, re.M)) == 2
    assert re.search(r"\| project trainer, .* \| 19,200 \| [\d.]+ \| [\d,]+ \|", text)
    assert re.search(r"Same-config speed-up: [\d.]+x over the tutorial as written, [\d.]+x from", text)
    for arch in ("logistic", "mlp", "cnn"):
        row = re.search(rf"^\| {arch} \| 1 \| [\d.]+ \| ([\d.]+)% \|.*\| ([\d.]+) \| ([\d,]+) \|$", text, re.M)
        assert row, f"no row for {arch} in:\n{text}"
        assert 10 < float(row.group(1)) <= 100 and float(row.group(2)) > 0
