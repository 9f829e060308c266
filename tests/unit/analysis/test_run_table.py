import dataclasses
from pathlib import Path

from core.analysis.run_table import COLUMNS, run_rows
from core.store.runs import RunRecord
from core.training.config import preset
from core.training.history import EpochMetrics, History
from core.training.status import Status


def run(run_id="r1", arch="mlp", learner="l1", nickname="", epochs_done=2) -> RunRecord:
    epochs = tuple(EpochMetrics(e, e * 100, float(e), None, None, 1.0, 0.5) for e in range(epochs_done + 1))
    return RunRecord(run_id=run_id, arch=arch, dataset="mnist", status=Status.STOPPED, message="", nickname=nickname,
                     learner=learner, created_at=0.0, finished_at=1.0, config=preset("mlp").to_dict(),
                     history=History(epochs=epochs), train_seconds=3.5, examples_seen=200, test_accuracy=0.97,
                     test_loss=0.1, param_count=42, model_path=Path("m.pt"))


def test_each_page_gets_its_columns_in_its_order():
    [row] = run_rows([run()], ("model", "run", "status", "epochs", "layers"))
    assert list(row) == ["model", "run", "status", "epochs", "layers"]
    assert row == {"model": "MLP", "run": "r1", "status": "stopped", "epochs": 4, "layers": "784 → 512 → 256 → 10"}


def test_epochs_trained_counts_examples_so_a_run_stopped_early_reads_a_fraction():
    stopped = dataclasses.replace(run(), examples_seen=48_000)  # 0.8 of MNIST's 60,000
    quick = dataclasses.replace(run(), examples_seen=12_500,
                                config={**preset("mlp").to_dict(), "train_examples": 5_000})
    rows = run_rows([stopped, quick], ("epochs", "epochs trained", "images", "budget"))
    assert rows == [{"epochs": 4, "epochs trained": 0.8, "images": 60_000, "budget": "full"},
                    {"epochs": 4, "epochs trained": 2.5, "images": 5_000, "budget": "quick"}]


def test_speed_comes_with_how_many_trainings_shared_the_cpu():
    shared = dataclasses.replace(run(), examples_seen=6_000, train_seconds=3.0, trainings_at_once=2.5)
    [row] = run_rows([shared], ("examples/s", "trainings at once"))
    assert row == {"examples/s": 2_000.0, "trainings at once": 2.5}
    [unmeasured] = run_rows([dataclasses.replace(run(), train_seconds=None)], ("examples/s", "trainings at once"))
    assert unmeasured == {"examples/s": None, "trainings at once": None}


def test_who_is_the_learners_shown_name_else_the_nickname_else_anonymous():
    names = {"l1": "ada · 3f2"}
    rows = run_rows([run(), run(learner="", nickname="cli"), run(learner="l9")], ("by",), names)
    assert [r["by"] for r in rows] == ["ada · 3f2", "cli", "anonymous"]


def test_a_run_of_an_architecture_no_longer_registered_still_has_a_row():
    [row] = run_rows([run(arch="resnet")], ("model", "layers"))
    assert row == {"model": "resnet", "layers": ""}
    assert {"run", "model", "test accuracy", "training s"} <= set(COLUMNS)
