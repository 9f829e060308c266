"""What several test modules share, imported `from helpers import ...` (pytest.ini puts tests/ on
the path): small synthetic digits and configs, AppTest steps, waits, and test doubles. Fixtures
live in conftest.py, which imports what they need from here; no test imports conftest."""
from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data.loading import Dataset, DatasetFiles, Split
from core.jobs.job import TrainingJob
from core.training.history import EpochMetrics

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LEARNER = "a" * 32  # the learner id AppTest sessions use unless a test names another


# -- data and configs ---------------------------------------------------------------------
def synthetic_split(n: int, seed: int) -> Split:
    """Ten easy classes: digit k is a bright 6x6 square at its own place, plus noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    images = torch.randint(0, 60, (n, 28, 28), generator=g)
    for i, k in enumerate(labels.tolist()):
        row, col = 2 + (k // 5) * 12, 1 + (k % 5) * 5
        images[i, row:row + 6, col:col + 6] = 255
    return Split(images.to(torch.uint8), labels)


def files_of(data: Dataset) -> DatasetFiles:
    """A dataset as read_dataset returns it (ui.resources reads every dataset through it)."""
    return DatasetFiles(data.train.images.numpy(), data.train.labels.numpy(), data.test.images.numpy(),
                        data.test.labels.numpy(), data.root, data.source, data.spec)


def write_mnist(root: Path, data: Dataset) -> Path:
    """`data` as MNIST's four idx files under root/MNIST/raw, as a data folder holds them; root."""
    from core.data.datasets import MNIST
    raw = root / MNIST.folder / "raw"
    raw.mkdir(parents=True)
    for name, array in zip(MNIST.files, (data.train.images, data.train.labels, data.test.images, data.test.labels)):
        array = array.numpy().astype(np.uint8)
        header = bytes([0, 0, 0x08, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
        (raw / name).write_bytes(header + array.tobytes())
    return root


def tiny_config(**changes):
    """A config that trains in a second on the tiny digits: logistic, Adam, on the CPU."""
    from core.training.config import build_config
    values = dict(arch="logistic", epochs=2, batch_size=32, lr=0.01, optimizer="adam", log_every=100, device="cpu")
    return build_config({**values, **changes}, preset=None)


def a_one() -> np.ndarray:
    """What the canvas returns for a vertical stroke: RGBA, white ink on black."""
    image = np.zeros((280, 280, 4), dtype=np.uint8)
    image[..., 3] = 255
    image[40:240, 130:150, :3] = 255
    return image


# -- waiting ------------------------------------------------------------------------------
def wait_until(condition, timeout: float = 30, every: float = 0.02, what: str = "the condition"):
    """Poll `condition()` until it is truthy (returned) or `timeout` seconds pass (a failure)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not hold within {timeout} s")
        time.sleep(every)
    return value


# -- servers the store and cluster tests need (.ci/run starts them and sets these) -------------
POSTGRES_ENV = "DIGITS_TEST_POSTGRES_URL"  # a PostgreSQL server's URL that may create databases
RAY_ENV = "DIGITS_TEST_RAY_ADDRESS"  # a running Ray head's address (`ray start --head`)
RAY_CLIENT_ENV = "DIGITS_TEST_RAY_CLIENT_ADDRESS"  # the same head's Ray Client address, ray://host:port


def needed_server(name: str, what: str) -> str:
    """The address in $name; without it a test skips locally and fails in CI."""
    found = os.environ.get(name)
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"${name} is unset: CI must start {what}")
        pytest.skip(f"${name} is unset: no {what} to test against")
    return found


# -- pages under AppTest (the app_env fixture gives them the tiny digits and a fresh store) --
def new_app(learner: str = LEARNER, timeout: float = 30):
    """An AppTest of the app, not yet run, for `learner`. AppTest has no cookies, so the id
    a browser's cookie would give goes straight into session_state."""
    from streamlit.testing.v1 import AppTest

    from ui.identity import LEARNER_KEY
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state[LEARNER_KEY] = learner
    return at


def open_page(page: str, query: dict | None = None, timeout: float = 30, learner: str = LEARNER, **state):
    """AppTest of `page` ("pages/train.py") for `learner`, run once with `query` parameters
    and `state` set."""
    at = new_app(learner, timeout)
    at.switch_page(page)
    for key, value in state.items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def labelled(widgets, label: str):
    """The one widget of an AppTest list (`at.button`, `at.toggle`, ...) with this label (a
    failure if there is none or several): tests find widgets as a person does, not by position."""
    [found] = [w for w in widgets if w.label == label]
    return found


def button(at, label: str):
    return labelled(at.button, label)


def shown(markdown: str) -> str:
    """What a reader sees of a message that ui.resources.plain() escaped."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def server_queue():
    """The process's training queue, as the pages get it (app_env gives each test a new one)."""
    from ui.resources import training_queue
    return training_queue()


# -- test doubles -------------------------------------------------------------------------
class GatedJob(TrainingJob):
    """Holds its slot at the start of training until the test opens the gate."""
    starts: list[str] = []
    running_now = 0
    most_at_once = 0
    counter_lock = threading.Lock()

    def __init__(self, name: str, *args, fail: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.name, self.fail = name, fail
        self.gate, self.entered = threading.Event(), threading.Event()

    def on_start(self, total_examples: int, param_count: int) -> None:
        with GatedJob.counter_lock:
            GatedJob.starts.append(self.name)
            GatedJob.running_now += 1
            GatedJob.most_at_once = max(GatedJob.most_at_once, GatedJob.running_now)
        self.entered.set()
        self.gate.wait(30)
        with GatedJob.counter_lock:
            GatedJob.running_now -= 1
        if self.fail:
            raise RuntimeError("boom")
        super().on_start(total_examples, param_count)


class ListRecorder:
    """Collects what fit publishes; can ask for a stop after `stop_after` train points."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.points: list[tuple[int, float, float]] = []
        self.epochs: list[EpochMetrics] = []
        self.probes: list[tuple[int, float]] = []
        self.checks: list[tuple[int, float, float]] = []
        self.total = self.params = 0
        self.stop_after = stop_after

    def should_stop(self) -> bool:
        return self.stop_after is not None and len(self.points) >= self.stop_after

    def on_start(self, total_examples, param_count):
        self.total, self.params = total_examples, param_count

    def on_train_point(self, examples_seen, loss, train_seconds):
        self.points.append((examples_seen, loss, train_seconds))

    def on_probe(self, examples_seen, accuracy):
        self.probes.append((examples_seen, accuracy))

    def on_check(self, examples_seen, train_seconds, accuracy):
        self.checks.append((examples_seen, train_seconds, accuracy))

    def on_epoch(self, metrics):
        self.epochs.append(metrics)


# -- browser steps --------------------------------------------------------------------------
def set_nickname(page, name):
    """Type `name` into the sidebar's nickname box of a playwright page."""
    from playwright.sync_api import expect
    box = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Your nickname")
    box.fill(name, timeout=60_000)
    box.press("Enter")
    expect(box).to_have_value(name)


def hosted_defaults(monkeypatch, **settings: str) -> None:
    """DIGITS_HOSTED=1 with its own limits (none of this machine's DIGITS_* caps), and `settings`
    (DIGITS_STORE_MAX_MB="200", ...) set through monkeypatch, so that a benchmark that sets
    them in os.environ too leaves nothing behind."""
    for name in [name for name in os.environ if name.startswith(("DIGITS_MAX_", "DIGITS_QUEUE_", "DIGITS_JOBS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DIGITS_HOSTED", "1")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
