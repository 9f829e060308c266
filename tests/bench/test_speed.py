"""The speed benchmark in its reduced form, and the speedrun CNN against a loose bound."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.models.architectures import ARCHITECTURES

pytestmark = [pytest.mark.benchmark, pytest.mark.real_data]
ROOT = Path(__file__).resolve().parents[2]


def test_quick_speed_benchmark_completes_and_prints_its_tables():
    out = subprocess.run([sys.executable, "-m", "bench.speed", "all", "--quick"], cwd=ROOT, capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    pair = r"^\| 1 \| [\d.]+ \| [\d.]+ \| [\d.]+x \| (bf16|float32), [\d.]+% \| [\d.]+ \| [\d.]+x \| [\d.]+% \|$"
    assert re.search(pair, text, re.M), text
    assert re.search(r"^T = [\d.]+ s .* same-config speed-up [\d.]+x median", text, re.M)
    for arch in ("logistic", "mlp", "cnn"):
        for name in ("fast", "default"):
            row = re.search(rf"^\| {arch} `{name}` \| 1 \| [\d.]+ \([\d.]+-[\d.]+\) \| - \| ([\d.]+)% ", text, re.M)
            assert row and 10 < float(row.group(1)) <= 100, f"no row for {arch} {name} in:\n{text}"
    assert re.search(r"\d+\.\d\d ms a batch; \d+% of it inside PyTorch's operators", text)
    peaks = re.search(r"(\d+) MB after round 1, (\d+) MB after round 2", text)
    assert peaks and int(peaks.group(1)) > 100


def test_the_speedrun_cnn_reaches_98_5_percent_within_10_s():
    """Its target is 99.0% in 0.3 T (docs/benchmarks.md); CI machines are noisy and may lack bf16,
    so 98.5% by 10 s of training, read off the whole-test-set checks the preset makes every
    10,000 examples."""
    from bench.speed.measure import run_preset_part
    result = run_preset_part("cnn", "fast", seed=0)
    assert result["status"] == "finished"
    reached = result["seconds_to"]["98.5%"]
    assert reached is not None and reached <= 10.0, result


def test_each_architecture_tests_its_models_at_a_batch_near_the_fastest():
    from bench.common import Report
    from bench.speed.eval_batches import measure_eval_batches

    out = Report(as_json=True)
    measure_eval_batches(out, repeat=3, presets=("fast",))
    for model in out.data["models"]:
        chosen = model["batches"].index(ARCHITECTURES[model["arch"]].eval_batch_size)
        # quiet, the registry's batch checked within 15% of the fastest (docs/benchmarks.md); loose for CI
        assert model["check_ms"][chosen] <= 1.5 * min(model["check_ms"]), model
