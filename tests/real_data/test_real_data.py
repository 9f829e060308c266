"""Integration tests on the real MNIST (skipped only when $DIGITS_DATA_DIR is unset)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.analysis.compare import train_all_configs
from core.data.augment import shifted_test_set
from core.jobs.job import TrainingJob
from core.jobs.run_keeper import stored_job
from core.jobs.sequence import JobSequence
from core.models.evaluation import evaluate
from core.training.config import preset

ROOT = Path(__file__).resolve().parents[2]


def test_the_real_data_loads_in_memory(real_mnist):
    assert real_mnist.train.images.shape == (60_000, 28, 28) and real_mnist.train.images.dtype == torch.uint8
    assert real_mnist.test.images.shape == (10_000, 28, 28)
    assert torch.bincount(real_mnist.test.labels).tolist()[:3] == [980, 1135, 1032]
    mean = real_mnist.train.images.double().mean().item() / 255
    assert mean == pytest.approx(0.1307, abs=1e-4)


# (lowest, highest) test accuracy: the tutorials report CNN 97% after 3 epochs,
# logistic ~89-91%, MLP 94%; the tuned `default` presets must reach the accuracy floors below.
SEED_RANGES = {"logistic": (0.88, 0.93), "mlp": (0.92, 0.96), "cnn": (0.955, 0.985)}
DEFAULT_FLOORS = {"logistic": 0.92, "mlp": 0.98, "cnn": 0.99}


@pytest.mark.parametrize("arch", list(SEED_RANGES))
def test_seed_presets_land_near_the_tutorials(real_mnist, arch):
    snap = stored_job(preset(arch, "tutorial"), real_mnist).start().wait(timeout=600)
    assert snap.status == "finished", snap.message
    lowest, highest = SEED_RANGES[arch]
    assert lowest <= snap.test_accuracy <= highest
    assert snap.history.epochs[0].test_accuracy <= 0.3  # untrained: near chance, far from trained


@pytest.fixture(scope="module")
def default_trainings(real_mnist) -> dict[str, TrainingJob]:
    """The Compare page's "Train all three" (every default preset, same data and seed), trained
    once for the tests below; each finished job keeps its model (no queue releases it)."""
    sequence = JobSequence(train_all_configs(), real_mnist).start()
    sequence.wait(timeout=900)
    return {job.config.arch: job for job in sequence.jobs}


def test_train_all_three_defaults_rank_cnn_first(default_trainings):
    snaps = [job.snapshot() for job in default_trainings.values()]
    accuracy = {s.config.arch: s.test_accuracy for s in snaps}
    assert all(s.status == "finished" for s in snaps)
    assert all(accuracy[arch] >= floor for arch, floor in DEFAULT_FLOORS.items()), accuracy
    assert max(accuracy, key=accuracy.get) == "cnn"


def test_the_robust_cnn_reads_bent_digits_the_default_cnn_misses(real_mnist):
    """The robust preset's augmentation, on a small budget (one epoch of 20,000 images, about
    15 s for both): the full presets' figures are measured by `python -m bench.quality robustness`
    (docs/benchmarks.md). Measured here: 91.9% on the bent digits against 67.1%."""
    shifted = shifted_test_set(real_mnist.test)  # each test digit turned, resized, moved and re-stroked once
    accuracy = {}
    for name in ("robust", "default"):
        job = stored_job(preset("cnn", name, epochs=1, train_examples=20_000), real_mnist).start()
        snap = job.wait(timeout=600)
        assert snap.status == "finished" and snap.test_accuracy >= 0.975, (name, snap.message, snap.test_accuracy)
        accuracy[name] = evaluate(job.result.model, shifted).accuracy
    assert accuracy["robust"] >= 0.88 and accuracy["robust"] >= accuracy["default"] + 0.15, accuracy


def test_the_cli_trains_the_same_models_as_the_page(real_mnist, tmp_path, capsys):
    """The CLI's code (core.cli.main, in this process: a CLI process of its own is the next
    test's) and "Train all three" agree, on a smaller budget than the defaults'."""
    from core import cli
    budget = {"epochs": 1, "train_examples": 3_000}
    snaps = JobSequence(train_all_configs(**budget), real_mnist).start().wait(timeout=600)
    threads = torch.get_num_threads()
    try:
        for snap in snaps:
            assert cli.main(["--arch", snap.config.arch, "--epochs", "1", "--train-examples", "3000",
                             "--store-dir", str(tmp_path), "--data-dir", os.environ["DIGITS_DATA_DIR"], "--json"]) == 0
            result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
            assert result["test_accuracy"] == pytest.approx(snap.test_accuracy, abs=0.0015), snap.config.arch
    finally:
        torch.set_num_threads(threads)  # the CLI gives its main thread one torch thread


def test_cli_trains_logistic_on_the_real_data(real_mnist, store_root):
    env = {**os.environ, "DIGITS_STORE_DIR": str(store_root)}
    out = subprocess.run([sys.executable, "-m", "core.cli", "--arch", "logistic", "--epochs", "1", "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["test_accuracy"] >= 0.90 and result["status"] == "finished"


def test_the_fast_presets_reach_their_floors_and_measure_time_to_them(real_mnist):
    """The speedrun presets' accuracy floors (bench.speed times them against their budgets)."""
    from core.analysis.compare import time_to_accuracy
    floors = {"logistic": 0.92, "mlp": 0.98, "cnn": 0.985}  # the CNN's convolutions differ by CPU
    for arch, floor in floors.items():
        snap = stored_job(preset(arch, "fast"), real_mnist).start().wait(timeout=300)
        assert snap.status == "finished" and snap.test_accuracy >= floor, (arch, snap.test_accuracy)
        reached = time_to_accuracy(snap.history, [floor])[floor]
        assert len(snap.history.checks) >= 5 and reached is not None and reached <= snap.train_seconds, arch
