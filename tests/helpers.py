"""Test doubles and steps that several test modules share (fixtures live in conftest.py)."""
from __future__ import annotations

import threading

from playwright.sync_api import expect

from core.jobs.job import TrainingJob
from core.training.history import EpochMetrics


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


def set_nickname(page, name):
    box = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Your nickname")
    box.fill(name, timeout=60_000)
    box.press("Enter")
    expect(box).to_have_value(name)
