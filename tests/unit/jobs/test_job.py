import threading
import time

import pytest
import torch
from helpers import tiny_config, wait_until

from core.jobs import job as jobs
from core.jobs import threads
from core.jobs.job import TrainingJob
from core.jobs.run_keeper import RunKeeper, stored_job
from core.training.budget import BASE_MB
from core.training.limits import limit_stopped_at
from core.training.status import NOTHING_LEARNED


def test_a_job_trains_in_the_background_and_saves_the_run(tiny_mnist, store):
    job = stored_job(tiny_config(), tiny_mnist, store, nickname="grace")
    assert job.snapshot().status == "queued"
    snap = job.start().wait(timeout=60)
    assert snap.status == "finished" and snap.done and snap.progress == 1.0
    assert snap.test_accuracy > 0.9 and snap.param_count == 7850
    assert [e.epoch for e in snap.history.epochs] == [0, 1, 2]
    assert snap.examples_per_second > 0 and snap.eta_seconds is None
    record = store.get_run(snap.run_id)
    assert record.status == "finished" and record.nickname == "grace"
    assert record.test_accuracy == pytest.approx(snap.test_accuracy)
    assert len(record.history.epochs) == 3 and record.model_path.exists()
    assert record.history.probes == snap.history.probes and len(snap.history.probes) == 2 * 4
    assert snap.trainings_at_once == record.trainings_at_once == 1.0  # it trained alone
    store.load_model(snap.run_id)


def test_a_job_records_how_many_trainings_shared_the_process(tiny_mnist, store):
    long = stored_job(tiny_config(epochs=50, batch_size=8), tiny_mnist, store).start()
    wait_until(lambda: long.snapshot().history.train_points, what="a first loss point")
    short = stored_job(tiny_config(log_every=100), tiny_mnist, store).start()
    snap = short.wait(timeout=60)
    long.stop()
    long.wait(timeout=30)
    assert snap.trainings_at_once == 2.0 and store.get_run(snap.run_id).trainings_at_once == 2.0
    assert threads.trainings_now() == 0


def test_stop_takes_effect_quickly_and_keeps_the_model(tiny_mnist, store):
    job = stored_job(tiny_config(epochs=50, batch_size=8), tiny_mnist, store).start()
    wait_until(lambda: job.snapshot().history.train_points, what="a first loss point")
    asked = time.perf_counter()
    assert not job.stop_requested
    job.stop()
    assert job.stop_requested  # the page says "Stopping…" until the job has ended
    snap = job.wait(timeout=30)
    assert time.perf_counter() - asked < 1.0
    assert snap.status == "stopped" and snap.examples_seen < snap.total_examples
    assert snap.test_accuracy is not None and job.result.model is not None
    assert store.get_run(snap.run_id).status == "stopped"
    assert store.get_run(snap.run_id).model_path.exists()


def test_a_training_past_its_time_limit_stops_in_one_sentence_and_keeps_its_model(tiny_mnist, store):
    job = stored_job(tiny_config(epochs=50, batch_size=8), tiny_mnist, store)
    job.time_limit = 1.5
    began = time.perf_counter()
    snap = job.start().wait(timeout=30)
    assert time.perf_counter() - began < 1.5 + 3.0  # one batch and the final test-set check past it
    assert snap.status == "stopped" and 0 < snap.examples_seen < snap.total_examples
    assert snap.message == f"Stopped at this server's time limit (2 s) after {snap.examples_seen:,} examples."
    assert limit_stopped_at(snap.message) == "time limit" and limit_stopped_at("Stopped by request.") is None
    record = store.get_run(snap.run_id)
    assert record.status == "stopped" and record.message == snap.message and record.model_path.exists()


class HoldsMemory:
    """An observer that takes `mb` of real memory at the training's third loss point and keeps it."""

    def __init__(self, mb: int) -> None:
        self.mb, self.points, self.held = mb, 0, None

    def job_queued(self, job): pass
    def job_started(self, job): pass
    def job_ending(self, job, outcome): return outcome

    def job_progress(self, job) -> None:
        self.points += 1
        if self.points == 3:
            self.held = torch.ones(self.mb * 2**18)  # float32: 4 bytes each, every page written


def test_a_training_past_its_memory_limit_stops_in_one_sentence_and_keeps_its_model(tiny_mnist, store):
    held = HoldsMemory(600)  # what the training adds besides: 60-130 MB, a process's first included
    job = TrainingJob(tiny_config(epochs=50, batch_size=8, log_every=100), tiny_mnist, (RunKeeper(store), held))
    job.memory_limit = BASE_MB + 400
    snap = job.start().wait(timeout=60)
    assert held.held is not None and snap.status == "stopped" and 0 < snap.examples_seen < snap.total_examples
    assert snap.message == f"Stopped at this server's memory limit ({BASE_MB + 400:,} MB) after {snap.examples_seen:,} examples."
    assert limit_stopped_at(snap.message) == "memory limit"
    record = store.get_run(snap.run_id)
    assert record.status == "stopped" and record.message == snap.message and record.model_path.exists()


def test_a_model_past_the_memory_limit_before_its_first_example_keeps_nothing(tiny_mnist, store):
    config = tiny_config(arch="cnn", model={"channels": [64, 64], "fc_hidden": 1024})  # 13 MB of weights
    job = stored_job(config, tiny_mnist, store)
    job.memory_limit = BASE_MB + 1
    snap = job.start().wait(timeout=60)
    assert snap.status == "cancelled" and snap.examples_seen == 0
    assert snap.message == f"Stopped at this server's memory limit ({BASE_MB + 1:,} MB) before its first example: no model to keep."
    assert store.get_run(snap.run_id).model_path is None


def test_a_training_within_its_memory_limit_is_not_touched(tiny_mnist):
    job = stored_job(tiny_config(arch="cnn"), tiny_mnist)
    job.memory_limit = BASE_MB + 1_000
    assert job.start().wait(timeout=60).status == "finished"


def test_a_training_within_its_time_limit_is_not_touched(tiny_mnist):
    job = stored_job(tiny_config(), tiny_mnist)
    job.time_limit = 600
    assert job.start().wait(timeout=60).status == "finished"


def test_a_training_stopped_before_its_first_batch_keeps_no_model(tiny_mnist, store):
    class StopAtStart:  # a Stop that lands between the job starting and its first batch
        def job_queued(self, job): pass
        def job_started(self, job): job.stop()
        def job_ending(self, job, outcome): return outcome

    job = TrainingJob(tiny_config(), tiny_mnist, (StopAtStart(), RunKeeper(store)))
    snap = job.start().wait(timeout=30)
    assert snap.status == "cancelled" and snap.examples_seen == 0 and job.result is None
    assert snap.message == NOTHING_LEARNED
    record = store.get_run(snap.run_id)
    assert record.status == "cancelled" and record.model_path is None and record.test_accuracy is None


def test_cancel_while_queued_never_trains(tiny_mnist):
    job = stored_job(tiny_config(), tiny_mnist)
    job.stop()
    snap = job.start().wait(timeout=10)
    assert snap.status == "cancelled" and snap.examples_seen == 0 and job.result is None


def test_a_diverged_job_is_saved_with_its_message(tiny_mnist, store):
    job = stored_job(tiny_config(arch="mlp", lr=10.0, optimizer="sgd", momentum=0.99, epochs=5),
                      tiny_mnist, store)
    snap = job.start().wait(timeout=60)
    assert snap.status == "diverged" and "smaller" in snap.message
    assert store.get_run(snap.run_id).status == "diverged"


def test_an_exception_ends_the_job_as_failed_not_hung(tiny_mnist, store, monkeypatch):
    def broken_fit(*args):
        raise MemoryError("out of memory in a test")
    monkeypatch.setattr(jobs, "fit", broken_fit)
    snap = stored_job(tiny_config(), tiny_mnist, store).start().wait(timeout=10)
    assert snap.status == "failed" and "MemoryError: out of memory in a test" in snap.message
    assert store.get_run(snap.run_id).status == "failed"
    assert store.get_run(snap.run_id).model_path is None


def test_a_full_disk_fails_the_run_in_words_and_keeps_the_model_in_memory(tiny_mnist, store, monkeypatch):

    def full_disk(checkpoint, path):  # what torch.save says when the disk fills mid-file
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 2368 vs 2262")

    monkeypatch.setattr("core.store.runs.save_checkpoint", full_disk)
    job = stored_job(tiny_config(), tiny_mnist, store)
    snap = job.start().wait(timeout=60)
    assert snap.status == "failed" and snap.message == "Trained, but the model could not be saved (the disk is full)."
    assert job.result.model is not None
    [run] = store.list_runs()
    assert run.status == "failed" and run.model_path is None        # not "running" for ever
    assert list((store.root / "models").iterdir()) == []


def test_snapshots_are_consistent_while_training(tiny_mnist):
    job = stored_job(tiny_config(epochs=30, batch_size=8), tiny_mnist).start()
    errors = []

    def reader():  # each reader its own "before": another reader's snapshot may be newer than this one's
        seen_before = 0
        while not job.snapshot().done:
            snap = job.snapshot()
            xs = [p[0] for p in snap.history.train_points]
            if xs != sorted(xs) or snap.examples_seen < seen_before or not 0 <= snap.progress <= 1:
                errors.append(snap)
            seen_before = snap.examples_seen

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    wait_until(lambda: len(job.snapshot().history.train_points) >= 5, what="five loss points read while training")
    job.stop()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert job.snapshot().status == "stopped"


def test_a_sequence_trains_one_after_another_and_stops_the_rest(tiny_mnist):
    from core.jobs.sequence import JobSequence
    done = JobSequence([tiny_config(), tiny_config(arch="mlp")], tiny_mnist).start().wait(timeout=60)
    assert [s.status for s in done] == ["finished", "finished"]
    sequence = JobSequence([tiny_config(epochs=50, batch_size=8), tiny_config(arch="mlp")], tiny_mnist).start()
    wait_until(lambda: sequence.jobs[0].snapshot().history.train_points, what="the first job training")
    sequence.stop()
    first, second = sequence.wait(timeout=30)
    assert sequence.done and first.status == "stopped"
    assert second.status == "cancelled" and second.examples_seen == 0  # never started


class ThreadCountingJob(TrainingJob):
    def on_start(self, total_examples: int, param_count: int) -> None:
        self.threads_seen = torch.get_num_threads()
        super().on_start(total_examples, param_count)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_job_trains_with_its_own_torch_thread_count(tiny_mnist, threads):
    job = ThreadCountingJob(tiny_config(epochs=1), tiny_mnist, threads=threads)
    assert job.start().wait(timeout=60).status == "finished"
    assert job.threads_seen == threads


def test_jobs_default_to_the_configured_thread_count(tiny_mnist, monkeypatch):
    monkeypatch.setenv("DIGITS_TORCH_THREADS", "1")
    assert stored_job(tiny_config(), tiny_mnist).threads == 1


def test_use_one_torch_thread_leaves_the_caller_without_a_pool_and_jobs_unaffected(tiny_mnist):
    def driver(box):
        threads.use_one_torch_thread()
        job = ThreadCountingJob(tiny_config(epochs=1), tiny_mnist, threads=2)
        job.start().wait(timeout=60)
        box.update(driver=torch.get_num_threads(), job=job.threads_seen)

    box = {}
    thread = threading.Thread(target=driver, args=(box,))  # not the test's own thread
    thread.start()
    thread.join(60)
    assert box == {"driver": 1, "job": 2}


def test_a_finished_job_prunes_the_store_to_its_cap_but_keeps_the_best(tiny_mnist, store, monkeypatch):
    for i in range(12):
        run_id = store.begin_run(tiny_config())
        arch = "mlp" if i == 0 else "logistic"  # the oldest is the only, so the best, MLP: Draw shows it
        store.execute("UPDATE runs SET status='finished', arch=:arch, test_accuracy=0.9, model_file='models/x.pt', "
                      "created_at=:at WHERE run_id=:id", {"arch": arch, "at": 1000.0 + i, "id": run_id})
    best = store.list_runs()[-1].run_id
    monkeypatch.setenv("DIGITS_STORE_MAX_RUNS", "10")
    snap = stored_job(tiny_config(epochs=1), tiny_mnist, store).start().wait(timeout=60)
    left = {r.run_id for r in store.list_runs()}
    assert snap.run_id in left and best in left
    assert len(left) == 11  # the 10 newest (this run among them) and the kept best


def test_a_training_writes_its_progress_to_its_row_every_few_seconds(tiny_mnist, store, monkeypatch):
    """So a page of another replica, which does not hold the job, can show how far it is."""
    from core.jobs import run_keeper
    written = []
    monkeypatch.setattr(store, "record_progress", lambda *args: written.append(args))
    monkeypatch.setattr(run_keeper, "PROGRESS_SECONDS", 0.0)
    snap = stored_job(tiny_config(epochs=3, log_every=100), tiny_mnist, store).start().wait(timeout=60)
    assert len(written) >= 3 and {args[0] for args in written} == {snap.run_id}
    seen = [args[1] for args in written]
    assert seen == sorted(seen) and all(args[2] == snap.total_examples for args in written)
    written.clear()
    monkeypatch.setattr(run_keeper, "PROGRESS_SECONDS", 3600.0)  # throttled: a short run writes none
    stored_job(tiny_config(epochs=3, log_every=100), tiny_mnist, store).start().wait(timeout=60)
    assert written == []


def test_progress_reaches_only_a_running_row(store):
    from core.training.status import Status
    run_id = store.begin_run(tiny_config(), status=Status.QUEUED)
    store.record_progress(run_id, 10, 100, 1.0)
    assert store.get_run(run_id).progress is None
    store.mark_running(run_id)
    store.record_progress(run_id, 25, 100, 1.0)
    assert store.get_run(run_id).progress == 0.25
