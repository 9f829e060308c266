"""What the store keeps of a job as it ends: the bent-digit accuracy, measured once after the
training's time was taken."""
import threading
import time

from helpers import tiny_config

from core.data.augment import shifted_test_set
from core.jobs import run_keeper
from core.jobs.run_keeper import stored_job
from core.models.evaluation import evaluate
from core.training.status import Status


def test_a_finished_run_keeps_its_accuracy_on_the_bent_test_digits(tiny_mnist, store):
    snap = stored_job(tiny_config(), tiny_mnist, store).start().wait(timeout=60)
    record = store.get_run(snap.run_id)
    model = store.load_model(snap.run_id)[0]
    assert record.bent_accuracy == evaluate(model, shifted_test_set(tiny_mnist.test)).accuracy
    assert record.bent_accuracy < record.test_accuracy  # the synthetic digits, bent, are harder


def test_measuring_the_bent_digits_is_not_counted_in_the_training_seconds(tiny_mnist, store, monkeypatch):
    measured = []

    def slow_measurement(model, test, batch_size):  # one second of work after the training, whatever the machine
        measured.append(time.time())
        threading.Event().wait(1.0)
        return 0.5

    monkeypatch.setattr(run_keeper, "bent_accuracy", slow_measurement)
    job = stored_job(tiny_config(), tiny_mnist, store)
    snap = job.start().wait(timeout=60)
    record = store.get_run(snap.run_id)
    assert record.bent_accuracy == 0.5 and len(measured) == 1  # once, as the job ended
    assert record.train_seconds == snap.train_seconds <= measured[0] - job.started_at  # all before it began
    assert record.finished_at - job.started_at >= record.train_seconds + 1.0  # it took its second outside them


def test_a_measurement_that_fails_leaves_the_run_finished_without_the_figure(tiny_mnist, store, monkeypatch):
    def broken(model, test):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(run_keeper, "bent_accuracy", broken)
    snap = stored_job(tiny_config(), tiny_mnist, store).start().wait(timeout=60)
    record = store.get_run(snap.run_id)
    assert snap.status == record.status == Status.FINISHED and record.bent_accuracy is None
    assert record.model_path.exists()


def test_a_run_without_a_model_measures_nothing(tiny_mnist, store, monkeypatch):
    measured = []
    monkeypatch.setattr(run_keeper, "bent_accuracy", lambda model, test: measured.append(model))
    job = stored_job(tiny_config(), tiny_mnist, store)
    job.record_queued()
    job.stop()  # cancelled while it waited
    record = store.get_run(job.wait(timeout=10).run_id)
    assert record.status == Status.CANCELLED and record.bent_accuracy is None and measured == []
