"""Comparing trained models: which runs to show, how fast they learned, where they disagree."""
from __future__ import annotations

from typing import Any

import torch

from core.config import TrainConfig, preset
from core.evaluation import Evaluation
from core.models import MODEL_LABELS, MODEL_OPTIONS
from core.store import RunRecord

THRESHOLDS = (0.90, 0.95, 0.98, 0.99)  # the accuracies whose time-to-reach the table shows


def train_all_configs(**overrides: Any) -> list[TrainConfig]:
    """Every architecture's `default` preset, same data and seed; overrides shrink the budget."""
    return [preset(arch, "default", **overrides) for arch in MODEL_OPTIONS]


def comparable_runs(runs: list[RunRecord]) -> list[RunRecord]:
    """Runs with saved weights and a test accuracy (finished, stopped or diverged)."""
    return [r for r in runs if r.model_path is not None and r.test_accuracy is not None]


def best_per_arch(runs: list[RunRecord]) -> dict[str, str]:
    """The run id of the most accurate run of each architecture."""
    best: dict[str, RunRecord] = {}
    for run in comparable_runs(runs):
        if run.arch not in best or run.test_accuracy > best[run.arch].test_accuracy:
            best[run.arch] = run
    return {arch: run.run_id for arch, run in best.items()}


def time_to_accuracy(history: dict[str, Any], thresholds=THRESHOLDS) -> dict[float, float | None]:
    """Training seconds at the end of the first epoch whose test accuracy reached each threshold."""
    epochs = history.get("epochs", [])
    return {t: next((e["train_seconds"] for e in epochs if e["test_accuracy"] >= t), None) for t in thresholds}


def disagreements(right: Evaluation, wrong: Evaluation) -> list[int]:
    """Test indices that the first model gets right and the second gets wrong."""
    a_right = right.predictions == right.labels
    b_wrong = wrong.predictions != wrong.labels
    return (a_right & b_wrong).nonzero().flatten().tolist()


def cell_indices(evaluation: Evaluation, true: int, predicted: int) -> list[int]:
    """Test indices behind one confusion-matrix cell."""
    mask = (evaluation.labels == true) & (evaluation.predictions == predicted)
    return torch.nonzero(mask).flatten().tolist()


def leaderboard(runs: list[RunRecord], archs: list[str] | None = None,
                names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per evaluated run, most accurate first: who, what, key settings, how well, how fast.
    `names` maps learner ids to what is shown (core.identity.display_names); runs without a
    learner (the CLI's) show the nickname they were trained under."""
    rows = []
    for run in comparable_runs(runs):
        if archs is not None and run.arch not in archs:
            continue
        config = run.config
        who = (names or {}).get(run.learner) or run.nickname or "anonymous"
        rows.append({"nickname": who, "model": MODEL_LABELS[run.arch],
                     "layers": MODEL_OPTIONS[run.arch].from_dict(config.get("model") or {}).describe(),
                     "epochs": config["epochs"], "batch": config["batch_size"], "lr": config["lr"],
                     "optimizer": config["optimizer"], "test accuracy": run.test_accuracy,
                     "training s": run.train_seconds, "status": run.status, "run": run.run_id})
    return sorted(rows, key=lambda row: -row["test accuracy"])
