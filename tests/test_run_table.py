from pathlib import Path

from core.config import preset
from core.history import EpochMetrics, History
from core.run_table import COLUMNS, run_rows
from core.status import Status
from core.store import RunRecord


def run(run_id="r1", arch="mlp", learner="l1", nickname="", epochs_done=2) -> RunRecord:
    epochs = tuple(EpochMetrics(e, e * 100, float(e), None, None, 1.0, 0.5) for e in range(epochs_done + 1))
    return RunRecord(run_id=run_id, arch=arch, dataset="mnist", status=Status.STOPPED, message="", nickname=nickname,
                     learner=learner, created_at=0.0, finished_at=1.0, config=preset("mlp").to_dict(),
                     history=History(epochs=epochs), train_seconds=3.5, examples_seen=200, test_accuracy=0.97,
                     test_loss=0.1, param_count=42, model_path=Path("m.pt"))


def test_each_page_gets_its_columns_in_its_order():
    [row] = run_rows([run()], ("model", "run", "status", "epochs", "epochs trained", "layers"))
    assert list(row) == ["model", "run", "status", "epochs", "epochs trained", "layers"]
    assert row == {"model": "MLP", "run": "r1", "status": "stopped", "epochs": 7, "epochs trained": 2,
                   "layers": "784 → 512 → 256 → 10"}


def test_who_is_the_learners_shown_name_else_the_nickname_else_anonymous():
    names = {"l1": "ada · 3f2"}
    rows = run_rows([run(), run(learner="", nickname="cli"), run(learner="l9")], ("by",), names)
    assert [r["by"] for r in rows] == ["ada · 3f2", "cli", "anonymous"]


def test_a_run_of_an_architecture_no_longer_registered_still_has_a_row():
    [row] = run_rows([run(arch="resnet")], ("model", "layers"))
    assert row == {"model": "resnet", "layers": ""}
    assert {"run", "model", "test accuracy", "training s"} <= set(COLUMNS)
