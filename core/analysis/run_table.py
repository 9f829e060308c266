"""Saved runs as table rows: one builder, each page choosing its columns.

Each column is a name (what the table's header says) and how it is read off a run.
Pages pass the names they show, in their order; `names` maps learner ids to what is
shown for them (core.store.learners.display_names).
"""
from __future__ import annotations

from typing import Any, Callable

from core.data.datasets import DATASETS
from core.models.architectures import ARCHITECTURES, label
from core.store.runs import RunRecord

Cell = Callable[[RunRecord, dict[str, str]], Any]


def _who(run: RunRecord, names: dict[str, str]) -> str:
    """Runs without a learner (the CLI's) show the nickname they were trained under."""
    return names.get(run.learner) or run.nickname or "anonymous"


def _layers(run: RunRecord, _: dict[str, str]) -> str:
    if run.arch not in ARCHITECTURES or run.dataset not in DATASETS:
        return ""
    options = ARCHITECTURES[run.arch].options.from_dict(run.config.get("model") or {})
    return options.describe(DATASETS[run.dataset])


def images_per_epoch(run: RunRecord) -> int | None:
    """Training images the run used per epoch: the whole training split, or the first
    `train_examples` of it."""
    spec = DATASETS.get(run.dataset)
    if spec is None:
        return None
    asked = run.config.get("train_examples") or 0
    return min(asked, spec.train_size) if asked > 0 else spec.train_size


def budget(run: RunRecord) -> str:
    """ "full": the run trained on every training image; "quick": on fewer; "" for an unknown dataset."""
    spec, used = DATASETS.get(run.dataset), images_per_epoch(run)
    return "" if spec is None else "full" if used == spec.train_size else "quick"


def _epochs_trained(run: RunRecord, _: dict[str, str]) -> float | None:
    """Epochs' worth of examples trained, so a run stopped in its first epoch reads 0.8."""
    used = images_per_epoch(run)
    return round(run.examples_seen / used, 2) if run.examples_seen is not None and used else None


def _examples_per_second(run: RunRecord, _: dict[str, str]) -> float | None:
    if not run.examples_seen or not run.train_seconds:
        return None
    return run.examples_seen / run.train_seconds


COLUMNS: dict[str, Cell] = {
    "run": lambda run, _: run.run_id,
    "nickname": _who,
    "by": _who,
    "model": lambda run, _: label(run.arch),
    "layers": _layers,
    "status": lambda run, _: str(run.status),
    "test accuracy": lambda run, _: run.test_accuracy,
    "training s": lambda run, _: run.train_seconds,
    "epochs": lambda run, _: run.config["epochs"],       # asked for
    "epochs trained": _epochs_trained,                   # done (fewer when stopped)
    "images": lambda run, _: images_per_epoch(run),      # training images per epoch
    "budget": lambda run, _: budget(run),
    "examples/s": _examples_per_second,
    "trainings at once": lambda run, _: run.trainings_at_once,  # the speed's context: 1 = it trained alone
    "batch": lambda run, _: run.config["batch_size"],
    "lr": lambda run, _: run.config["lr"],
    "optimizer": lambda run, _: run.config["optimizer"],
    "parameters": lambda run, _: run.param_count,
}


def run_rows(runs: list[RunRecord], columns: tuple[str, ...], names: dict[str, str] | None = None) -> list[dict]:
    """One dict per run with `columns` (keys of COLUMNS), in the order given."""
    return [{column: COLUMNS[column](run, names or {}) for column in columns} for run in runs]
