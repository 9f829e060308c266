"""Integration tests on the real MNIST (skipped only when $DIGITS_DATA_DIR is unset)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.config import preset
from core.jobs import TrainingJob

ROOT = Path(__file__).resolve().parents[1]


def test_the_real_data_loads_in_memory(real_mnist):
    assert real_mnist.train.images.shape == (60_000, 28, 28) and real_mnist.train.images.dtype == torch.uint8
    assert real_mnist.test.images.shape == (10_000, 28, 28)
    assert torch.bincount(real_mnist.test.labels).tolist()[:3] == [980, 1135, 1032]
    mean = real_mnist.train.images.double().mean().item() / 255
    assert mean == pytest.approx(0.1307, abs=1e-4)


# (lowest, highest) test accuracy: the tutorials report CNN 97% after 3 epochs,
# logistic ~89-91%, MLP 94%; the tuned `default` presets must reach issue 2's floors.
EXPECTED = {
    ("logistic", "seed"): (0.88, 0.93), ("mlp", "seed"): (0.92, 0.96), ("cnn", "seed"): (0.955, 0.985),
    ("logistic", "default"): (0.92, 1.0), ("mlp", "default"): (0.98, 1.0), ("cnn", "default"): (0.99, 1.0),
}


@pytest.mark.parametrize("arch, name", list(EXPECTED))
def test_presets_reach_their_accuracy(real_mnist, arch, name):
    snap = TrainingJob(preset(arch, name), real_mnist).start().wait(timeout=600)
    assert snap.status == "finished", snap.message
    lowest, highest = EXPECTED[arch, name]
    assert lowest <= snap.test_accuracy <= highest
    assert snap.epochs[0].test_accuracy <= 0.3  # untrained: near chance, far from trained


def test_cli_trains_logistic_on_the_real_data(real_mnist, store_root):
    env = {**os.environ, "DIGITS_STORE_DIR": str(store_root)}
    out = subprocess.run([sys.executable, "-m", "core.train", "--arch", "logistic", "--epochs", "1", "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["test_accuracy"] >= 0.90 and result["status"] == "finished"
