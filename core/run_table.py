"""Saved runs as table rows: one builder, each page choosing its columns.

Each column is a name (what the table's header says) and how it is read off a run.
Pages pass the names they show, in their order; `names` maps learner ids to what is
shown for them (core.identity.display_names).
"""
from __future__ import annotations

from typing import Any, Callable

from core.datasets import DATASETS
from core.models import ARCHITECTURES, label
from core.store import RunRecord

Cell = Callable[[RunRecord, dict[str, str]], Any]


def _who(run: RunRecord, names: dict[str, str]) -> str:
    """Runs without a learner (the CLI's) show the nickname they were trained under."""
    return names.get(run.learner) or run.nickname or "anonymous"


def _layers(run: RunRecord, _: dict[str, str]) -> str:
    if run.arch not in ARCHITECTURES or run.dataset not in DATASETS:
        return ""
    options = ARCHITECTURES[run.arch].options.from_dict(run.config.get("model") or {})
    return options.describe(DATASETS[run.dataset])


COLUMNS: dict[str, Cell] = {
    "run": lambda run, _: run.run_id,
    "nickname": _who,
    "by": _who,
    "model": lambda run, _: label(run.arch),
    "layers": _layers,
    "status": lambda run, _: str(run.status),
    "test accuracy": lambda run, _: run.test_accuracy,
    "training s": lambda run, _: run.train_seconds,
    "epochs": lambda run, _: run.config["epochs"],                  # asked for
    "epochs trained": lambda run, _: run.history.trained_epochs,    # done (fewer when stopped)
    "batch": lambda run, _: run.config["batch_size"],
    "lr": lambda run, _: run.config["lr"],
    "optimizer": lambda run, _: run.config["optimizer"],
    "parameters": lambda run, _: run.param_count,
}


def run_rows(runs: list[RunRecord], columns: tuple[str, ...], names: dict[str, str] | None = None) -> list[dict]:
    """One dict per run with `columns` (keys of COLUMNS), in the order given."""
    return [{column: COLUMNS[column](run, names or {}) for column in columns} for run in runs]
