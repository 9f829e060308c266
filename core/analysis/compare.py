"""Comparing trained models: which runs to show, how fast they learned, where they disagree."""
from __future__ import annotations

from typing import Any

import torch

from core.analysis.run_table import budget, run_rows
from core.data.datasets import DEFAULT_DATASET
from core.models.architectures import ARCHITECTURES, label
from core.models.evaluation import Evaluation
from core.store.runs import RunRecord
from core.training.config import TrainConfig, preset
from core.training.history import History

THRESHOLDS = (0.90, 0.95, 0.98, 0.99)  # the accuracies whose time-to-reach the table shows


def train_all_configs(**overrides: Any) -> list[TrainConfig]:
    """Every registered architecture's `default` preset, same data and seed; overrides shrink the budget."""
    return [preset(arch, "default", **overrides) for arch in ARCHITECTURES]


def comparable_runs(runs: list[RunRecord], dataset: str | None = DEFAULT_DATASET) -> list[RunRecord]:
    """Runs with saved weights and a test accuracy (finished, stopped or diverged), of an
    architecture still registered, on `dataset` (None: on any)."""
    return [r for r in runs if r.model_path is not None and r.test_accuracy is not None
            and r.arch in ARCHITECTURES and (dataset is None or r.dataset == dataset)]


def best_per_arch(runs: list[RunRecord], dataset: str = DEFAULT_DATASET) -> dict[str, str]:
    """The run id of the most accurate run of each architecture on `dataset`."""
    best: dict[str, RunRecord] = {}
    for run in comparable_runs(runs, dataset):
        if run.arch not in best or run.test_accuracy > best[run.arch].test_accuracy:
            best[run.arch] = run
    return {arch: run.run_id for arch, run in best.items()}


def best_on_every_dataset(runs: list[RunRecord]) -> set[str]:
    """The best run of each architecture on each dataset: what the store's pruning keeps."""
    return {run_id for dataset in {r.dataset for r in runs} for run_id in best_per_arch(runs, dataset).values()}


def time_to_accuracy(history: History, thresholds=THRESHOLDS) -> dict[float, float | None]:
    """Training seconds when the whole test set's accuracy first reached each threshold: at an
    epoch's end, or at a check within one when the run made them (TrainConfig.test_every)."""
    points = history.test_set_accuracy_times()
    return {t: next((seconds for seconds, accuracy in points if accuracy >= t), None) for t in thresholds}


def examples_to_accuracy(history: History, thresholds=THRESHOLDS) -> dict[float, int | None]:
    """Training examples seen when test accuracy first reached each threshold (probes within
    epochs included): unlike seconds, the same however busy the server was."""
    points = history.test_accuracy_points()
    return {t: next((seen for seen, accuracy in points if accuracy >= t), None) for t in thresholds}


def run_tag(run_id: str) -> str:
    """The part of a run id people read: its last six characters, the random ones."""
    return run_id[-6:]


def run_label(run: RunRecord, accuracy: bool = True) -> str:
    """A run named on its own: "CNN 99.1% (a1b2c3)", its test accuracy left out when asked or unknown."""
    score = f" {run.test_accuracy:.1%}" if accuracy and run.test_accuracy is not None else ""
    return f"{label(run.arch)}{score} ({run_tag(run.run_id)})"


def short_names(run_ids: list[str], runs: dict[str, RunRecord]) -> dict[str, str]:
    """How runs are named side by side: their architecture's label, with the run's tag only
    where two of `run_ids` share an architecture."""
    archs = [runs[i].arch for i in run_ids]
    return {i: label(runs[i].arch) + (f" ({run_tag(i)})" if archs.count(runs[i].arch) > 1 else "") for i in run_ids}


def preselected_runs(runs: list[RunRecord], raced: list[str | None]) -> list[str]:
    """What Compare shows first: the runs of the learner's race that has just ended (exactly
    what was trained), else the most accurate run of each architecture."""
    return raced_runs(raced, runs) or list(best_per_arch(runs).values())


def raced_runs(run_ids: list[str | None], runs: list[RunRecord]) -> list[str]:
    """The ids of a race's runs that can be compared (trained and saved), in the race's order."""
    comparable = {r.run_id for r in comparable_runs(runs)}
    return [run_id for run_id in run_ids if run_id in comparable]


def disagreements(right: Evaluation, wrong: Evaluation) -> list[int]:
    """Test indices that the first model gets right and the second gets wrong."""
    a_right = right.predictions == right.labels
    b_wrong = wrong.predictions != wrong.labels
    return (a_right & b_wrong).nonzero().flatten().tolist()


def cell_indices(evaluation: Evaluation, true: int, predicted: int) -> list[int]:
    """Test indices behind one confusion-matrix cell."""
    mask = (evaluation.labels == true) & (evaluation.predictions == predicted)
    return torch.nonzero(mask).flatten().tolist()


# Rank, who and how well first: on a phone those are the columns in view.
LEADERBOARD_COLUMNS = ("nickname", "test accuracy", "model", "budget", "images", "epochs trained", "layers",
                       "batch", "lr", "optimizer", "training s", "examples/s", "trainings at once", "status", "run")
# what a laptop's width shows at once; the rest (settings, speed, the run's id) on request
LEADERBOARD_FIRST = ("rank", "nickname", "test accuracy", "model", "layers", "epochs trained", "budget", "training s")
BUDGETS = ("full", "quick")  # every training image, or fewer (core.analysis.run_table's "budget")


def leaderboard(runs: list[RunRecord], archs: list[str] | None = None,
                names: dict[str, str] | None = None, budgets: tuple[str, ...] = BUDGETS) -> list[dict[str, Any]]:
    """One row per evaluated run on MNIST with a budget in `budgets`, most accurate first,
    ranked from 1 (equal accuracies share a rank): who, how well, what, key settings, how
    fast. `names` maps learner ids to what is shown (core.store.learners.display_names)."""
    chosen = [r for r in comparable_runs(runs) if (archs is None or r.arch in archs) and budget(r) in budgets]
    rows = run_rows(sorted(chosen, key=lambda r: -r.test_accuracy), LEADERBOARD_COLUMNS, names)
    ranked, rank = [], 0
    for place, row in enumerate(rows, start=1):
        if place == 1 or row["test accuracy"] < rows[place - 2]["test accuracy"]:
            rank = place
        ranked.append({"rank": rank, **row})
    return ranked
