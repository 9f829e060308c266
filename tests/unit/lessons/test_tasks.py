import math

import pytest

from core.lessons.tasks import Evidence, accuracy_gap, check_params, is_done, loss_rose
from core.store.runs import RunRecord
from core.training.history import EpochMetrics, History
from core.training.status import Status


def run(arch="logistic", status=Status.FINISHED, accuracy=0.92, losses=(2.3, 0.3), train_accuracy=0.93,
        run_id="r1", **config) -> RunRecord:
    epochs = tuple(EpochMetrics(i, i * 60_000, float(i), None if i == 0 else 0.3,
                                None if i == 0 else train_accuracy, loss, 0.1 if i == 0 else accuracy)
                   for i, loss in enumerate(losses))
    return RunRecord(run_id=run_id, arch=arch, dataset="mnist", status=status, message="", nickname="",
                     learner="l", created_at=0.0, finished_at=1.0, config={"arch": arch, **config},
                     history=History(epochs=epochs),
                     train_seconds=1.0, examples_seen=60_000, test_accuracy=accuracy, test_loss=losses[-1],
                     param_count=7850, model_path=None)


def evidence(*runs, actions=()) -> Evidence:
    return Evidence(tuple(runs), frozenset(actions))


def test_a_train_task_needs_one_kept_run_meeting_every_threshold():
    task = {"arch": "logistic", "min_accuracy": 0.9}
    assert is_done("train", task, evidence(run(accuracy=0.92)))
    assert not is_done("train", task, evidence(run(accuracy=0.89), run(arch="mlp", accuracy=0.97)))
    assert not is_done("train", task, evidence(run(status=Status.CANCELLED)))  # nothing was kept
    assert not is_done("train", task, evidence())
    assert is_done("train", {"max_accuracy": 0.6}, evidence(run(accuracy=0.25)))
    assert not is_done("train", {"max_accuracy": 0.6}, evidence(run(accuracy=0.91)))
    assert is_done("train", {"arch": "mlp", "min_epochs": 1}, evidence(run(arch="mlp")))
    assert not is_done("train", {"min_epochs": 2}, evidence(run()))


def test_an_as_linked_task_needs_the_links_settings_not_only_the_accuracy():
    task = {"arch": "logistic", "min_accuracy": 0.9, "settings": {"optimizer": "adam", "lr": 0.01, "epochs": 1}}
    tutorial = run(accuracy=0.904, optimizer="sgd", lr=0.001, epochs=10)  # 90%, but not with the link's settings
    linked = run(accuracy=0.925, run_id="r2", optimizer="adam", lr=0.01, epochs=1)
    assert not is_done("train", task, evidence(tutorial)) and is_done("train", task, evidence(tutorial, linked))


def test_a_run_diverged_when_its_test_loss_ends_above_the_untrained_models():
    rose = run(losses=(2.29, 13.7), accuracy=0.88)  # learning rate 10: mostly right, very sure of its mistakes
    assert loss_rose(rose) and is_done("train", {"loss_rose": True}, evidence(rose))
    assert not loss_rose(run()) and not is_done("train", {"loss_rose": True}, evidence(run()))
    assert loss_rose(run(status=Status.DIVERGED)) and loss_rose(run(losses=(2.3, math.nan)))
    assert not loss_rose(run(losses=(2.3,)))  # never trained an epoch


def test_overfitting_is_training_accuracy_far_above_test_accuracy():
    learned_by_heart = run(arch="mlp", accuracy=0.83, train_accuracy=0.996)
    assert accuracy_gap(learned_by_heart) == pytest.approx(0.166)
    assert is_done("train", {"arch": "mlp", "min_gap": 0.08}, evidence(learned_by_heart))
    assert not is_done("train", {"arch": "mlp", "min_gap": 0.08}, evidence(run(arch="mlp", train_accuracy=0.93)))


def test_action_tasks_are_met_by_the_recorded_action_on_the_named_architecture():
    done = evidence(actions={("inside.looks", "logistic"), ("misread.test", "cnn"), ("home.sample", "")})
    assert is_done("action", {"action": "home.sample"}, done)
    assert is_done("action", {"action": "inside.looks", "arch": "logistic"}, done)
    assert not is_done("action", {"action": "inside.looks", "arch": "cnn"}, done)
    assert is_done("misread_test_digit", {"arch": "cnn"}, done) and is_done("misread_test_digit", {}, done)
    assert not is_done("misread_drawing", {"arch": "mlp"}, done)
    assert is_done("misread_drawing", {"arch": "mlp"}, evidence(actions={("misread.drawing", "mlp")}))


@pytest.mark.parametrize("kind, params, problem", [
    ("train", {"min_accuracy": 0.9}, ""),
    ("train", {"min_accuracy": True}, "must be a number from 0 to 1"),
    ("train", {"loss_rose": "yes"}, "must be true or false"),
    ("train", {"min_epochs": -1}, "must be a whole number"),
    ("action", {}, "an action task needs action"),
    ("action", {"action": "fly"}, "action of an action task must be one of home.sample"),
    ("misread_drawing", {"arch": "cnn", "min_accuracy": 0.5}, "has no setting 'min_accuracy' (it has arch)"),
    ("teleport", {}, "the task kind 'teleport' is not one of"),
])
def test_a_tasks_settings_are_checked_with_one_sentence(kind, params, problem):
    found = check_params(kind, params)
    assert (problem in found) if problem else found == ""
