import threading

import pytest
from helpers import GatedJob, tiny_config, wait_until

from core.config.fields import ConfigError
from core.jobs.job import TrainingJob
from core.jobs.queue import TrainingQueue
from core.jobs.run_keeper import stored_job
from core.jobs.sequence import JobSequence
from core.jobs.waits import Place
from core.training.config import TrainConfig
from core.training.limits import LimitError, QueueLimits, check_size, queue_limits


def config(**changes) -> TrainConfig:
    return tiny_config(**{"epochs": 1, "batch_size": 64, **changes})





@pytest.fixture
def gated(tiny_mnist):
    GatedJob.starts, GatedJob.running_now, GatedJob.most_at_once = [], 0, 0
    return lambda name, **kw: GatedJob(name, config(), tiny_mnist, **kw)  # learner=: whose job it is


def test_jobs_start_in_order_and_never_more_than_the_slots(gated):
    queue = TrainingQueue(QueueLimits(slots=2, threads_per_job=1))
    jobs = [queue.submit(gated(name, learner=name)) for name in "abcd"]
    assert jobs[0].entered.wait(10) and jobs[1].entered.wait(10)
    assert [j.snapshot().status for j in jobs] == ["running", "running", "queued", "queued"]
    place = queue.place(jobs[3])
    assert (place.running, place.ahead, place.own_seconds > 0) == (False, 3, True)
    assert queue.place(jobs[2]).ahead == 2 and queue.place(jobs[2]).wait_seconds > 0
    assert queue.place(jobs[0]) == Place(True, 0, 0.0)
    jobs[0].gate.set()                         # one slot frees: the first in the queue takes it
    assert jobs[2].entered.wait(10) and jobs[3].snapshot().status == "queued"
    for job in jobs[1:]:
        job.gate.set()
    assert [j.wait(60).status for j in jobs] == ["finished"] * 4
    assert GatedJob.starts[:2] in (["a", "b"], ["b", "a"]) and GatedJob.starts[2:] == ["c", "d"]
    assert GatedJob.most_at_once == 2
    assert all(j.threads == 1 for j in jobs)
    assert all(queue.place(job) is None for job in jobs)  # every job has left the queue


def test_cancel_while_queued_and_while_running(gated):
    queue = TrainingQueue(QueueLimits(slots=1))
    first, second, third = (queue.submit(gated(n, learner=n)) for n in "abc")
    assert first.entered.wait(10)
    queue.cancel(second)                       # waiting: leaves the queue, never trains
    assert second.snapshot().status == "cancelled" and queue.place(second) is None
    assert queue.place(third).ahead == 1
    queue.cancel(first)                        # running: stops before its next batch
    first.gate.set()
    assert first.wait(30).status == "cancelled"  # before its first batch: no model to keep
    third.gate.set()
    assert third.wait(60).status == "finished"
    assert GatedJob.starts == ["a", "c"] and second.snapshot().history.epochs == ()


def test_a_failing_job_does_not_block_the_queue(gated):
    queue = TrainingQueue(QueueLimits(slots=1))
    broken, after = queue.submit(gated("x", fail=True, learner="x")), queue.submit(gated("y", learner="y"))
    broken.gate.set(), after.gate.set()
    assert broken.wait(30).status == "failed" and "boom" in broken.snapshot().message
    assert after.wait(60).status == "finished"


def test_a_learner_may_hold_only_their_share(gated):
    queue = TrainingQueue(QueueLimits(slots=1, per_learner=1))
    mine = queue.submit(gated("a", learner="me"))
    with pytest.raises(LimitError, match="already have a training"):
        queue.submit(gated("b", learner="me"))
    other = queue.submit(gated("c", learner="you"))          # another learner is not affected
    assert queue.latest_job("me") is mine and queue.latest_job("you") is other
    mine.gate.set(), other.gate.set()
    mine.wait(60)
    again = queue.submit(gated("d", learner="me"))            # once it has ended, the next may come
    assert queue.latest_job("me") is again
    again.gate.set()
    assert again.wait(60).status == "finished"
    assert queue.latest_job("me") is again                    # ended jobs are still found


def test_fresh_cookies_from_one_address_hold_no_more_than_its_share(gated, tiny_mnist):
    queue = TrainingQueue(QueueLimits(slots=1, per_learner=1, per_address=2, max_queued=16))

    def from_address(name, address):
        job = gated(name, learner=name)  # a new learner id each time: cookies cleared
        job.address = address
        return job

    held = [queue.submit(from_address(n, "203.0.113.9")) for n in ("v1", "v2")]
    with pytest.raises(LimitError, match="Your network already has 2 trainings"):
        queue.submit(from_address("v3", "203.0.113.9"))
    sequence = JobSequence([config()], tiny_mnist, learner="v4")
    sequence.address = "203.0.113.9"
    with pytest.raises(LimitError, match="Your network"):
        queue.submit_sequence(sequence)
    learner = queue.submit(from_address("real", "198.51.100.1"))  # a real learner elsewhere still gets in
    cli = queue.submit(gated("cli"))                               # no address (the CLI, tests): not counted
    for job in (*held, learner, cli):
        job.gate.set()
    assert [job.wait(60).status for job in (*held, learner, cli)] == ["finished"] * 4


def test_a_network_that_queued_many_trainings_keeps_a_learner_elsewhere_waiting_for_one(gated):
    queue = TrainingQueue(QueueLimits(slots=1, per_learner=1, per_address=4, max_queued=16))

    def from_address(name, address):
        job = gated(name, learner=name)
        job.address = address
        return job

    visitor = [queue.submit(from_address(f"v{n}", "203.0.113.9")) for n in range(4)]  # cookies cleared each time
    assert visitor[0].entered.wait(10)
    learner = queue.submit(from_address("real", "198.51.100.1"))
    assert queue.place(learner).ahead == 1  # the visitor's running training, not its three waiting ones
    assert [j.name for j in queue.jobs()] == ["v0", "real", "v1", "v2", "v3"]
    assert queue.place(visitor[1]).ahead == 2
    for job in visitor + [learner]:
        job.gate.set()
    assert all(job.wait(60).status == "finished" for job in visitor + [learner])
    assert GatedJob.starts == ["v0", "real", "v1", "v2", "v3"]


def test_a_sequence_holds_one_place_of_its_learner_from_start_to_end(gated, tiny_mnist):
    queue = TrainingQueue(QueueLimits(slots=1, per_learner=1))
    sequence = JobSequence([config(), config()], tiny_mnist, learner="me")
    assert queue.submit_sequence(sequence) is sequence and queue.latest_sequence("me") is sequence
    with pytest.raises(LimitError, match="already have a training"):
        queue.submit(gated("single", learner="me"))
    with pytest.raises(LimitError, match="already have a training"):
        queue.submit_sequence(JobSequence([config()], tiny_mnist, learner="me"))
    assert [snap.status for snap in sequence.wait(60)] == ["finished", "finished"]
    queue.submit(gated("after", learner="me")).gate.set()     # its place is free once it has ended
    assert queue.latest_job("me").wait(60).status == "finished"


def test_a_sequence_too_big_for_the_caps_is_refused_before_it_starts(tiny_mnist):
    queue = TrainingQueue(QueueLimits(max_epochs=3))
    with pytest.raises(LimitError, match="at most 3 epochs"):
        queue.submit_sequence(JobSequence([config(), config(epochs=4)], tiny_mnist, learner="me"))
    assert queue.latest_sequence("me") is None


def test_only_so_many_ended_jobs_are_remembered(tiny_mnist, monkeypatch):
    monkeypatch.setattr("core.jobs.queue.LATEST_KEPT", 3)
    queue = TrainingQueue(QueueLimits(slots=1, per_learner=1))
    jobs = [queue.submit(stored_job(config(), tiny_mnist, learner=f"l{i}")) for i in range(5)]
    for job in jobs:
        job.wait(60)
    queue.submit(stored_job(config(), tiny_mnist, learner="l5")).wait(60)
    assert [queue.latest_job(f"l{i}") is not None for i in range(6)] == [False] * 3 + [True] * 3


def test_a_training_the_estimate_underrated_stops_at_the_limit_and_frees_its_slot(tiny_mnist, store, monkeypatch):
    from core.training import limits
    monkeypatch.setattr(limits, "estimate", lambda config: limits.Estimate(0.1, 700))  # it looks short
    queue = TrainingQueue(QueueLimits(slots=1, max_seconds=1.0))
    long = queue.submit(stored_job(config(epochs=50, batch_size=8), tiny_mnist, store, learner="a"))
    after = queue.submit(stored_job(config(), tiny_mnist, store, learner="b"))
    assert long.time_limit == 1.0
    assert after.wait(60).status == "finished"  # the slot came free
    snap = long.snapshot()
    assert snap.status == "stopped" and "time limit" in snap.message and store.get_run(snap.run_id).model_path


def test_hosted_demo_caps_refuse_big_trainings(tiny_mnist):
    queue = TrainingQueue(QueueLimits(max_epochs=3, max_cnn_channels=32))
    with pytest.raises(LimitError, match="at most 3 epochs"):
        queue.submit(stored_job(config(epochs=4), tiny_mnist, learner="me"))
    with pytest.raises(LimitError, match="at most 32 channels"):
        queue.submit(stored_job(config(arch="cnn", model={"channels": [16, 64]}), tiny_mnist, learner="me"))
    fits = queue.submit(stored_job(config(arch="cnn", epochs=1, train_examples=256, model={"channels": [4, 8]}),
                                    tiny_mnist, learner="me"))
    assert fits.wait(60).status == "finished"


def test_limits_come_from_the_environment(monkeypatch):
    for name in ("DIGITS_QUEUE_SLOTS", "DIGITS_TORCH_THREADS", "DIGITS_JOBS_PER_LEARNER", "DIGITS_JOBS_PER_SESSION",
                 "DIGITS_MAX_EPOCHS", "DIGITS_MAX_CNN_CHANNELS", "DIGITS_HOSTED", "DIGITS_QUEUE_MAX",
                 "DIGITS_MAX_TRAINING_SECONDS", "DIGITS_MAX_TRAINING_MB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("core.training.limits.usable_cores", lambda: 8)
    monkeypatch.setattr("core.config.settings.usable_cores", lambda: 8)
    bounds = dict(max_queued=64, max_seconds=3600, max_mb=4000)  # bounded on every server
    assert queue_limits() == QueueLimits(slots=4, threads_per_job=2, per_learner=1, **bounds)
    monkeypatch.setenv("DIGITS_QUEUE_SLOTS", "2")
    monkeypatch.setenv("DIGITS_MAX_EPOCHS", "5")
    assert queue_limits() == QueueLimits(slots=2, threads_per_job=4, per_learner=1, max_epochs=5, **bounds)
    monkeypatch.setenv("DIGITS_JOBS_PER_LEARNER", "2")
    assert queue_limits().per_learner == 2
    monkeypatch.setenv("DIGITS_QUEUE_SLOTS", "none")
    with pytest.raises(ConfigError, match="DIGITS_QUEUE_SLOTS"):
        queue_limits()


def test_a_hosted_server_has_tighter_defaults_that_every_preset_fits(monkeypatch, tiny_mnist):
    from core.analysis.compare import train_all_configs
    from core.models.architectures import ARCHITECTURES
    from core.training.config import preset
    for name in ("DIGITS_MAX_EPOCHS", "DIGITS_MAX_CNN_CHANNELS", "DIGITS_QUEUE_MAX", "DIGITS_MAX_TRAINING_SECONDS",
                 "DIGITS_MAX_TRAINING_MB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DIGITS_HOSTED", "1")
    limits = queue_limits()
    assert (limits.max_epochs, limits.max_cnn_channels, limits.max_queued) == (8, 64, 16)
    assert (limits.max_seconds, limits.max_mb) == (300, 1500)
    for arch, spec in ARCHITECTURES.items():
        for name in spec.presets:
            check_size(preset(arch, name), limits)       # the Train page's presets and Draw's button
    for config in train_all_configs():
        check_size(config, limits)                        # "Train all three"
    monkeypatch.setenv("DIGITS_HOSTED", "maybe")
    with pytest.raises(ConfigError, match="DIGITS_HOSTED"):
        queue_limits()


def test_trainings_too_long_or_too_big_for_the_server_are_refused_with_the_reason():
    from core.training.config import from_query
    limits = QueueLimits(max_seconds=1800, max_mb=4000)
    huge = from_query({"arch": "cnn", "m.channels": "128,128", "m.kernel_size": "3", "m.fc_hidden": "1024",
                       "batch_size": "2048", "epochs": "50"})
    with pytest.raises(LimitError, match=r"could take up to \d+ (min|h \d+ min) on this server, and the limit is 30 min"):
        check_size(huge, limits)
    wide = from_query({"arch": "cnn", "m.channels": "128,128", "m.kernel_size": "3", "batch_size": "2048",
                       "epochs": "1", "train_examples": "4096"})
    with pytest.raises(LimitError, match=r"need about [\d,]+ MB of memory, and the limit is 4,000 MB"):
        check_size(wide, limits)


def test_the_queue_holds_a_bounded_number_of_trainings(gated):
    queue = TrainingQueue(QueueLimits(slots=1, max_queued=2))
    first, second = queue.submit(gated("a", learner="a")), queue.submit(gated("b", learner="b"))
    with pytest.raises(LimitError, match="queue is full"):
        queue.submit(gated("c", learner="c"))
    for job in (first, second):
        job.gate.set()
    assert [job.wait(60).status for job in (first, second)] == ["finished", "finished"]
    third = queue.submit(gated("c", learner="c"))
    third.gate.set()
    assert third.wait(60).status == "finished"


def test_ended_jobs_keep_their_evaluation_but_not_their_weights(tiny_mnist):
    queue = TrainingQueue(QueueLimits(slots=1))
    job = queue.submit(stored_job(config(), tiny_mnist, learner="me"))
    assert job.wait(60).status == "finished"
    wait_until(lambda: job.result.model is None, what="the weights to be released")
    assert job.result.evaluation.accuracy == job.snapshot().test_accuracy


def test_each_slot_trains_job_after_job_on_one_long_lived_thread(tiny_mnist):
    class Named(TrainingJob):
        def on_start(self, total_examples: int, param_count: int) -> None:
            self.thread_name = threading.current_thread().name
            super().on_start(total_examples, param_count)

    queue = TrainingQueue(QueueLimits(slots=2, threads_per_job=1))
    threads_before = threading.active_count()
    jobs = [queue.submit(Named(config(), tiny_mnist)) for _ in range(6)]
    assert [job.wait(60).status for job in jobs] == ["finished"] * 6
    assert {job.thread_name for job in jobs} <= {"training-slot-1", "training-slot-2"}
    assert threading.active_count() <= threads_before + 2  # two slots, two threads, however many jobs


def test_a_job_cancelled_on_its_way_into_the_queue_neither_hangs_it_nor_waits_in_it(tiny_mnist):
    queue = TrainingQueue(QueueLimits(slots=1, threads_per_job=1))
    cancelled = TrainingJob(config(), tiny_mnist, learner="a")
    cancelled.stop()  # as a stopped "Train all" ends its next model before queueing it
    assert queue.submit_part(cancelled) is cancelled and queue.jobs() == []
    after = queue.submit(TrainingJob(config(), tiny_mnist, learner="b"))
    assert after.wait(30).status == "finished" and queue.place(after) is None


@pytest.mark.usefixtures("each_database")
def test_limits_count_the_live_runs_other_replicas_hold_in_a_shared_store(store, tiny_mnist):
    """Two replicas share one database: each sees the other's queued and running runs."""
    from core.training.status import Status
    elsewhere = store.begin_run(config(), learner="L1", status=Status.QUEUED)  # the other replica's
    store.begin_run(config(), learner="L2", status=Status.RUNNING)
    here = TrainingQueue(QueueLimits(slots=1, per_learner=1, max_queued=3), shared_store=store)
    with pytest.raises(LimitError, match="already have a training"):
        here.submit(stored_job(config(), tiny_mnist, store, learner="L1"))
    mine = here.submit(stored_job(config(epochs=50), tiny_mnist, store, learner="L3"))  # the third of three
    with pytest.raises(LimitError, match="queue is full"):
        here.submit(stored_job(config(), tiny_mnist, store, learner="L4"))
    here.cancel(mine)
    mine.wait(timeout=60)
    store.execute("UPDATE runs SET status='finished' WHERE run_id=:id", {"id": elsewhere})
    again = here.submit(stored_job(config(), tiny_mnist, store, learner="L1"))  # its other run has ended
    assert again.wait(timeout=60).status == Status.FINISHED


def test_a_queue_without_a_shared_store_counts_only_its_own_jobs(store, tiny_mnist):
    from core.training.status import Status
    store.begin_run(config(), learner="L1", status=Status.QUEUED)  # a row, but no shared store
    here = TrainingQueue(QueueLimits(slots=1, per_learner=1, max_queued=1))
    assert here.submit(stored_job(config(), tiny_mnist, store, learner="L1")).wait(timeout=60).done
