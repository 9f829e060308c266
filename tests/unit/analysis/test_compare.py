from pathlib import Path

import torch

from core.analysis.compare import (
    best_per_arch,
    cell_indices,
    comparable_runs,
    disagreements,
    time_to_accuracy,
    train_all_configs,
)
from core.models.evaluation import Evaluation
from core.store.runs import RunRecord
from core.training.config import preset
from core.training.history import History
from core.training.status import Status


def record(run_id, arch, accuracy, with_model=True, dataset="mnist", status=Status.FINISHED, nickname="",
           config=None, train_seconds=1.0) -> RunRecord:
    return RunRecord(run_id=run_id, arch=arch, dataset=dataset, status=status, message="", nickname=nickname,
                     learner="", created_at=0.0, finished_at=1.0, config=config or {}, history=History(),
                     train_seconds=train_seconds, examples_seen=10, test_accuracy=accuracy, test_loss=0.1,
                     param_count=10, model_path=Path("m.pt") if with_model else None)


def evaluation(predictions, labels) -> Evaluation:
    p, truth = torch.tensor(predictions), torch.tensor(labels)
    return Evaluation(0.0, (p == truth).double().mean().item(), p, torch.ones(len(p)), truth)


def test_train_all_configs_are_the_three_defaults_with_one_seed():
    configs = train_all_configs(epochs=1)
    assert [c.arch for c in configs] == ["logistic", "mlp", "cnn"]
    assert len({c.seed for c in configs}) == 1 and all(c.epochs == 1 for c in configs)
    assert configs[2].model == preset("cnn").model


def test_best_per_arch_ignores_runs_without_weights():
    runs = [record("a", "cnn", 0.98), record("b", "cnn", 0.99), record("c", "cnn", 0.999, with_model=False),
            record("d", "mlp", 0.97), record("e", "logistic", None)]
    assert [r.run_id for r in comparable_runs(runs)] == ["a", "b", "d"]
    assert best_per_arch(runs) == {"cnn": "b", "mlp": "d"}


def test_runs_of_another_dataset_never_mix_with_mnists():
    from core.analysis.compare import best_on_every_dataset
    runs = [record("a", "cnn", 0.98), record("x", "cnn", 0.999, dataset="letters"), record("y", "mlp", 0.9,
                                                                                           dataset="letters")]
    assert best_per_arch(runs) == {"cnn": "a"}
    assert best_per_arch(runs, "letters") == {"cnn": "x", "mlp": "y"}
    assert best_on_every_dataset(runs) == {"a", "x", "y"}
    assert [r.run_id for r in comparable_runs(runs)] == ["a"]


def test_examples_to_accuracy_reads_probes_and_epoch_ends():
    from core.analysis.compare import examples_to_accuracy
    history = History.from_dict({
        "probes": [[100, 0.5], [200, 0.91]],
        "epochs": [{"epoch": e, "examples_seen": seen, "train_seconds": 0.0, "train_loss": None,
                    "train_accuracy": None, "test_loss": 0.0, "test_accuracy": accuracy}
                   for e, (seen, accuracy) in enumerate([(0, 0.1), (300, 0.96), (600, 0.985)])]})
    assert examples_to_accuracy(history) == {0.90: 200, 0.95: 300, 0.98: 600, 0.99: None}


def test_the_raced_runs_are_the_ones_that_can_be_compared_in_race_order():
    from core.analysis.compare import raced_runs
    runs = [record("a", "mlp", 0.9), record("b", "cnn", None), record("c", "logistic", 0.8, with_model=False),
            record("d", "cnn", 0.95)]
    assert raced_runs(["d", "a", "b", "c", None, "gone"], runs) == ["d", "a"]



def test_compare_preselects_the_race_just_run_else_the_best_of_each_architecture():
    from core.analysis.compare import preselected_runs
    runs = [record("a", "mlp", 0.9), record("b", "mlp", 0.95), record("c", "cnn", 0.99), record("d", "cnn", None)]
    assert preselected_runs(runs, ["a", "c"]) == ["a", "c"]        # exactly what was raced
    assert preselected_runs(runs, []) == ["b", "c"]                # no race: the best of each
    assert preselected_runs(runs, ["d", None]) == ["b", "c"]       # a race whose models were not kept

def test_time_to_accuracy_takes_the_first_epoch_at_or_above():
    history = History.from_dict({"epochs": [
        {"epoch": i, "examples_seen": 0, "train_loss": None, "train_accuracy": None, "test_loss": 0.0, **e}
        for i, e in enumerate([{"test_accuracy": 0.1, "train_seconds": 0.0}, {"test_accuracy": 0.96, "train_seconds": 5.0},
                               {"test_accuracy": 0.985, "train_seconds": 9.0}])]})
    assert time_to_accuracy(history) == {0.90: 5.0, 0.95: 5.0, 0.98: 9.0, 0.99: None}


def test_disagreements_and_confusion_cells():
    labels = [1, 2, 3, 4]
    good, bad = evaluation([1, 2, 3, 0], labels), evaluation([1, 7, 3, 9], labels)
    assert disagreements(good, bad) == [1]
    assert disagreements(bad, good) == []
    assert cell_indices(bad, true=2, predicted=7) == [1] and cell_indices(bad, true=1, predicted=1) == [0]


def test_the_leaderboard_ranks_evaluated_runs_with_who_and_how():
    from core.analysis.compare import leaderboard
    config = preset("mlp").to_dict()
    runs = [record("a", "mlp", 0.97, nickname="ada", config=config, train_seconds=12.5),
            record("b", "mlp", 0.985, status=Status.STOPPED, config=config, train_seconds=3.0),
            record("z", "mlp", 0.999, config=config, dataset="letters"),  # another dataset: another board
            record("c", "cnn", None)]  # never evaluated: not on the board
    rows = leaderboard(runs)
    assert [r["run"] for r in rows] == ["b", "a"] and [r["rank"] for r in rows] == [1, 2]
    assert list(rows[0])[:3] == ["rank", "nickname", "test accuracy"]  # what a phone shows first
    assert rows[0]["nickname"] == "anonymous" and rows[1]["nickname"] == "ada"
    assert rows[1]["layers"] == "784 → 512 → 256 → 10"
    assert (rows[1]["batch"], rows[1]["optimizer"]) == (256, "adamw")
    assert leaderboard(runs, archs=["cnn"]) == []


def test_the_leaderboard_says_which_runs_used_fewer_images_and_can_leave_them_out():
    from core.analysis.compare import leaderboard
    full, quick = preset("mlp").to_dict(), {**preset("mlp").to_dict(), "train_examples": 5_000}
    runs = [record("f", "mlp", 0.97, config=full), record("q", "mlp", 0.93, config=quick),
            record("t", "mlp", 0.93, config=quick)]
    rows = leaderboard(runs)
    assert [(r["run"], r["budget"], r["images"], r["rank"]) for r in rows] == [
        ("f", "full", 60_000, 1), ("q", "quick", 5_000, 2), ("t", "quick", 5_000, 2)]  # a tie shares its rank
    assert [r["run"] for r in leaderboard(runs, budgets=("full",))] == ["f"]
    assert [r["rank"] for r in leaderboard(runs, budgets=("quick",))] == [1, 1]


def test_runs_side_by_side_are_named_by_architecture_and_by_id_only_when_two_share_one():
    from types import SimpleNamespace

    from core.analysis.compare import short_names
    runs = {"r-aaaaaa": SimpleNamespace(arch="cnn"), "r-bbbbbb": SimpleNamespace(arch="cnn"),
            "r-cccccc": SimpleNamespace(arch="mlp")}
    assert short_names(list(runs), runs) == {"r-aaaaaa": "CNN (aaaaaa)", "r-bbbbbb": "CNN (bbbbbb)", "r-cccccc": "MLP"}
    assert short_names(["r-aaaaaa", "r-cccccc"], runs) == {"r-aaaaaa": "CNN", "r-cccccc": "MLP"}


def test_time_to_accuracy_reads_checks_within_epochs_before_the_epoch_ends():
    epochs = [{"epoch": i, "examples_seen": seen, "train_loss": None, "train_accuracy": None, "test_loss": 0.0,
               "train_seconds": seconds, "test_accuracy": accuracy}
              for i, (seen, seconds, accuracy) in enumerate([(0, 0.0, 0.1), (600, 6.0, 0.985)])]
    history = History.from_dict({"epochs": epochs, "checks": [[200, 2.0, 0.93], [400, 4.0, 0.981]]})
    assert time_to_accuracy(history) == {0.90: 2.0, 0.95: 4.0, 0.98: 4.0, 0.99: None}
    assert History.from_dict(history.to_dict()) == history
    assert (400, 0.981) in history.test_accuracy_points()
    assert History.from_dict({"epochs": epochs}).checks == ()  # runs saved before checks existed
